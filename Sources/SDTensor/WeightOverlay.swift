/// Float32 values that stand in for some weight matrices while code runs inside `apply` (merged LoRAs).
///
/// The matrices themselves never change: a model stays shareable by many threads, and each generation
/// runs with the overlay it took when it started. `WeightMatrix.withFloat32` reads the overlay of the
/// current thread or task; dropping the overlay gives back the original weights bit for bit.
/// Built once (`set`), then only read.
public final class WeightOverlay: @unchecked Sendable {
    @TaskLocal public static var current: WeightOverlay?

    private var entries: [ObjectIdentifier: (matrix: WeightMatrix, values: UnsafeMutablePointer<Float>)] = [:]

    public init() {}

    deinit { for e in entries.values { e.values.deallocate() } }

    /// Takes ownership of `values` (matrix.count floats, row-major) as the stand-in for `matrix`.
    public func set(_ matrix: WeightMatrix, values: UnsafeMutablePointer<Float>) {
        if let old = entries[ObjectIdentifier(matrix)] { old.values.deallocate() }
        entries[ObjectIdentifier(matrix)] = (matrix, values)
    }

    public func values(for matrix: WeightMatrix) -> UnsafePointer<Float>? {
        entries[ObjectIdentifier(matrix)].map { UnsafePointer($0.values) }
    }

    /// How many matrices this overlay replaces, and the bytes it holds.
    public var count: Int { entries.count }
    public var bytes: Int { entries.values.reduce(0) { $0 + $1.matrix.count * 4 } }

    /// Runs body with `overlay` in force on this thread/task (nil: the stored weights).
    public static func apply<R>(_ overlay: WeightOverlay?, _ body: () throws -> R) rethrows -> R {
        try $current.withValue(overlay, operation: body)
    }
}
