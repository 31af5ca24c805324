// The UNet of an original (ldm) single-file checkpoint, keys under "model.diffusion_model.":
// config detection from names and shapes, and the ldm -> diffusers name mapping
// (the same mapping as diffusers' convert_ldm_unet_checkpoint, applied to names only).

enum SingleFileUNet {
    static func detectConfig(_ tensors: PrefixedTensors, family: ModelFamily) throws -> UNetConfig {
        var config = UNetConfig()
        config.inChannels = try tensors.dimension("input_blocks.0.0.weight", 1, rank: 4)
        let stemChannels = try tensors.dimension("input_blocks.0.0.weight", 0, rank: 4)
        config.outChannels = try tensors.dimension("out.2.weight", 0, rank: 4)

        // input_blocks: 0 is conv_in; then per level `layers` resnet(+attention) blocks and, except on
        // the last level, one downsampler block ("input_blocks.N.0.op").
        let inputs = tensors.indices(after: "input_blocks.")
        guard inputs.count >= 2, inputs == Array(0..<inputs.count) else {
            throw CheckpointError.corrupt("UNet input_blocks are not numbered 0...N (found \(inputs))")
        }
        let downsamplers = inputs.filter { tensors.has("input_blocks.\($0).0.op.weight") }
        let levels = downsamplers.count + 1
        let resnetBlocks = inputs.count - 1 - downsamplers.count
        let layers = resnetBlocks / levels
        guard layers >= 1, resnetBlocks % levels == 0,
              downsamplers == (1..<levels).map({ $0 * (layers + 1) }) else {
            throw CheckpointError.corrupt("cannot infer the UNet layout from \(inputs.count) input blocks "
                                          + "with downsamplers at \(downsamplers)")
        }
        config.layersPerBlock = layers
        config.blockOutChannels = []
        config.downBlockHasAttention = []
        for level in 0..<levels {
            let first = 1 + level * (layers + 1)
            config.blockOutChannels.append(try tensors.dimension("input_blocks.\(first).0.out_layers.3.weight", 0))
            config.downBlockHasAttention.append(tensors.has("input_blocks.\(first).1.proj_in.weight"))
        }
        guard stemChannels == config.blockOutChannels[0] else {
            throw CheckpointError.unsupported("UNet conv_in has \(stemChannels) channels but the first block \(config.blockOutChannels[0])")
        }
        let midAttention = "middle_block.1."
        config.crossAttentionDim = try tensors.dimension(midAttention + "transformer_blocks.0.attn2.to_k.weight", 1, rank: 2)
        guard let projection = tensors.shape(midAttention + "proj_in.weight") else {
            throw CheckpointError.missingTensor(tensors.prefix + midAttention + "proj_in.weight")
        }
        config.useLinearProjection = projection.count == 2
        config.transformerLayersPerBlock = max(1, tensors.indices(after: midAttention + "transformer_blocks.").count)
        // The original configs: SD1 has 8 heads everywhere, SD2 a head size of 64.
        config.numHeads = config.blockOutChannels.map { family == .sd1 ? 8 : max(1, $0 / 64) }
        return config
    }

    static func map(_ tensors: PrefixedTensors, config: UNetConfig) -> [String: TensorReference] {
        var entries: [String: TensorReference] = [:]
        for name in tensors.storedNames.keys {
            if let mapped = diffusersName(name, layersPerBlock: config.layersPerBlock) {
                entries[mapped] = tensors.reference(name)
            }
        }
        return entries
    }

    /// ldm name (prefix stripped) -> diffusers name, or nil for tensors the model does not use.
    static func diffusersName(_ name: String, layersPerBlock: Int) -> String? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { return nil }
        let perLevel = layersPerBlock + 1
        func tail(_ from: Int) -> String { parts[from...].joined(separator: ".") }
        switch parts[0] {
        case "time_embed":
            let layer = ["0": "linear_1", "2": "linear_2"][parts[1]]
            return layer.map { "time_embedding.\($0)." + tail(2) }
        case "out":
            let layer = ["0": "conv_norm_out", "2": "conv_out"][parts[1]]
            return layer.map { $0 + "." + tail(2) }
        case "input_blocks":
            guard parts.count >= 4, let i = Int(parts[1]), let j = Int(parts[2]) else { return nil }
            if i == 0 { return j == 0 ? "conv_in." + tail(3) : nil }
            let block = (i - 1) / perLevel, layer = (i - 1) % perLevel
            if j == 0 && parts[3] == "op" { return "down_blocks.\(block).downsamplers.0.conv." + tail(4) }
            if j == 0 { return resnetName(tail(3)).map { "down_blocks.\(block).resnets.\(layer)." + $0 } }
            if j == 1 { return "down_blocks.\(block).attentions.\(layer)." + tail(3) }
            return nil
        case "middle_block":
            switch parts[1] {
            case "0": return resnetName(tail(2)).map { "mid_block.resnets.0." + $0 }
            case "1": return "mid_block.attentions.0." + tail(2)
            case "2": return resnetName(tail(2)).map { "mid_block.resnets.1." + $0 }
            default: return nil
            }
        case "output_blocks":
            guard parts.count >= 4, let i = Int(parts[1]), let j = Int(parts[2]) else { return nil }
            let block = i / perLevel, layer = i % perLevel
            if j == 0 { return resnetName(tail(3)).map { "up_blocks.\(block).resnets.\(layer)." + $0 } }
            if (j == 1 || j == 2) && parts[3] == "conv" { return "up_blocks.\(block).upsamplers.0.conv." + tail(4) }
            if j == 1 { return "up_blocks.\(block).attentions.\(layer)." + tail(3) }
            return nil
        default:
            return nil
        }
    }

    /// ldm ResBlock parameter -> diffusers ResnetBlock2D parameter ("in_layers.0.weight" -> "norm1.weight").
    private static func resnetName(_ rest: String) -> String? {
        let renames = [("in_layers.0.", "norm1."), ("in_layers.2.", "conv1."), ("out_layers.0.", "norm2."),
                       ("out_layers.3.", "conv2."), ("emb_layers.1.", "time_emb_proj."),
                       ("skip_connection.", "conv_shortcut.")]
        for (old, new) in renames where rest.hasPrefix(old) { return new + rest.dropFirst(old.count) }
        return nil
    }
}
