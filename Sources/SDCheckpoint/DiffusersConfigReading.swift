// diffusers/transformers config.json files -> the configs in ModelConfigs.swift.
// Anything that would change the network beyond what those configs describe is refused
// rather than ignored, so an unusual UNet cannot load and then silently compute garbage.

extension CLIPTextConfig {
    init(diffusers json: ConfigJSON) throws {
        self.init()
        vocabSize = try json.int("vocab_size", default: vocabSize)
        hiddenSize = try json.int("hidden_size", default: hiddenSize)
        intermediateSize = try json.int("intermediate_size", default: intermediateSize)
        numLayers = try json.int("num_hidden_layers", default: numLayers)
        numHeads = try json.int("num_attention_heads", default: numHeads)
        maxPositions = try json.int("max_position_embeddings", default: maxPositions)
        layerNormEps = try json.float("layer_norm_eps", default: layerNormEps)
        switch try json.string("hidden_act") ?? "quick_gelu" {
        case "quick_gelu": activation = .quickGELU
        case "gelu": activation = .gelu
        case let other: throw CheckpointError.unsupported("\(json.path): text encoder activation \(other)")
        }
    }
}

extension UNetConfig {
    init(diffusers json: ConfigJSON) throws {
        self.init()
        func refuse(_ what: String) -> CheckpointError { .unsupported("\(json.path): \(what)") }
        for key in ["addition_embed_type", "class_embed_type", "num_class_embeds", "encoder_hid_dim",
                    "time_cond_proj_dim", "timestep_post_act", "projection_class_embeddings_input_dim",
                    "time_embedding_dim", "time_embedding_act_fn", "encoder_hid_dim_type", "cross_attention_norm"]
        where json.has(key) {
            throw refuse("\(key) is set (SDXL, upscaler, LCM-guidance or other non-SD1/SD2 UNet)")
        }
        for key in ["dual_cross_attention", "resnet_skip_time_act", "center_input_sample", "class_embeddings_concat"]
        where try json.bool(key, default: false) {
            throw refuse(key)
        }
        for key in ["resnet_out_scale_factor", "mid_block_scale_factor"] where try json.float(key, default: 1) != 1 {
            throw refuse("\(key) other than 1")
        }
        if let perBlock = json.values["only_cross_attention"] as? [Any] {
            if perBlock.contains(where: { ($0 as? Bool) ?? true }) { throw refuse("only_cross_attention") }
        } else if try json.bool("only_cross_attention", default: false) {
            throw refuse("only_cross_attention")
        }
        let expectedStrings = [("resnet_time_scale_shift", "default"), ("mid_block_type", "UNetMidBlock2DCrossAttn"),
                               ("time_embedding_type", "positional"), ("act_fn", "silu"), ("attention_type", "default")]
        for (key, expected) in expectedStrings {
            if let value = try json.string(key), value != expected { throw refuse("\(key) \(value)") }
        }
        for (key, expected) in [("conv_in_kernel", 3), ("conv_out_kernel", 3), ("downsample_padding", 1)]
        where try json.int(key, default: expected) != expected {
            throw refuse("\(key) other than \(expected)")
        }

        inChannels = try json.int("in_channels", default: inChannels)
        outChannels = try json.int("out_channels", default: outChannels)
        blockOutChannels = try json.ints("block_out_channels") ?? blockOutChannels
        let levels = blockOutChannels.count
        layersPerBlock = try Self.uniform(json, "layers_per_block", default: layersPerBlock)
        transformerLayersPerBlock = try Self.uniform(json, "transformer_layers_per_block", default: 1)
        crossAttentionDim = try json.int("cross_attention_dim", default: crossAttentionDim)
        useLinearProjection = try json.bool("use_linear_projection", default: false)
        normNumGroups = try json.int("norm_num_groups", default: normNumGroups)
        normEps = try json.float("norm_eps", default: normEps)
        flipSinToCos = try json.bool("flip_sin_to_cos", default: true)
        freqShift = Float(try json.int("freq_shift", default: 0))

        let downTypes = try json.strings("down_block_types")
            ?? Array(["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"].prefix(levels))
        guard downTypes.count == levels else {
            throw CheckpointError.corrupt("\(json.path): \(downTypes.count) down_block_types for \(levels) block_out_channels")
        }
        downBlockHasAttention = try downTypes.map { type in
            switch type {
            case "CrossAttnDownBlock2D": return true
            case "DownBlock2D": return false
            default: throw refuse("down block type \(type)")
            }
        }
        let mirrored = downBlockHasAttention.reversed().map { $0 ? "CrossAttnUpBlock2D" : "UpBlock2D" }
        if let upTypes = try json.strings("up_block_types"), upTypes != mirrored {
            throw refuse("up_block_types \(upTypes) do not mirror the down blocks (expected \(mirrored))")
        }

        // diffusers: num_attention_heads, else (historic naming) attention_head_dim, is the head COUNT.
        let headKey = json.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim"
        let heads = try json.ints(headKey) ?? [8]
        if heads.count == 1 {
            numHeads = Array(repeating: heads[0], count: levels)
        } else if heads.count == levels {
            numHeads = heads
        } else {
            throw CheckpointError.corrupt("\(json.path): \(heads.count) \(headKey) values for \(levels) blocks")
        }
    }

    /// An integer that diffusers also accepts as a per-block list; only equal entries are supported.
    private static func uniform(_ json: ConfigJSON, _ key: String, default value: Int) throws -> Int {
        guard let list = try json.ints(key) else { return value }
        guard let first = list.first, list.allSatisfy({ $0 == first }) else {
            throw CheckpointError.unsupported("\(json.path): per-block \(key) \(list)")
        }
        return first
    }
}

extension VAEConfig {
    init(diffusers json: ConfigJSON) throws {
        self.init()
        inChannels = try json.int("in_channels", default: inChannels)
        outChannels = try json.int("out_channels", default: outChannels)
        latentChannels = try json.int("latent_channels", default: latentChannels)
        blockOutChannels = try json.ints("block_out_channels") ?? blockOutChannels
        layersPerBlock = try json.int("layers_per_block", default: layersPerBlock)
        normNumGroups = try json.int("norm_num_groups", default: normNumGroups)
        scalingFactor = try json.float("scaling_factor", default: scalingFactor)
        for (key, expected) in [("down_block_types", "DownEncoderBlock2D"), ("up_block_types", "UpDecoderBlock2D")] {
            if let types = try json.strings(key), let other = types.first(where: { $0 != expected }) {
                throw CheckpointError.unsupported("\(json.path): VAE block type \(other)")
            }
        }
        for key in ["use_quant_conv", "use_post_quant_conv"] where !(try json.bool(key, default: true)) {
            throw CheckpointError.unsupported("\(json.path): a VAE without \(key.dropFirst(4))")
        }
        if json.has("shift_factor") || json.has("latents_mean") {
            throw CheckpointError.unsupported("\(json.path): a VAE with latent shift/mean (not an SD1/SD2 VAE)")
        }
    }
}

extension NoiseScheduleConfig {
    /// Keys absent from the file keep the SD defaults of NoiseScheduleConfig.
    init(diffusers json: ConfigJSON) throws {
        self.init()
        numTrainTimesteps = try json.int("num_train_timesteps", default: numTrainTimesteps)
        betaStart = try json.float("beta_start", default: betaStart)
        betaEnd = try json.float("beta_end", default: betaEnd)
        betaSchedule = try json.string("beta_schedule") ?? betaSchedule
        stepsOffset = try json.int("steps_offset", default: stepsOffset)
        timestepSpacing = try json.string("timestep_spacing") ?? timestepSpacing
        if let name = try json.string("prediction_type") {
            guard let type = PredictionType(rawValue: name) else {
                throw CheckpointError.unsupported("\(json.path): prediction_type \(name)")
            }
            predictionType = type
        }
    }
}
