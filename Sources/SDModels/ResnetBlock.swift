import SDTensor
import SDKernelsC

/// ResnetBlock2D (diffusers): norm-SiLU-conv twice, an optional time-embedding shift, a skip path.
/// The convolutions apply the GroupNorm+SiLU in front of them as they read their input (Conv2d).
final class ResnetBlock: @unchecked Sendable {
    let norm1: GroupNorm, conv1: Conv2d
    let timeProj: Linear?
    let norm2: GroupNorm, conv2: Conv2d
    let shortcut: Conv2d?

    init(_ w: Weights, groups: Int, eps: Float) throws {
        norm1 = try w.groupNorm("norm1", groups: groups, eps: eps)
        conv1 = try w.conv("conv1")
        timeProj = w.has("time_emb_proj.weight") ? try w.linear("time_emb_proj") : nil
        norm2 = try w.groupNorm("norm2", groups: groups, eps: eps)
        conv2 = try w.conv("conv2")
        shortcut = w.has("conv_shortcut.weight") ? try w.conv("conv_shortcut", padding: 0) : nil
    }

    /// x: [N, C, H, W]; siluTemb: SiLU(time embedding) [N, T] or nil (VAE).
    func callAsFunction(_ x: Tensor, siluTemb: Tensor?) -> Tensor {
        var h = conv1(x, normalizedBy: norm1, silu: true)
        if let timeProj, let siluTemb {
            let t = timeProj(siluTemb)  // [N, C]
            let n = h.shape[0], c = h.shape[1], hw = h.count / (n * c)
            for i in 0..<n { sdk_add_channel_bias(h.data + i * c * hw, t.data + i * c, c, hw) }
        }
        h = conv2(h, normalizedBy: norm2, silu: true)
        let skip = shortcut.map { $0(x) } ?? x
        Ops.addInPlace(h, skip)
        return h
    }
}
