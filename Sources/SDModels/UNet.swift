import Foundation
import SDCheckpoint
import SDKernels
import SDTensor
import Synchronization

/// UNet2DConditionModel: predicts the noise (or v) in a latent, given a timestep and the text.
/// Down path collects skip tensors; the up path concatenates them back, block by block.
public final class UNet: @unchecked Sendable {
    public let config: UNetConfig

    struct DownBlock { let resnets: [ResnetBlock]; let attentions: [SpatialTransformer]; let downsample: Conv2d? }
    struct UpBlock { let resnets: [ResnetBlock]; let attentions: [SpatialTransformer]; let upsample: Conv2d? }

    let timeLinear1: Linear, timeLinear2: Linear
    let convIn: Conv2d
    let down: [DownBlock]
    let midResnet1: ResnetBlock, midAttention: SpatialTransformer, midResnet2: ResnetBlock
    let up: [UpBlock]
    let normOut: GroupNorm, convOut: Conv2d

    /// Forward passes run, and batch items they evaluated, since loading (what a generation cost, for
    /// tests and benchmarks: guidance <= 1 runs one batch item per step instead of two).
    public var callCount: Int { calls.load(ordering: .relaxed) }
    public var evaluatedSamples: Int { samples.load(ordering: .relaxed) }
    /// Forward passes that computed a guided batch's shared start once (sharesRepeatedInput).
    public var sharedStartCount: Int { sharedStarts.load(ordering: .relaxed) }
    private let calls = Atomic<Int>(0), samples = Atomic<Int>(0), sharedStarts = Atomic<Int>(0)

    public init(config: UNetConfig, weights source: any WeightSource) throws {
        self.config = config
        let w = Weights(source)
        let g = config.normNumGroups, eps = config.normEps, levels = config.blockOutChannels.count
        let tl = config.transformerLayersPerBlock
        timeLinear1 = try w.linear("time_embedding.linear_1")
        timeLinear2 = try w.linear("time_embedding.linear_2")
        convIn = try w.conv("conv_in")
        down = try (0..<levels).map { i in
            let b = w.scoped("down_blocks.\(i)")
            let hasAttn = config.downBlockHasAttention[i]
            return DownBlock(
                resnets: try (0..<config.layersPerBlock).map { try ResnetBlock(b.scoped("resnets.\($0)"), groups: g, eps: eps) },
                attentions: hasAttn ? try (0..<config.layersPerBlock).map {
                    try SpatialTransformer(b.scoped("attentions.\($0)"), heads: config.numHeads[i], layers: tl, groups: g)
                } : [],
                downsample: i < levels - 1 ? try b.conv("downsamplers.0.conv", stride: 2, padding: 1) : nil)
        }
        let m = w.scoped("mid_block")
        midResnet1 = try ResnetBlock(m.scoped("resnets.0"), groups: g, eps: eps)
        midAttention = try SpatialTransformer(m.scoped("attentions.0"), heads: config.numHeads[levels - 1], layers: tl, groups: g)
        midResnet2 = try ResnetBlock(m.scoped("resnets.1"), groups: g, eps: eps)
        up = try (0..<levels).map { i in
            let b = w.scoped("up_blocks.\(i)")
            let level = levels - 1 - i  // the down level this up block mirrors
            let hasAttn = config.downBlockHasAttention[level]
            return UpBlock(
                resnets: try (0...config.layersPerBlock).map { try ResnetBlock(b.scoped("resnets.\($0)"), groups: g, eps: eps) },
                attentions: hasAttn ? try (0...config.layersPerBlock).map {
                    try SpatialTransformer(b.scoped("attentions.\($0)"), heads: config.numHeads[level], layers: tl, groups: g)
                } : [],
                upsample: i < levels - 1 ? try b.conv("upsamplers.0.conv") : nil)
        }
        normOut = try w.groupNorm("conv_norm_out", groups: g, eps: eps)
        convOut = try w.conv("conv_out")
    }

    /// Sinusoidal timestep features (diffusers get_timestep_embedding), one row per batch item.
    func timestepFeatures(_ timesteps: [Float]) -> Tensor {
        let dim = timeLinear1.inFeatures, half = dim / 2
        let out = Tensor([timesteps.count, dim])
        for (b, t) in timesteps.enumerated() {
            for i in 0..<half {
                let exponent = -log(Float(10000)) * Float(i) / (Float(half) - config.freqShift)
                let arg = t * exp(exponent)
                let (first, second) = config.flipSinToCos ? (cos(arg), sin(arg)) : (sin(arg), cos(arg))
                out.data[b * dim + i] = first
                out.data[b * dim + half + i] = second
            }
        }
        return out
    }

    /// sample: [B, inC, h, w]; timesteps: one per batch item; context: [B, S, crossDim] -> [B, outC, h, w]
    public func callAsFunction(_ sample: Tensor, timesteps: [Float], context: Tensor) -> Tensor {
        precondition(timesteps.count == sample.shape[0] && context.shape[0] == sample.shape[0])
        calls.add(1, ordering: .relaxed)
        samples.add(sample.shape[0], ordering: .relaxed)
        let temb = timeLinear2({ let h = timeLinear1(timestepFeatures(timesteps)); Ops.silu(h); return h }())
        Ops.silu(temb)  // every resnet consumes SiLU(temb)
        // A guided batch repeats one latent and timestep for each prompt: up to the first cross-attention
        // the items are the same work, done here once (batch 1; the resnets read temb's first row, the
        // first transformer repeats its tokens, concatenation repeats the skips).
        let batch = sample.shape[0]
        let shared = Self.sharesRepeatedInput && Set(timesteps).count == 1 && Ops.itemsRepeatFirst(sample)
        if shared { sharedStarts.add(1, ordering: .relaxed) }
        var h = convIn(shared ? Ops.batchItem(sample, 0) : sample)
        var skips = [h]
        for block in down {
            for (j, resnet) in block.resnets.enumerated() {
                h = resnet(h, siluTemb: temb)
                if !block.attentions.isEmpty { h = block.attentions[j](h, context: context) }
                skips.append(h)
            }
            if let ds = block.downsample { h = ds(h); skips.append(h) }
        }
        h = midResnet1(h, siluTemb: temb)
        h = midAttention(h, context: context)
        h = midResnet2(h, siluTemb: temb)
        for block in up {
            for (j, resnet) in block.resnets.enumerated() {
                h = resnet(Ops.concatChannels(h, skips.removeLast()), siluTemb: temb)
                if !block.attentions.isEmpty { h = block.attentions[j](h, context: context) }
            }
            if let us = block.upsample {
                // to the size of the skip the next block consumes (2x unless a side was odd)
                let target = skips.last!
                h = us(Ops.upsampleNearest(h, height: target.shape[2], width: target.shape[3]))
            }
        }
        if h.shape[0] < batch { h = Ops.repeatBatch(h, batch) }  // no cross-attention met on the way
        return convOut(normOut(h, silu: true))
    }

    /// Whether a batch of identical latents and timesteps (classifier-free guidance) computes its shared
    /// start once (off: every item all the way, for comparisons).
    nonisolated(unsafe) public static var sharesRepeatedInput = true
}
