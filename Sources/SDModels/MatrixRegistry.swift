import SDTensor

/// Collects the weight matrices a model makes while it loads, by module name, so that LoRAs can find
/// the layers they change: "down_blocks.0.attentions.0.proj_in" (the weight's name without ".weight").
/// Models need not know: `Weights.matrix` adds to the registry in force on the loading thread.
public final class MatrixRegistry: @unchecked Sendable {
    @TaskLocal static var current: MatrixRegistry?

    private(set) var matrices: [String: WeightMatrix] = [:]

    func add(_ weightName: String, _ matrix: WeightMatrix) {
        let name = weightName.hasSuffix(".weight") ? String(weightName.dropLast(".weight".count)) : weightName
        matrices[name] = matrix
    }

    /// Runs `load` and returns what it made together with every weight matrix it loaded, by module name.
    public static func collect<T>(_ load: () throws -> T) rethrows -> (T, [String: WeightMatrix]) {
        let registry = MatrixRegistry()
        let made = try $current.withValue(registry, operation: load)
        return (made, registry.matrices)
    }
}
