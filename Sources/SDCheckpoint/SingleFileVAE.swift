// The VAE of an original (ldm) single-file checkpoint, keys under "first_stage_model.":
// config detection and the ldm -> diffusers name mapping (as diffusers' convert_ldm_vae_checkpoint).
// The mid-block attention's q/k/v/proj_out are 1x1 convolutions [C,C,1,1] in ldm and linear [C,C]
// in diffusers: the same elements in the same order, so they are mapped, not converted.

enum SingleFileVAE {
    static func detectConfig(_ tensors: PrefixedTensors) throws -> VAEConfig {
        var config = VAEConfig()
        config.inChannels = try tensors.dimension("encoder.conv_in.weight", 1, rank: 4)
        let levels = tensors.indices(after: "encoder.down.")
        guard !levels.isEmpty, levels == Array(0..<levels.count) else {
            throw CheckpointError.corrupt("VAE encoder.down blocks are not numbered 0...N (found \(levels))")
        }
        config.blockOutChannels = try levels.map { try tensors.dimension("encoder.down.\($0).block.0.conv1.weight", 0) }
        config.layersPerBlock = tensors.indices(after: "encoder.down.0.block.").count
        config.latentChannels = try tensors.dimension("decoder.conv_in.weight", 1, rank: 4)
        config.outChannels = try tensors.dimension("decoder.conv_out.weight", 0, rank: 4)
        return config
    }

    static func map(_ tensors: PrefixedTensors, config: VAEConfig) -> [String: TensorReference] {
        var entries: [String: TensorReference] = [:]
        for name in tensors.storedNames.keys {
            if let mapped = diffusersName(name, levels: config.blockOutChannels.count) {
                entries[mapped] = tensors.reference(name)
            }
        }
        return entries
    }

    static func diffusersName(_ name: String, levels: Int) -> String? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func tail(_ from: Int) -> String { parts[from...].joined(separator: ".") }
        if parts.count == 2 && (parts[0] == "quant_conv" || parts[0] == "post_quant_conv") { return name }
        guard parts.count >= 3, parts[0] == "encoder" || parts[0] == "decoder" else { return nil }
        let coder = parts[0]
        switch parts[1] {
        case "conv_in", "conv_out":
            return name
        case "norm_out":
            return "\(coder).conv_norm_out." + tail(2)
        case "down" where coder == "encoder", "up" where coder == "decoder":
            guard parts.count >= 6, let stored = Int(parts[2]), stored < levels else { return nil }
            // The decoder stores its up blocks deepest-first: up.(n-1) runs first = diffusers up_blocks.0.
            let block = coder == "encoder" ? stored : levels - 1 - stored
            let blocks = "\(coder).\(coder == "encoder" ? "down" : "up")_blocks.\(block)"
            switch parts[3] {
            case "block":
                return "\(blocks).resnets.\(parts[4])." + resnetName(tail(5))
            case "downsample", "upsample":
                let samplers = parts[3] == "downsample" ? "downsamplers" : "upsamplers"
                return parts[4] == "conv" ? "\(blocks).\(samplers).0.conv." + tail(5) : nil
            default:
                return nil
            }
        case "mid":
            switch parts[2] {
            case "block_1": return "\(coder).mid_block.resnets.0." + resnetName(tail(3))
            case "block_2": return "\(coder).mid_block.resnets.1." + resnetName(tail(3))
            case "attn_1":
                guard parts.count >= 5 else { return nil }
                let layer = ["norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"][parts[3]]
                return layer.map { "\(coder).mid_block.attentions.0.\($0)." + tail(4) }
            default:
                return nil
            }
        default:
            return nil
        }
    }

    private static func resnetName(_ rest: String) -> String {
        rest.hasPrefix("nin_shortcut.") ? "conv_shortcut." + rest.dropFirst("nin_shortcut.".count) : rest
    }
}
