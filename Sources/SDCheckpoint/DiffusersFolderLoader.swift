// A diffusers pipeline folder: model_index.json, text_encoder/, unet/, vae/, scheduler/ (tokenizer/
// optional). Weights come from <component>/<base>.safetensors, its .fp16 variant, or a sharded
// <base>.safetensors.index.json; PyTorch .bin files are refused.

import Foundation

/// What a loader produces before validation: the config and one source per component.
struct LoadedModel {
    var config: ModelConfig
    var text: MappedWeightSource
    var unet: MappedWeightSource
    var vae: MappedWeightSource
}

enum DiffusersFolderLoader {
    static func load(folder: String, predictionType: PredictionType?) throws -> LoadedModel {
        let root = URL(fileURLWithPath: folder)
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

        let indexPath = path("model_index.json")
        if FileManager.default.fileExists(atPath: indexPath) {
            let index = try ConfigJSON(path: indexPath, component: "model_index.json")
            let className = try index.string("_class_name") ?? ""
            if className.contains("XL") || index.has("text_encoder_2") {
                throw CheckpointError.unsupported("\(folder) is an SDXL pipeline (\(className)); only SD1.x/SD2.x are supported")
            }
        }

        var config = ModelConfig()
        config.layout = .diffusersFolder
        config.text = try CLIPTextConfig(diffusers: ConfigJSON(path: path("text_encoder/config.json"), component: "text encoder"))
        config.unet = try UNetConfig(diffusers: ConfigJSON(path: path("unet/config.json"), component: "UNet"))
        config.vae = try VAEConfig(diffusers: ConfigJSON(path: path("vae/config.json"), component: "VAE"))
        config.schedule = try NoiseScheduleConfig(diffusers: ConfigJSON(path: path("scheduler/scheduler_config.json"),
                                                                         component: "scheduler"))
        if let predictionType { config.schedule.predictionType = predictionType }
        // Family rule: an OpenCLIP text encoder (GELU) is SD2.x, OpenAI CLIP (quick GELU) is SD1.x.
        config.family = config.text.activation == .gelu ? .sd2 : .sd1
        config.tokenizer.padTokenID = try padTokenID(tokenizerFolder: path("tokenizer"), family: config.family)

        let text = try weights(folder: path("text_encoder"), base: "model", component: "text encoder")
        let unet = try weights(folder: path("unet"), base: "diffusion_pytorch_model", component: "UNet")
        let vae = try weights(folder: path("vae"), base: "diffusion_pytorch_model", component: "VAE",
                              rename: renamingLegacyVAEAttention)
        return LoadedModel(config: config, text: text, unet: unet, vae: vae)
    }

    /// SD1 pads with <|endoftext|> (49407), SD2 with "!" (0). tokenizer/special_tokens_map.json,
    /// when present and naming one of the two, decides; otherwise the family does.
    static func padTokenID(tokenizerFolder: String, family: ModelFamily) throws -> Int32 {
        let familyDefault: Int32 = family == .sd2 ? 0 : 49407
        let mapPath = tokenizerFolder + "/special_tokens_map.json"
        guard FileManager.default.fileExists(atPath: mapPath) else { return familyDefault }
        let map = try ConfigJSON(path: mapPath, component: "tokenizer")
        let pad = (map.values["pad_token"] as? String) ?? ((map.values["pad_token"] as? [String: Any])?["content"] as? String)
        switch pad {
        case "!": return 0
        case "<|endoftext|>": return 49407
        default: return familyDefault
        }
    }

    /// diffusers before 0.14 named the VAE mid-block attention query/key/value/proj_attn.
    static func renamingLegacyVAEAttention(_ name: String) -> String? {
        let marker = "mid_block.attentions.0."
        guard let range = name.range(of: marker) else { return name }
        let legacy = ["query.": "to_q.", "key.": "to_k.", "value.": "to_v.", "proj_attn.": "to_out.0."]
        let suffix = name[range.upperBound...]
        for (old, new) in legacy where suffix.hasPrefix(old) {
            return name[..<range.upperBound] + new + suffix.dropFirst(old.count)
        }
        return name
    }

    static func weights(folder: String, base: String, component: String,
                        rename: (String) -> String? = { $0 }) throws -> MappedWeightSource {
        let manager = FileManager.default
        for variant in [base, base + ".fp16"] {
            let single = "\(folder)/\(variant).safetensors"
            if manager.fileExists(atPath: single) {
                return MappedWeightSource(file: try SafeTensorsFile(path: single), rename: rename)
            }
            let index = single + ".index.json"
            if manager.fileExists(atPath: index) {
                return try sharded(indexPath: index, folder: folder, rename: rename)
            }
        }
        for pickle in [base + ".bin", base + ".fp16.bin", "pytorch_model.bin", "pytorch_model.fp16.bin"] {
            let candidate = "\(folder)/\(pickle)"
            if manager.fileExists(atPath: candidate) { throw CheckpointError.pickleNotSupported(candidate) }
        }
        throw CheckpointError.missingComponent("\(component) weights (no \(folder)/\(base).safetensors)")
    }

    /// A `*.safetensors.index.json` whose weight_map names the shard holding each tensor.
    private static func sharded(indexPath: String, folder: String,
                                rename: (String) -> String?) throws -> MappedWeightSource {
        let index = try ConfigJSON(path: indexPath, component: "weights index")
        guard let map = index.values["weight_map"] as? [String: Any] else {
            throw CheckpointError.corrupt("\(indexPath): no weight_map object")
        }
        var shards: [String: SafeTensorsFile] = [:]
        var entries: [String: TensorReference] = [:]
        for (name, value) in map {
            guard let shardName = value as? String, !shardName.contains("/") else {
                throw CheckpointError.corrupt("\(indexPath): bad shard name for \(name)")
            }
            let shard = try shards[shardName] ?? SafeTensorsFile(path: "\(folder)/\(shardName)")
            shards[shardName] = shard
            guard shard.info(name) != nil else {
                throw CheckpointError.corrupt("\(indexPath): \(name) is not in \(shardName)")
            }
            if let mapped = rename(name) { entries[mapped] = TensorReference(file: shard, tensorName: name) }
        }
        return MappedWeightSource(entries: entries)
    }
}
