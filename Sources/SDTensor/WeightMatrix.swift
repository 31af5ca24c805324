import SDKernels
import SDKernelsC

/// A layer's weight matrix [rows, cols], kept in the precision the checkpoint stored it in.
/// Half-precision weights stay half size in memory and are widened to Float32 just before their
/// product (exact, and cheap next to the product itself); Float32 weights are used in place.
public final class WeightMatrix: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    private let floats: UnsafeMutablePointer<Float>?
    private let halves: UnsafePointer<UInt16>?
    /// The memory-mapped file whose pages `halves` points into (nil: `halves` is our own copy).
    private let mappedOwner: AnyObject?

    public var count: Int { rows * cols }

    /// Takes a Float32 tensor of rows * cols elements.
    public init(rows: Int, cols: Int, float32 tensor: Tensor) {
        precondition(tensor.count == rows * cols)
        self.rows = rows; self.cols = cols
        floats = .allocate(capacity: rows * cols)
        floats!.update(from: tensor.data, count: rows * cols)
        halves = nil
        mappedOwner = nil
    }

    /// Fills rows * cols IEEE half values through `fill` (which returns false if it cannot).
    public init?(rows: Int, cols: Int, halfFill fill: (UnsafeMutableBufferPointer<UInt16>) throws -> Bool) rethrows {
        let h = UnsafeMutablePointer<UInt16>.allocate(capacity: rows * cols)
        guard try fill(UnsafeMutableBufferPointer(start: h, count: rows * cols)) else { h.deallocate(); return nil }
        self.rows = rows; self.cols = cols
        halves = UnsafePointer(h)
        floats = nil
        mappedOwner = nil
    }

    /// Half values read in place from a memory-mapped checkpoint (kept alive by `owner`): they cost
    /// memory only while their pages are resident, and releasePages() hands those back.
    public init(rows: Int, cols: Int, mappedHalves: UnsafePointer<UInt16>, owner: AnyObject) {
        self.rows = rows; self.cols = cols
        halves = mappedHalves
        floats = nil
        mappedOwner = owner
    }

    deinit {
        floats?.deallocate()
        if mappedOwner == nil { halves.map { UnsafeMutablePointer(mutating: $0).deallocate() } }
    }

    /// Whether the values are read in place from a memory-mapped file.
    public var isMapped: Bool { mappedOwner != nil }

    /// Hands the resident file pages of a mapped matrix back to the kernel (the next use reads them
    /// again, from the page cache while it holds them): a model part that is done for this
    /// generation (the text encoder once the prompt is encoded) stops counting in resident memory.
    /// Only whole pages inside the matrix are released. Nothing happens for matrices in our own memory.
    public func releasePages() {
        guard mappedOwner != nil, let h = halves else { return }
        MemoryPages.release(h, byteCount: count * 2)
    }

    public var isHalf: Bool { halves != nil }

    /// The stored half-precision values, when they are what a product should use now: half precision,
    /// and no WeightOverlay values for this matrix in force (nil otherwise).
    public var halvesInUse: UnsafePointer<UInt16>? {
        guard let halves, WeightOverlay.current?.values(for: self) == nil else { return nil }
        return halves
    }

    /// Calls body with the matrix as Float32, row-major [rows, cols]: the current WeightOverlay's
    /// values for it (a merged LoRA) when there are some, else the stored weights.
    @inline(__always)
    public func withFloat32<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        if let overlay = WeightOverlay.current, let merged = overlay.values(for: self) { return try body(merged) }
        return try withStoredFloat32(body)
    }

    /// Calls body with the stored weights as Float32, whatever overlay is in force.
    public func withStoredFloat32<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try withStoredRows(0, rows, body)
    }

    /// Calls body(firstRow, rowCount, values) for consecutive panels of rows covering the matrix, as
    /// Float32, each panel at most `maxFloats` values (half-precision weights are widened a panel at a
    /// time into one pooled buffer, so a 1280x23040 convolution does not need 118 MB of Float32 at
    /// once); Float32 weights and overlays come as one panel.
    public func withFloat32Panels(maxFloats: Int, _ body: (_ firstRow: Int, _ rowCount: Int, UnsafePointer<Float>) throws -> Void) rethrows {
        if halves == nil || count <= maxFloats || WeightOverlay.current?.values(for: self) != nil {
            return try withFloat32 { try body(0, rows, $0) }
        }
        let panels = (count + maxFloats - 1) / maxFloats
        let panelRows = (rows + panels - 1) / panels
        var r0 = 0
        while r0 < rows {
            let n = min(panelRows, rows - r0)
            try withFloat32Rows(r0, n) { try body(r0, n, $0) }
            r0 += n
        }
    }

    /// Calls body with rows [firstRow, firstRow + count) as Float32 (widened into a pooled buffer when
    /// the weights are half precision).
    public func withFloat32Rows<R>(_ firstRow: Int, _ count: Int, _ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        precondition(firstRow >= 0 && count >= 0 && firstRow + count <= rows)
        if let overlay = WeightOverlay.current, let merged = overlay.values(for: self) { return try body(merged + firstRow * cols) }
        return try withStoredRows(firstRow, count, body)
    }

    /// The stored rows [firstRow, firstRow + count) as Float32: in place, or widened from half precision
    /// into a pooled buffer (a fresh allocation of this size comes from mmap, and faulting in its
    /// zeroed pages on every call cost ~0.8 s of a 256x256 UNet step).
    private func withStoredRows<R>(_ firstRow: Int, _ count: Int, _ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
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
