import SDKernels

/// A dense float32 tensor, row-major (NCHW for images, [batch, tokens, channels] for sequences).
/// Owns its storage; `reshape` only changes the view of the same elements.
public final class Tensor: @unchecked Sendable {
    public private(set) var shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    public init(_ shape: [Int], zeroed: Bool = false) {
        self.shape = shape
        count = shape.reduce(1, *)
        data = .allocate(capacity: max(count, 1))
        if zeroed { data.initialize(repeating: 0, count: count) }
    }

    public convenience init(_ shape: [Int], values: [Float]) {
        self.init(shape)
        precondition(values.count == count, "Tensor(values:) count mismatch")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// A copy of `source`'s first count values (split between the threads when large: Ops.copy).
    public convenience init(_ shape: [Int], copying source: UnsafePointer<Float>) {
        self.init(shape)
        Ops.copy(data, source, count: count)
    }

    deinit { data.deallocate() }

    public func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == count, "reshape \(shape) -> \(newShape)")
        shape = newShape
    }

    public func copy() -> Tensor { Tensor(shape, copying: data) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
    public var array: [Float] { Array(buffer) }

    public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    public func fill(_ v: Float) { data.update(repeating: v, count: count) }
}
