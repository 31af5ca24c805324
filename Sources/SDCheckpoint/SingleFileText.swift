// The text encoder of an original single-file checkpoint.
//   SD1: OpenAI CLIP in transformers naming under "cond_stage_model.transformer.[text_model.]";
//        names map one to one (diffusers' convert_ldm_clip_checkpoint).
//   SD2: OpenCLIP under "cond_stage_model.model."; renamed as diffusers' convert_open_clip_checkpoint
//        does, the fused attention in_proj split into q/k/v by rows (no copy: row ranges), and the
//        last resblock dropped because SD2 conditions on the penultimate layer.

enum SingleFileText {
    static let clipPrefix = "cond_stage_model.transformer."
    static let openCLIPPrefix = "cond_stage_model.model."

    // MARK: SD1 (OpenAI CLIP)

    /// The tensors under the CLIP prefix, with "text_model." also stripped when present
    /// (older transformers versions saved CLIPTextTransformer without it).
    static func clipTensors(_ file: SafeTensorsFile) -> PrefixedTensors {
        let modern = PrefixedTensors(file: file, prefix: clipPrefix + "text_model.")
        return modern.isEmpty ? PrefixedTensors(file: file, prefix: clipPrefix) : modern
    }

    static func detectCLIP(_ tensors: PrefixedTensors) throws -> CLIPTextConfig {
        var config = CLIPTextConfig()
        config.vocabSize = try tensors.dimension("embeddings.token_embedding.weight", 0, rank: 2)
        config.hiddenSize = try tensors.dimension("embeddings.token_embedding.weight", 1, rank: 2)
        config.maxPositions = try tensors.dimension("embeddings.position_embedding.weight", 0, rank: 2)
        config.numLayers = try layerCount(tensors, "encoder.layers.")
        config.intermediateSize = try tensors.dimension("encoder.layers.0.mlp.fc1.weight", 0, rank: 2)
        config.numHeads = max(1, config.hiddenSize / 64)
        config.activation = .quickGELU
        return config
    }

    static func mapCLIP(_ tensors: PrefixedTensors) -> [String: TensorReference] {
        var entries: [String: TensorReference] = [:]
        for name in tensors.storedNames.keys where name != "embeddings.position_ids" {
            entries["text_model." + name] = tensors.reference(name)
        }
        return entries
    }

    // MARK: SD2 (OpenCLIP)

    static func detectOpenCLIP(_ tensors: PrefixedTensors) throws -> CLIPTextConfig {
        var config = CLIPTextConfig()
        config.vocabSize = try tensors.dimension("token_embedding.weight", 0, rank: 2)
        config.hiddenSize = try tensors.dimension("token_embedding.weight", 1, rank: 2)
        config.maxPositions = try tensors.dimension("positional_embedding", 0, rank: 2)
        let storedLayers = try layerCount(tensors, "transformer.resblocks.")
        guard storedLayers >= 2 else {
            throw CheckpointError.unsupported("an OpenCLIP text encoder with \(storedLayers) layer(s); SD2 runs all but the last")
        }
        config.numLayers = storedLayers - 1
        config.intermediateSize = try tensors.dimension("transformer.resblocks.0.mlp.c_fc.weight", 0, rank: 2)
        config.numHeads = max(1, config.hiddenSize / 64)
        config.activation = .gelu
        return config
    }

    static func mapOpenCLIP(_ tensors: PrefixedTensors, config: CLIPTextConfig) throws -> [String: TensorReference] {
        var entries: [String: TensorReference] = [:]
        func map(_ stored: String, to name: String, rows: Range<Int>? = nil) {
            if let reference = tensors.reference(stored, rows: rows) { entries[name] = reference }
        }
        map("token_embedding.weight", to: "text_model.embeddings.token_embedding.weight")
        map("positional_embedding", to: "text_model.embeddings.position_embedding.weight")
        map("ln_final.weight", to: "text_model.final_layer_norm.weight")
        map("ln_final.bias", to: "text_model.final_layer_norm.bias")
        let h = config.hiddenSize
        let renames = [("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"), ("attn.out_proj", "self_attn.out_proj"),
                       ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")]
        for layer in 0..<config.numLayers {
            let stored = "transformer.resblocks.\(layer).", name = "text_model.encoder.layers.\(layer)."
            for (old, new) in renames {
                map(stored + old + ".weight", to: name + new + ".weight")
                map(stored + old + ".bias", to: name + new + ".bias")
            }
            for (suffix, kind) in [("in_proj_weight", "weight"), ("in_proj_bias", "bias")] {
                let fused = stored + "attn." + suffix
                guard let shape = tensors.shape(fused) else { continue }   // reported by validation
                guard shape.first == 3 * h else {
                    throw CheckpointError.shapeMismatch(name: tensors.prefix + fused,
                                                        expected: kind == "weight" ? [3 * h, h] : [3 * h], found: shape)
                }
                for (index, projection) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                    map(fused, to: name + "self_attn.\(projection).\(kind)", rows: index * h..<(index + 1) * h)
                }
            }
        }
        return entries
    }

    /// Number of layers "<start>0." ... "<start>(n-1).", which must be numbered without gaps.
    private static func layerCount(_ tensors: PrefixedTensors, _ start: String) throws -> Int {
        let layers = tensors.indices(after: start)
        guard !layers.isEmpty, layers == Array(0..<layers.count) else {
            throw CheckpointError.corrupt("text encoder layers \(tensors.prefix + start)N are not numbered 0...N (found \(layers))")
        }
        return layers.count
    }
}
