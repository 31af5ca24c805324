// Sanity checks on a ModelConfig (from config.json files or detection) before tensor lists are
// derived from it: a zero, a mismatched list length or a channel count that GroupNorm or the
// attention heads cannot divide is reported here instead of crashing or misbehaving later.

enum ConfigValidation {
    static func check(_ config: ModelConfig, origin: String) throws {
        func bad(_ what: String) -> CheckpointError { .corrupt("\(origin): invalid configuration: \(what)") }
        try checkUpperBounds(config, bad)
        let text = config.text
        guard text.vocabSize > 0, text.hiddenSize > 0, text.intermediateSize > 0, text.numLayers > 0,
              text.maxPositions > 0, text.numHeads > 0 else { throw bad("text encoder sizes must be positive") }
        guard text.hiddenSize % text.numHeads == 0 else {
            throw bad("text hidden size \(text.hiddenSize) is not divisible by \(text.numHeads) heads")
        }

        let unet = config.unet, levels = unet.blockOutChannels.count
        guard levels > 0, unet.blockOutChannels.allSatisfy({ $0 > 0 }) else { throw bad("UNet block_out_channels \(unet.blockOutChannels)") }
        guard unet.downBlockHasAttention.count == levels, unet.numHeads.count == levels else {
            throw bad("UNet lists of \(levels) blocks, \(unet.downBlockHasAttention.count) block types, \(unet.numHeads.count) head counts")
        }
        guard unet.inChannels > 0, unet.outChannels > 0, unet.layersPerBlock > 0, unet.crossAttentionDim > 0,
              unet.transformerLayersPerBlock > 0, unet.normNumGroups > 0 else { throw bad("UNet sizes must be positive") }
        for (channels, heads) in zip(unet.blockOutChannels, unet.numHeads) where heads <= 0 || channels % heads != 0 {
            throw bad("UNet block of \(channels) channels with \(heads) attention heads")
        }
        if let channels = unet.blockOutChannels.first(where: { $0 % unet.normNumGroups != 0 }) {
            throw bad("UNet block of \(channels) channels is not divisible into \(unet.normNumGroups) groups")
        }
        guard unet.inChannels == 4 || unet.inChannels == 9 else {
            throw CheckpointError.unsupported("\(origin): a UNet with \(unet.inChannels) input channels "
                                              + "(4 = text-to-image, 9 = inpainting are supported)")
        }

        let vae = config.vae
        guard !vae.blockOutChannels.isEmpty, vae.blockOutChannels.allSatisfy({ $0 > 0 }), vae.inChannels > 0,
              vae.outChannels > 0, vae.latentChannels > 0, vae.layersPerBlock > 0, vae.normNumGroups > 0 else {
            throw bad("VAE sizes must be positive")
        }
        if let channels = vae.blockOutChannels.first(where: { $0 % vae.normNumGroups != 0 }) {
            throw bad("VAE block of \(channels) channels is not divisible into \(vae.normNumGroups) groups")
        }
        guard unet.outChannels == vae.latentChannels else {
            throw bad("the UNet predicts \(unet.outChannels) channels but the VAE has \(vae.latentChannels) latent channels")
        }
        guard unet.crossAttentionDim == text.hiddenSize else {
            throw bad("the UNet attends to \(unet.crossAttentionDim)-dim context but the text encoder outputs \(text.hiddenSize)")
        }
    }

    /// Upper bounds far above any SD model, so that a hostile config.json cannot make the tensor
    /// lists overflow Int (vocab x hidden, channels x 4, ...), loop for ever (10^12 layers), allocate
    /// a 10^12-entry schedule, or give a VAE with 64+ levels a downscale factor of 0.
    private static func checkUpperBounds(_ config: ModelConfig, _ bad: (String) -> CheckpointError) throws {
        let size = 1 << 16, count = 1 << 10
        let text = config.text, unet = config.unet, vae = config.vae, schedule = config.schedule
        guard text.vocabSize <= 1 << 20, text.hiddenSize <= size, text.intermediateSize <= 1 << 18,
              text.numLayers <= count, text.numHeads <= size, text.maxPositions <= size else {
            throw bad("text encoder sizes beyond the supported limits")
        }
        guard unet.blockOutChannels.count <= 8, unet.blockOutChannels.allSatisfy({ $0 <= size }),
              unet.numHeads.allSatisfy({ $0 <= size }), unet.inChannels <= count, unet.outChannels <= count,
              unet.layersPerBlock <= 64, unet.transformerLayersPerBlock <= 64, unet.crossAttentionDim <= size,
              unet.normNumGroups <= size else {
            throw bad("UNet sizes beyond the supported limits (at most 8 blocks of \(size) channels)")
        }
        guard vae.blockOutChannels.count <= 8, vae.blockOutChannels.allSatisfy({ $0 <= size }),
              vae.inChannels <= count, vae.outChannels <= count, vae.latentChannels <= count,
              vae.layersPerBlock <= 64, vae.normNumGroups <= size else {
            throw bad("VAE sizes beyond the supported limits (at most 8 blocks of \(size) channels)")
        }
        guard (2...100_000).contains(schedule.numTrainTimesteps),
              (0...schedule.numTrainTimesteps).contains(schedule.stepsOffset),
              schedule.betaStart.isFinite, schedule.betaEnd.isFinite, schedule.betaStart >= 0, schedule.betaEnd <= 1 else {
            throw bad("scheduler: num_train_timesteps must be 2...100000, steps_offset within it, betas finite in [0, 1]")
        }
    }
}
