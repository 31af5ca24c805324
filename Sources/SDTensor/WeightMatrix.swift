import SDKernels
import SDKernelsC

/// A layer's weight matrix [rows, cols], kept in the precision the checkpoint stored it in.
/// Half-precision weights stay half size in memory and are widened to Float32 just before their
/// product (exact, and cheap next to the product itself); Float32 weights are used in place.
public final class WeightMatrix: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    private let floats: UnsafeMutablePointer<Float>?
    private let halves: UnsafeMutablePointer<UInt16>?

    public var count: Int { rows * cols }

    /// Takes a Float32 tensor of rows * cols elements.
    public init(rows: Int, cols: Int, float32 tensor: Tensor) {
        precondition(tensor.count == rows * cols)
        self.rows = rows; self.cols = cols
        floats = .allocate(capacity: rows * cols)
        floats!.update(from: tensor.data, count: rows * cols)
        halves = nil
    }

    /// Fills rows * cols IEEE half values through `fill` (which returns false if it cannot).
    public init?(rows: Int, cols: Int, halfFill fill: (UnsafeMutableBufferPointer<UInt16>) throws -> Bool) rethrows {
        let h = UnsafeMutablePointer<UInt16>.allocate(capacity: rows * cols)
        guard try fill(UnsafeMutableBufferPointer(start: h, count: rows * cols)) else { h.deallocate(); return nil }
        self.rows = rows; self.cols = cols
        halves = h
        floats = nil
    }

    deinit { floats?.deallocate(); halves?.deallocate() }

    public var isHalf: Bool { halves != nil }

    /// Calls body with the matrix as Float32, row-major [rows, cols]: the current WeightOverlay's
    /// values for it (a merged LoRA) when there are some, else the stored weights.
    @inline(__always)
    public func withFloat32<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        if let overlay = WeightOverlay.current, let merged = overlay.values(for: self) { return try body(merged) }
        return try withStoredFloat32(body)
    }

    /// Calls body with the stored weights as Float32, whatever overlay is in force.
    public func withStoredFloat32<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        if let floats { return try body(floats) }
        // Widened into a pooled buffer: a fresh allocation of this size comes from mmap, and faulting
        // in its zeroed pages on every call cost ~0.8 s of a 256x256 UNet step.
        let h = halves!
        return try Scratch.with(count) { tmp in
            Parallel.chunks(count, minChunk: 262_144) { s, e in sdk_f16_to_f32(h + s, tmp + s, e - s) }
            return try body(tmp)
        }
    }

    /// Calls body with rows [firstRow, firstRow + count) as Float32 (widened into a pooled buffer when
    /// the weights are half precision).
    public func withFloat32Rows<R>(_ firstRow: Int, _ count: Int, _ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        precondition(firstRow >= 0 && count >= 0 && firstRow + count <= rows)
        if let overlay = WeightOverlay.current, let merged = overlay.values(for: self) { return try body(merged + firstRow * cols) }
        if let floats { return try body(floats + firstRow * cols) }
        let src = halves! + firstRow * cols, n = count * cols
        return try Scratch.with(n) { tmp in
            Parallel.chunks(n, minChunk: 131_072) { s, e in sdk_f16_to_f32(src + s, tmp + s, e - s) }
            return try body(tmp)
        }
    }

    /// The matrix as a Float32 tensor, as the layer would use it now (tests, small matrices).
    public func tensor() -> Tensor {
        let t = Tensor([rows, cols])
        withFloat32 { t.data.update(from: $0, count: count) }
        return t
    }
}
