import Foundation
import SDCheckpoint
import SDKernels
import SDKernelsC
import SDTensor

/// The VAE's single-head self-attention over pixels (mid block), with its own GroupNorm and residual.
final class VAEAttention: @unchecked Sendable {
    let norm: GroupNorm
    let attention: CrossAttention

    init(_ w: Weights, groups: Int) throws {
        norm = try w.groupNorm("group_norm", groups: groups, eps: 1e-6)
        attention = try CrossAttention(w, heads: 1, qkvBias: true)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let n = x.shape[0], c = x.shape[1], hw = x.count / (n * c)
        let normed = norm(x)
        let tokens = Tensor([n, hw, c])
        for b in 0..<n { transpose(normed.data + b * c * hw, rows: c, cols: hw, into: tokens.data + b * hw * c) }
        let attended = attention(tokens)
        let out = x.copy()
        let tmp = Tensor([c, hw])
        for b in 0..<n {
            transpose(attended.data + b * hw * c, rows: hw, cols: c, into: tmp.data)
            sdk_add(out.data + b * c * hw, tmp.data, c * hw)
        }
        return out
    }

    private func transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { for col in 0..<cols { dst[col * rows + r] = src[r * cols + col] } }
    }
}

/// The VAE's middle: resnet, attention, resnet.
final class VAEMidBlock: @unchecked Sendable {
    let resnet1: ResnetBlock, attention: VAEAttention, resnet2: ResnetBlock
    init(_ w: Weights, groups: Int) throws {
        resnet1 = try ResnetBlock(w.scoped("resnets.0"), groups: groups, eps: 1e-6)
        attention = try VAEAttention(w.scoped("attentions.0"), groups: groups)
        resnet2 = try ResnetBlock(w.scoped("resnets.1"), groups: groups, eps: 1e-6)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { resnet2(attention(resnet1(x, siluTemb: nil)), siluTemb: nil) }
}

/// AutoencoderKL: images in [-1, 1] <-> latents (downscaled 2^(levels-1) times).
public final class VAE: @unchecked Sendable {
    public let config: VAEConfig

    struct Level { let resnets: [ResnetBlock]; let resample: Conv2d? }

    // Encoder
    let encConvIn: Conv2d, encDown: [Level], encMid: VAEMidBlock, encNormOut: GroupNorm, encConvOut: Conv2d
    let quantConv: Conv2d
    // Decoder
    let postQuantConv: Conv2d
    let decConvIn: Conv2d, decMid: VAEMidBlock, decUp: [Level], decNormOut: GroupNorm, decConvOut: Conv2d

    public init(config: VAEConfig, weights source: any WeightSource) throws {
        self.config = config
        let w = Weights(source)
        let g = config.normNumGroups, levels = config.blockOutChannels.count
        let e = w.scoped("encoder"), d = w.scoped("decoder")
        encConvIn = try e.conv("conv_in")
        encDown = try (0..<levels).map { i in
            let b = e.scoped("down_blocks.\(i)")
            return Level(resnets: try (0..<config.layersPerBlock).map { try ResnetBlock(b.scoped("resnets.\($0)"), groups: g, eps: 1e-6) },
                         // pad right/bottom by one, then a stride-2 3x3 conv without padding
                         resample: i < levels - 1 ? try b.conv("downsamplers.0.conv", stride: 2, asymmetricPadding: (0, 0, 1, 1)) : nil)
        }
        encMid = try VAEMidBlock(e.scoped("mid_block"), groups: g)
        encNormOut = try e.groupNorm("conv_norm_out", groups: g, eps: 1e-6)
        encConvOut = try e.conv("conv_out")
        quantConv = try w.conv("quant_conv", padding: 0)
        postQuantConv = try w.conv("post_quant_conv", padding: 0)
        decConvIn = try d.conv("conv_in")
        decMid = try VAEMidBlock(d.scoped("mid_block"), groups: g)
        decUp = try (0..<levels).map { i in
            let b = d.scoped("up_blocks.\(i)")
            return Level(resnets: try (0...config.layersPerBlock).map { try ResnetBlock(b.scoped("resnets.\($0)"), groups: g, eps: 1e-6) },
                         resample: i < levels - 1 ? try b.conv("upsamplers.0.conv") : nil)
        }
        decNormOut = try d.groupNorm("conv_norm_out", groups: g, eps: 1e-6)
        decConvOut = try d.conv("conv_out")
    }

    /// image [N, 3, H, W] in [-1, 1] -> the posterior's mean and standard deviation,
    /// each [N, latentC, H/f, W/f] (unscaled).
    public func encode(_ image: Tensor) -> (mean: Tensor, std: Tensor) {
        var h = encConvIn(image)
        for level in encDown {
            for r in level.resnets { h = r(h, siluTemb: nil) }
            if let ds = level.resample { h = ds(h) }
        }
        h = encMid(h)
        let moments = quantConv(encConvOut(encNormOut(h, silu: true)))  // [N, 2*latentC, h, w]
        let n = moments.shape[0], lc = config.latentChannels, plane = moments.shape[2] * moments.shape[3]
        let mean = Tensor([n, lc, moments.shape[2], moments.shape[3]])
        let std = Tensor(mean.shape)
        for i in 0..<n {
            (mean.data + i * lc * plane).update(from: moments.data + i * 2 * lc * plane, count: lc * plane)
            let logvar = moments.data + i * 2 * lc * plane + lc * plane
            for j in 0..<(lc * plane) { std.data[i * lc * plane + j] = expf(0.5 * min(max(logvar[j], -30), 20)) }
        }
        return (mean, std)
    }

    public func encodeMean(_ image: Tensor) -> Tensor { encode(image).mean }

    /// latents [N, latentC, h, w] (unscaled) -> image [N, 3, h*f, w*f], about [-1, 1], not clamped.
    public func decode(_ latents: Tensor) -> Tensor {
        var h = decMid(decConvIn(postQuantConv(latents)))
        for level in decUp {
            for r in level.resnets { h = r(h, siluTemb: nil) }
            if let us = level.resample { h = us(Ops.upsampleNearest2x(h)) }
        }
        return decConvOut(decNormOut(h, silu: true))
    }
}
