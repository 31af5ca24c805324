import Foundation
import SDCheckpoint
import SDTensor

/// diffusers' AutoencoderTiny (TAESD, madebyollin/taesd): a small distilled VAE for live previews and
/// fast decodes. It works on the diffusion model's latents as they are (its scaling factor is 1), i.e.
/// the latents the UNet sees, not the VAE's unscaled ones.
///
/// Both halves are plain nn.Sequential stacks, built from the weight names (diffusers' layer indices):
///   decoder: tanh(x/3)*3, conv, ReLU, then per stage blocks..., [2x nearest upsample, conv (no bias)],
///            ending with a biased conv to RGB; output mapped from [0, 1] to [-1, 1]
///   encoder: (x+1)/2, conv, blocks..., stride-2 convs (the ones without bias) between stages, conv out
/// A block is conv-ReLU-conv-ReLU-conv plus the input (or its 1x1 "skip" conv), then ReLU.
public final class AutoencoderTiny: @unchecked Sendable {
    enum Layer {
        case conv(Conv2d), block(TinyBlock), relu, upsample
    }

    let encoderLayers: [Layer]
    let decoderLayers: [Layer]
    /// The factor latents are divided by before decoding (diffusers' scaling_factor; 1 for TAESD).
    public let scalingFactor: Float
    public let latentChannels: Int
    /// Image pixels per latent pixel along an axis (8 for SD's TAESD).
    public let downscale: Int

    public var hasEncoder: Bool { !encoderLayers.isEmpty }
    public var hasDecoder: Bool { !decoderLayers.isEmpty }

    /// A file or folder in either TAESD layout (see TAESDFile).
    public convenience init(path: String) throws {
        let file = try TAESDFile.open(path: path)
        try self.init(weights: file.weights, scalingFactor: file.scalingFactor)
    }

    /// weights: diffusers AutoencoderTiny names ("decoder.layers.N.*", "encoder.layers.N.*"); either half
    /// may be absent (a decoder-only file), not both.
    public init(weights source: MappedWeightSource, scalingFactor: Float = 1) throws {
        let w = Weights(source)
        self.scalingFactor = scalingFactor
        let decoder = try Self.layers(w, names: source.names, part: "decoder")
        let encoder = try Self.layers(w, names: source.names, part: "encoder")
        decoderLayers = decoder
        encoderLayers = encoder
        let upsamples = decoder.filter { if case .upsample = $0 { return true } else { return false } }.count
        let strided = encoder.filter { if case .conv(let c) = $0 { return c.stride == 2 } else { return false } }.count
        if !decoder.isEmpty && !encoder.isEmpty && upsamples != strided {
            throw CheckpointError.corrupt("TAESD encoder downsamples \(strided) times but its decoder upsamples \(upsamples) times")
        }
        downscale = 1 << (decoder.isEmpty ? strided : upsamples)
        if case .conv(let first)? = decoder.first {
            latentChannels = first.inChannels
        } else if case .conv(let last)? = encoder.last {
            latentChannels = last.outChannels
        } else {
            throw CheckpointError.corrupt("TAESD: no decoder.layers.* or encoder.layers.* convolutions")
        }
        try checkChannels()
    }

    /// Reads one half's Sequential: each index is a conv ("N.weight"), a block ("N.conv.0.weight") or,
    /// without weights, the decoder's ReLU (index 1) or an upsample (other gaps).
    private static func layers(_ w: Weights, names: [String], part: String) throws -> [Layer] {
        let prefix = part + ".layers."
        var suffixes: [Int: Set<String>] = [:]
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]), index >= 0, index < 1000 else {
                throw CheckpointError.unsupported("TAESD: unexpected tensor \(name)")
            }
            suffixes[index, default: []].insert(String(rest[rest.index(after: dot)...]))
        }
        guard let last = suffixes.keys.max() else { return [] }
        let convKeys: Set<String> = ["weight", "bias"]
        let blockKeys: Set<String> = ["conv.0.weight", "conv.0.bias", "conv.2.weight", "conv.2.bias",
                                      "conv.4.weight", "conv.4.bias", "skip.weight"]
        let l = w.scoped(prefix.dropLast().description)
        var result: [Layer] = []
        for index in 0...last {
            let keys = suffixes[index] ?? []
            if keys.isEmpty {
                guard part == "decoder", index > 0 else { throw ModelError.missingWeight("\(prefix)\(index).weight") }
                result.append(index == 1 ? .relu : .upsample)
            } else if keys.contains("weight") {
                guard keys.isSubset(of: convKeys) else { throw unexpected(prefix, index, keys.subtracting(convKeys)) }
                let biased = keys.contains("bias")
                // The encoder's convs between stages are the stride-2 ones, and the only ones without bias.
                let stride = part == "encoder" && !biased ? 2 : 1
                result.append(.conv(try l.conv3x3(String(index), bias: biased, stride: stride)))
            } else {
                guard keys.isSubset(of: blockKeys) else { throw unexpected(prefix, index, keys.subtracting(blockKeys)) }
                result.append(.block(try TinyBlock(l.scoped(String(index)), hasSkip: keys.contains("skip.weight"))))
            }
        }
        return result
    }

    private static func unexpected(_ prefix: String, _ index: Int, _ keys: Set<String>) -> CheckpointError {
        .unsupported("TAESD: unsupported tensors \(keys.sorted().map { "\(prefix)\(index).\($0)" }.joined(separator: ", ")) "
                  + "(a TAESD variant this engine does not implement)")
    }

    /// Every layer's input channels match the previous layer's output, and the decoder ends in RGB.
    private func checkChannels() throws {
        func walk(_ layers: [Layer], from start: Int, _ part: String) throws -> Int {
            var channels = start
            for (i, layer) in layers.enumerated() {
                switch layer {
                case .conv(let c):
                    guard c.inChannels == channels else {
                        throw CheckpointError.corrupt("TAESD \(part) layer \(i) takes \(c.inChannels) channels, gets \(channels)")
                    }
                    channels = c.outChannels
                case .block(let b):
                    guard b.inChannels == channels else {
                        throw CheckpointError.corrupt("TAESD \(part) layer \(i) takes \(b.inChannels) channels, gets \(channels)")
                    }
                    channels = b.outChannels
                case .relu, .upsample: break
                }
            }
            return channels
        }
        if hasDecoder, try walk(decoderLayers, from: latentChannels, "decoder") != 3 {
            throw CheckpointError.corrupt("TAESD decoder does not end in 3 (RGB) channels")
        }
        if hasEncoder, try walk(encoderLayers, from: 3, "encoder") != latentChannels {
            throw CheckpointError.corrupt("TAESD encoder does not end in \(latentChannels) latent channels")
        }
    }

    /// latents [N, latentC, h, w] (the diffusion model's latents; divided by scalingFactor here) ->
    /// image [N, 3, h*f, w*f], about [-1, 1], not clamped.
    public func decode(_ latents: Tensor) -> Tensor {
        precondition(hasDecoder, "AutoencoderTiny.decode: the file has no decoder")
        var h = latents.copy()
        for i in 0..<h.count { h.data[i] = tanhf(h.data[i] / scalingFactor / 3) * 3 }
        h = run(decoderLayers, h)
        for i in 0..<h.count { h.data[i] = h.data[i] * 2 - 1 }
        return h
    }

    /// image [N, 3, H, W] in [-1, 1] (H, W multiples of downscale) -> latents [N, latentC, H/f, W/f],
    /// on the diffusion model's scale (times scalingFactor).
    public func encode(_ image: Tensor) -> Tensor {
        precondition(hasEncoder, "AutoencoderTiny.encode: the file has no encoder")
        var h = image.copy()
        for i in 0..<h.count { h.data[i] = (h.data[i] + 1) / 2 }
        h = run(encoderLayers, h)
        if scalingFactor != 1 { for i in 0..<h.count { h.data[i] *= scalingFactor } }
        return h
    }

    private func run(_ layers: [Layer], _ input: Tensor) -> Tensor {
        var h = input
        for layer in layers {
            switch layer {
            case .conv(let c): h = c(h)
            case .block(let b): h = b(h)
            case .relu: relu(h)
            case .upsample: h = Ops.upsampleNearest2x(h)
            }
        }
        return h
    }
}

/// AutoencoderTinyBlock: ReLU(conv(ReLU(conv(ReLU(conv(x))))) + skip(x)).
final class TinyBlock: @unchecked Sendable {
    let conv0: Conv2d, conv2: Conv2d, conv4: Conv2d
    let skip: Conv2d?
    var inChannels: Int { conv0.inChannels }
    var outChannels: Int { conv4.outChannels }

    init(_ w: Weights, hasSkip: Bool) throws {
        conv0 = try w.conv3x3("conv.0", bias: true)
        conv2 = try w.conv3x3("conv.2", bias: true)
        conv4 = try w.conv3x3("conv.4", bias: true)
        skip = hasSkip ? Conv2d(weight: try w.matrix("skip.weight"), kernel: 1, bias: nil, padding: 0) : nil
        guard conv2.inChannels == conv0.outChannels, conv4.inChannels == conv2.outChannels,
              skip.map({ $0.inChannels == conv0.inChannels && $0.outChannels == conv4.outChannels })
                ?? (conv0.inChannels == conv4.outChannels) else {
            throw CheckpointError.corrupt("TAESD block \(w.prefix)* has inconsistent channel counts")
        }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let a = conv0(x); relu(a)
        let b = conv2(a); relu(b)
        let out = conv4(b)
        if let skip { Ops.addInPlace(out, skip(x)) } else { Ops.addInPlace(out, x) }
        relu(out)
        return out
    }
}

private func relu(_ x: Tensor) {
    let p = x.data
    for i in 0..<x.count where p[i] < 0 { p[i] = 0 }
}

extension Weights {
    /// A 3x3 convolution with padding 1, with or without bias.
    func conv3x3(_ name: String, bias: Bool, stride: Int = 1) throws -> Conv2d {
        let s = try shape(name + ".weight")
        guard s.count == 4, s[2] == 3, s[3] == 3 else {
            throw ModelError.shapeMismatch(prefix + name + ".weight", expected: [s.first ?? 0, s.count > 1 ? s[1] : 0, 3, 3], found: s)
        }
        let b: Tensor? = bias ? try tensor(name + ".bias", shape: [s[0]]) : nil
        return Conv2d(weight: try matrix(name + ".weight"), kernel: 3, bias: b, stride: stride, padding: 1)
    }
}
