import Glibc
import SDKernels
import SDKernelsC

/// Scaled dot-product attention over heads laid side by side in the channel dimension.
public enum ScaledDotProductAttention {
    /// Query rows handled at once: bounds the scores buffer to rowsPerTile x keys floats,
    /// so 4096-token self-attention never holds the full tokens x tokens matrix.
    public static var rowsPerTile = 1024

    /// q: [B, T, heads*d], k and v: [B, S, heads*d] -> [B, T, heads*d].
    /// `causal` masks key j > query i (CLIP text).
    public static func compute(q: Tensor, k: Tensor, v: Tensor, heads: Int, causal: Bool = false) -> Tensor {
        let d = q.shape[2] / heads
        FLOPCount.add(4 * q.shape[0] * heads * q.shape[1] * k.shape[1] * d)  // QK^T and PV
        if fused && !causal && sdk_attention_supported(d) != 0 {
            return OpProfile.measure("attention") { fusedTiles(q: q, k: k, v: v, heads: heads) }
        }
        return OpProfile.measure("attention/sgemm") { tiled(q: q, k: k, v: v, heads: heads, causal: causal) }
    }

    /// Whether the fused kernel (sdk_attention_head) is used where the CPU allows it
    /// (SDSWIFT_ATTENTION=sgemm: scores through sgemm, for comparisons).
    public static var fused = getenv("SDSWIFT_ATTENTION").map { String(cString: $0) } != "sgemm"

    /// Heads and blocks of query rows spread over the threads, each through the fused kernel, which never
    /// holds more than 48 rows x 96 keys of scores. Blocks are small enough to give every thread work even
    /// for one head (the VAE's), and large enough that each block's pass over all of K and V costs little;
    /// a multiple of 48 rows, the kernel's row group (AVX-512; AVX2's is 16), so none is cut short.
    static func fusedTiles(q: Tensor, k: Tensor, v: Tensor, heads: Int) -> Tensor {
        let b = q.shape[0], t = q.shape[1], c = q.shape[2], s = k.shape[1]
        precondition(c % heads == 0 && k.shape[2] == c && v.shape[2] == c && v.shape[1] == s)
        let d = c / heads, scale = 1 / Float(d).squareRoot()
        let out = Tensor([b, t, c])
        let heads_ = b * heads, wanted = 4 * max(1, BLAS.threads)
        let blocks = max(1, min((t + 63) / 64, (wanted + heads_ - 1) / heads_))
        let rowsPerBlock = ((t + blocks - 1) / blocks + 47) / 48 * 48
        let work = sdk_attention_work_floats(d)
        Parallel.forEach(heads_ * blocks) { item in
            let bh = item / blocks, block = item % blocks, bi = bh / heads, h = bh % heads
            let r0 = block * rowsPerBlock, rows = min(rowsPerBlock, t - r0)
            guard rows > 0 else { return }
            Scratch.with(work) { w in
                sdk_attention_head(q.data + (bi * t + r0) * c + h * d, c, k.data + bi * s * c + h * d, c,
                                   v.data + bi * s * c + h * d, c, out.data + (bi * t + r0) * c + h * d, c,
                                   rows, s, d, scale, w)
            }
        }
        return out
    }

    static func tiled(q: Tensor, k: Tensor, v: Tensor, heads: Int, causal: Bool) -> Tensor {
        let b = q.shape[0], t = q.shape[1], c = q.shape[2], s = k.shape[1]
        precondition(c % heads == 0 && k.shape[2] == c && v.shape[2] == c && v.shape[1] == s)
        let d = c / heads
        let scale = 1 / Float(d).squareRoot()
        let out = Tensor([b, t, c])
        let tile = min(t, rowsPerTile)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: tile * s)
        defer { scores.deallocate() }
        for bi in 0..<b {
            for h in 0..<heads {
                let qb = q.data + bi * t * c + h * d
                let kb = k.data + bi * s * c + h * d
                let vb = v.data + bi * s * c + h * d
                let ob = out.data + bi * t * c + h * d
                var r0 = 0
                while r0 < t {
                    let rows = min(tile, t - r0)
                    OpProfile.measure("attention/sgemm qk") {
                        BLAS.gemm(transB: true, m: rows, n: s, k: d, a: qb + r0 * c, lda: c, b: kb, ldb: c,
                                  c: scores, ldc: s)
                    }
                    if causal {
                        for i in 0..<rows {
                            let row = scores + i * s
                            let first = r0 + i + 1
                            if first < s { for j in first..<s { row[j] = -.infinity } }
                        }
                    }
                    OpProfile.measure("attention/sgemm softmax") { sdk_softmax_rows(scores, rows, s, scale) }
                    OpProfile.measure("attention/sgemm pv") {
                        BLAS.gemm(m: rows, n: d, k: s, a: scores, lda: s, b: vb, ldb: c, c: ob + r0 * c, ldc: c)
                    }
                    r0 += rows
                }
            }
        }
        return out
    }
}
