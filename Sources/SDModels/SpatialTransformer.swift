import SDKernels
import SDKernelsC
import SDTensor

/// BasicTransformerBlock: self-attention, cross-attention to the text, GEGLU feed-forward;
/// each pre-normed with LayerNorm and added back (the paper's "spatial transformer" block).
final class BasicTransformerBlock: @unchecked Sendable {
    let norm1: LayerNorm, attn1: CrossAttention
    let norm2: LayerNorm, attn2: CrossAttention
    let norm3: LayerNorm, ffIn: Linear, ffOut: Linear

    init(_ w: Weights, heads: Int) throws {
        norm1 = try w.layerNorm("norm1", eps: 1e-5)
        attn1 = try CrossAttention(w.scoped("attn1"), heads: heads, qkvBias: false)
        norm2 = try w.layerNorm("norm2", eps: 1e-5)
        attn2 = try CrossAttention(w.scoped("attn2"), heads: heads, qkvBias: false)
        norm3 = try w.layerNorm("norm3", eps: 1e-5)
        ffIn = try w.linear("ff.net.0.proj")
        ffOut = try w.linear("ff.net.2")
    }

    /// x: [B, T, C] tokens, context: [B, S, Cc]. x of one item with a context of B (a guided batch whose
    /// items share their input, SpatialTransformer): the self-attention runs once and its result is
    /// repeated for each item before the cross-attention, where the items part.
    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        attn1(norm1(x), addingTo: x)
        let x = x.shape[0] < context.shape[0] ? Ops.repeatBatch(x, context.shape[0]) : x
        attn2(norm2(x), context: context, addingTo: x)
        feedForward(norm3(x), addingTo: x)
        return x
    }

    /// Tokens per chunk of the feed-forward: its GEGLU projection is 8x the block's width
    /// ([tokens, 2 x 4C]), 84 MB for SD1's first level at 512x512 in one piece; in chunks it stays a few MB.
    nonisolated(unsafe) static var feedForwardRows = 1024

    /// x += ffOut(GEGLU(ffIn(h))), a chunk of tokens at a time, the weights widened once.
    private func feedForward(_ h: Tensor, addingTo x: Tensor) {
        let c = h.shape[h.shape.count - 1], rows = h.count / c
        let inner = ffIn.outFeatures / 2, chunk = min(rows, Self.feedForwardRows)
        let proj = Tensor([chunk, 2 * inner]), gated = Tensor([chunk, inner])
        ffIn.weight.withFloat32 { wIn in ffOut.weight.withFloat32 { wOut in
            var r0 = 0
            while r0 < rows {
                let n = min(chunk, rows - r0)
                ffIn.apply(h.data + r0 * c, rows: n, weights: wIn, into: proj.data)  // [n, 2*inner] = [hidden | gate]
                OpProfile.measure("geglu") {
                    Parallel.chunks(n, minChunk: max(1, 8192 / inner)) { s, e in
                        sdk_geglu(proj.data + s * 2 * inner, gated.data + s * inner, e - s, inner)
                    }
                }
                ffOut.apply(gated.data, rows: n, weights: wOut, into: x.data + r0 * c, accumulate: true)
                r0 += n
            }
        } }
    }
}

/// Transformer2DModel: GroupNorm, per-pixel projection in, transformer blocks over the H*W tokens,
/// projection out, plus the input. proj_in/proj_out are 1x1 convolutions (SD1) or linear layers
/// (SD2): the same per-pixel map, so both are applied as one GEMM straight from/to NCHW.
final class SpatialTransformer: @unchecked Sendable {
    let norm: GroupNorm
    let projInW: WeightMatrix, projInB: Tensor
    let blocks: [BasicTransformerBlock]
    let projOutW: WeightMatrix, projOutB: Tensor

    init(_ w: Weights, heads: Int, layers: Int, groups: Int) throws {
        norm = try w.groupNorm("norm", groups: groups, eps: 1e-6)
        projInW = try w.matrix("proj_in.weight")
        projInB = try w.tensor("proj_in.bias")
        blocks = try (0..<layers).map { try BasicTransformerBlock(w.scoped("transformer_blocks.\($0)"), heads: heads) }
        projOutW = try w.matrix("proj_out.weight")
        projOutB = try w.tensor("proj_out.bias")
    }

    /// x: [N, C, H, W], context: [B, S, Cc] -> [B, C, H, W], where N = B, or N = 1 for the start of a
    /// guided batch whose items have the same input (UNet): the work up to the first cross-attention
    /// is done once, and the first block repeats its tokens for each item.
    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        let n = x.shape[0], c = x.shape[1], hw = x.count / (n * c), batch = context.shape[0]
        precondition(n == batch || n == 1, "SpatialTransformer: \(x.shape) against a context of \(context.shape)")
        let inner = projInW.rows
        let normed = norm(x)
        // tokens[b] [HW, inner] = normed[b]^T [HW, C] x W^T [C, inner]
        let tokens = Tensor([n, hw, inner])
        Ops.fillRows(tokens.data, with: projInB.data, rows: n * hw, cols: inner)
        projInW.withFloat32 { wIn in
            for b in 0..<n {
                BLAS.gemm(transA: true, transB: true, m: hw, n: inner, k: c, a: normed.data + b * c * hw, lda: hw,
                          b: wIn, ldb: c, beta: 1, c: tokens.data + b * hw * inner)
            }
        }
        var t = tokens
        for block in blocks { t = block(t, context: context) }
        // out[b] [C, HW] = W [C, inner] x tokens[b]^T [inner, HW], plus bias and the residual input
        let out = n < batch ? Ops.repeatBatch(x, batch) : x.copy()
        projOutW.withFloat32 { wOut in
            for b in 0..<batch {
                let ob = out.data + b * c * hw
                sdk_add_channel_bias(ob, projOutB.data, c, hw)
                BLAS.gemm(transB: true, m: c, n: hw, k: inner, a: wOut, b: t.data + b * hw * inner, ldb: inner,
                          beta: 1, c: ob)
            }
        }
        return out
    }
}
