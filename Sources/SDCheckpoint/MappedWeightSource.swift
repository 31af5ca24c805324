// A WeightSource that resolves diffusers names to tensors in one or more safetensors files.
// Each entry points at a whole file tensor or at a block of its rows (OpenCLIP's fused q/k/v
// projection); nothing is read until `read` is called, and nothing is copied but into the caller's buffer.

public struct TensorReference: Sendable {
    public let file: SafeTensorsFile
    public let tensorName: String
    /// Rows (first dimension) of the file tensor that make up this weight; nil for the whole tensor.
    public let rows: Range<Int>?

    public init(file: SafeTensorsFile, tensorName: String, rows: Range<Int>? = nil) {
        self.file = file
        self.tensorName = tensorName
        self.rows = rows
    }

    var info: SafeTensorInfo? { file.info(tensorName) }

    /// The shape this weight has: the file tensor's, with the first dimension cut to `rows`.
    var shape: [Int]? {
        guard let info else { return nil }
        guard let rows else { return info.shape }
        guard let first = info.shape.first, rows.upperBound <= first else { return nil }
        return [rows.count] + info.shape.dropFirst()
    }
}

public final class MappedWeightSource: WeightSource {
    public let entries: [String: TensorReference]

    public init(entries: [String: TensorReference]) { self.entries = entries }

    /// All tensors of `file`, under the names `rename` gives them (nil drops a tensor).
    public convenience init(file: SafeTensorsFile, rename: (String) -> String? = { $0 }) {
        var entries: [String: TensorReference] = [:]
        for name in file.tensors.keys {
            if let mapped = rename(name) { entries[mapped] = TensorReference(file: file, tensorName: name) }
        }
        self.init(entries: entries)
    }

    public var names: [String] { entries.keys.sorted() }

    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    public func dtype(of name: String) -> SafeTensorsDType? { entries[name]?.info?.dtype }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let entry = entries[name], let info = entry.info, let shape = entry.shape else {
            throw CheckpointError.missingTensor(name)
        }
        let count = shape.reduce(1, *)
        guard count == destination.count else {
            throw CheckpointError.shapeMismatch(name: name, expected: [destination.count], found: shape)
        }
        let rowElements = info.shape.dropFirst().reduce(1, *)
        let first = (entry.rows?.lowerBound ?? 0) * rowElements
        try entry.file.readFloats(info, firstElement: first, count: count, into: destination.baseAddress)
    }

    public func readHalf(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws -> Bool {
        guard let entry = entries[name], let info = entry.info, let shape = entry.shape else {
            throw CheckpointError.missingTensor(name)
        }
        let count = shape.reduce(1, *)
        guard count == destination.count, let base = destination.baseAddress else {
            throw CheckpointError.shapeMismatch(name: name, expected: [destination.count], found: shape)
        }
        let rowElements = info.shape.dropFirst().reduce(1, *)
        return entry.file.readHalfBits(info, firstElement: (entry.rows?.lowerBound ?? 0) * rowElements,
                                       count: count, into: base)
    }

    public func mappedHalf(_ name: String) throws -> MappedHalves? {
        guard let entry = entries[name], let info = entry.info else { throw CheckpointError.missingTensor(name) }
        let rowElements = info.shape.dropFirst().reduce(1, *)
        return entry.file.mappedHalfBits(info, firstElement: (entry.rows?.lowerBound ?? 0) * rowElements)
            .map { MappedHalves(values: $0, owner: entry.file) }
    }
}
