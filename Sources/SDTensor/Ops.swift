import Glibc
import SDKernels
import SDKernelsC

/// Element-wise and layout operations on whole tensors.
public enum Ops {
    /// y += x (same shape).
    public static func addInPlace(_ y: Tensor, _ x: Tensor) {
        precondition(y.count == x.count)
        OpProfile.measure("add") { Parallel.chunks(y.count) { s, e in sdk_add(y.data + s, x.data + s, e - s) } }
    }

    public static func silu(_ x: Tensor) {
        OpProfile.measure("silu") { Parallel.chunks(x.count, minChunk: 8192) { s, e in sdk_silu(x.data + s, e - s) } }
    }

    public static func gelu(_ x: Tensor) {
        Parallel.chunks(x.count, minChunk: 8192) { s, e in sdk_gelu(x.data + s, e - s) }
    }

    public static func quickGELU(_ x: Tensor) {
        Parallel.chunks(x.count, minChunk: 8192) { s, e in sdk_quick_gelu(x.data + s, e - s) }
    }

    /// [N, C1, H, W] ++ [N, C2, H, W] -> [N, C1+C2, H, W]; a b of one item ([1, C2, H, W]) joins every
    /// item of a.
    public static func concatChannels(_ a: Tensor, _ b: Tensor) -> Tensor {
        OpProfile.measure("concat") { concat(a, b) }
    }

    static func concat(_ a: Tensor, _ b: Tensor) -> Tensor {
        let n = a.shape[0], h = a.shape[2], w = a.shape[3], c1 = a.shape[1], c2 = b.shape[1]
        precondition((b.shape[0] == n || b.shape[0] == 1) && b.shape[2] == h && b.shape[3] == w)
        let out = Tensor([n, c1 + c2, h, w])
        let p1 = c1 * h * w, p2 = c2 * h * w
        for i in 0..<n {
            copy(out.data + i * (p1 + p2), a.data + i * p1, count: p1)
            copy(out.data + i * (p1 + p2) + p1, b.data + (i % b.shape[0]) * p2, count: p2)
        }
        return out
    }

    /// Nearest-neighbour resize to (height, width), as torch's F.interpolate(mode="nearest"):
    /// output pixel i takes input pixel floor(i * in / out). The UNet uses it when a latent side is
    /// not divisible by its total downscale, so the upsampled map matches its skip connection.
    public static func upsampleNearest(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        if oh == 2 * h && ow == 2 * w { return upsampleNearest2x(x) }
        let out = Tensor([n, c, oh, ow])
        let sx = (0..<ow).map { min(w - 1, Int(Float($0) * (Float(w) / Float(ow)))) }
        for plane in 0..<(n * c) {
            let src = x.data + plane * h * w, dst = out.data + plane * oh * ow
            for y in 0..<oh {
                let row = src + min(h - 1, Int(Float(y) * (Float(h) / Float(oh)))) * w
                for xx in 0..<ow { dst[y * ow + xx] = row[sx[xx]] }
            }
        }
        return out
    }

    /// [N, C, H, W] -> [N, C, 2H, 2W] nearest neighbour.
    public static func upsampleNearest2x(_ x: Tensor) -> Tensor {
        OpProfile.measure("upsample") { upsample2x(x) }
    }

    static func upsample2x(_ x: Tensor) -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let out = Tensor([n, c, 2 * h, 2 * w])
        Parallel.forEach(n) { i in
            sdk_upsample_nearest2x(x.data + i * c * h * w, out.data + i * c * h * w * 4, c, h, w)
        }
        return out
    }

    /// y[r] = row for each of `rows` rows of `cols` floats, split between the threads: the start of a
    /// product with a bias that then adds into it (sgemm with beta 1).
    public static func fillRows(_ y: UnsafeMutablePointer<Float>, with row: UnsafePointer<Float>, rows: Int, cols: Int) {
        Parallel.chunks(rows, minChunk: max(1, 65_536 / max(cols, 1))) { r0, r1 in
            for r in r0..<r1 { (y + r * cols).update(from: row, count: cols) }
        }
    }

    /// Item `i` of a batch as a batch of one: [N, ...] -> [1, ...].
    public static func batchItem(_ x: Tensor, _ i: Int) -> Tensor {
        var shape = x.shape
        let per = x.count / shape[0]
        shape[0] = 1
        return Tensor(shape, copying: x.data + i * per)
    }

    /// A batch of one repeated n times: [1, ...] -> [n, ...].
    public static func repeatBatch(_ x: Tensor, _ n: Int) -> Tensor {
        precondition(x.shape[0] == 1, "repeatBatch: \(x.shape) is not one item")
        var shape = x.shape
        shape[0] = n
        let out = Tensor(shape)
        for i in 0..<n { copy(out.data + i * x.count, x.data, count: x.count) }
        return out
    }

    /// Whether every item of x holds the same values as the first (bit for bit).
    public static func itemsRepeatFirst(_ x: Tensor) -> Bool {
        let n = x.shape[0], per = x.count / max(n, 1)
        return n > 1 && (1..<n).allSatisfy { memcmp(x.data, x.data + $0 * per, per * 4) == 0 }
    }

    /// dst[0..<count] = src[0..<count], split between the threads when large (a memory-bound copy of
    /// megabytes runs about twice as fast on two cores).
    public static func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
        Parallel.chunks(count, minChunk: 1 << 18) { s, e in (dst + s).update(from: src + s, count: e - s) }
    }
}
