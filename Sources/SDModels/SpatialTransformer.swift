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

    /// x: [B, T, C] tokens, context: [B, S, Cc]
    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        Ops.addInPlace(x, attn1(norm1(x)))
        Ops.addInPlace(x, attn2(norm2(x), context: context))
        let proj = ffIn(norm3(x))                    // [B, T, 2*inner] = [hidden | gate]
        let inner = proj.shape[2] / 2
        let rows = proj.count / (2 * inner)
        let gated = Tensor([x.shape[0], x.shape[1], inner])
        OpProfile.measure("geglu") {
            Parallel.chunks(rows, minChunk: max(1, 8192 / inner)) { s, e in
                sdk_geglu(proj.data + s * 2 * inner, gated.data + s * inner, e - s, inner)
            }
        }
        Ops.addInPlace(x, ffOut(gated))
        return x
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

    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        let n = x.shape[0], c = x.shape[1], hw = x.count / (n * c)
        let inner = projInW.rows
        let normed = norm(x)
        // tokens[b] [HW, inner] = normed[b]^T [HW, C] x W^T [C, inner]
        let tokens = Tensor([n, hw, inner])
        projInW.withFloat32 { wIn in
            for b in 0..<n {
                BLAS.gemm(transA: true, transB: true, m: hw, n: inner, k: c, a: normed.data + b * c * hw, lda: hw,
                          b: wIn, ldb: c, c: tokens.data + b * hw * inner)
            }
        }
        sdk_add_row_bias(tokens.data, projInB.data, n * hw, inner)
        var t = tokens
        for block in blocks { t = block(t, context: context) }
        // out[b] [C, HW] = W [C, inner] x tokens[b]^T [inner, HW], plus bias and the residual input
        let out = x.copy()
        projOutW.withFloat32 { wOut in
            for b in 0..<n {
                let ob = out.data + b * c * hw
                sdk_add_channel_bias(ob, projOutB.data, c, hw)
                BLAS.gemm(transB: true, m: c, n: hw, k: inner, a: wOut, b: t.data + b * hw * inner, ldb: inner,
                          beta: 1, c: ob)
            }
        }
        return out
    }
}
