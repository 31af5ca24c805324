import SDCheckpoint
import SDModels

/// What a pipeline loads besides the checkpoint, fixed for the pipeline's life (so one pipeline still
/// serves many generations at once): a separate VAE, a TAESD for previews and fast decodes, and the
/// timestep spacing single files cannot state (SD-Turbo needs "trailing").
public struct LoadOptions: Sendable {
    /// A VAE replacing the checkpoint's: an original-layout .safetensors (with or without the
    /// first_stage_model. prefix), a diffusers AutoencoderKL file, or a folder (see StandaloneVAE).
    public var vaePath: String?
    /// A TAESD (AutoencoderTiny) file or folder: denoising previews are decoded with it instead of the
    /// linear latent-to-RGB map.
    public var taesdPath: String?
    /// Decode the final images with TAESD instead of the VAE (much faster, a little less detail).
    /// Needs `taesdPath`.
    public var fastDecode = false
    /// "leading", "trailing" or "linspace": replaces the checkpoint's timestep spacing (diffusers'
    /// timestep_spacing) for every sampler that uses one. nil: the checkpoint's (folders: their
    /// scheduler_config.json; single files: "leading").
    public var timestepSpacing: String?

    public init(vaePath: String? = nil, taesdPath: String? = nil, fastDecode: Bool = false,
                timestepSpacing: String? = nil) {
        self.vaePath = vaePath
        self.taesdPath = taesdPath
        self.fastDecode = fastDecode
        self.timestepSpacing = timestepSpacing
    }

    public static let timestepSpacings = ["leading", "trailing", "linspace"]
}

/// The checkpoint's config and VAE weights with the options applied, and the TAESD if any.
struct LoadedExtras {
    var config: ModelConfig
    var vaeWeights: any WeightSource
    var tinyAutoencoder: AutoencoderTiny?
}

extension LoadOptions {
    func apply(to checkpoint: Checkpoint) throws -> LoadedExtras {
        var config = checkpoint.config
        var vaeWeights: any WeightSource = checkpoint.vae
        if let vaePath {
            let file = try StandaloneVAE.open(path: vaePath)
            try file.check(fits: config.vae)
            // A diffusers VAE folder states its scaling factor (as diffusers then uses it); files do not.
            let scaling = file.configScalingFactor ?? config.vae.scalingFactor
            config.vae = file.config
            config.vae.scalingFactor = scaling
            vaeWeights = file.weights
        }
        if let timestepSpacing {
            guard Self.timestepSpacings.contains(timestepSpacing) else {
                throw PipelineError.invalidArgument("timestep spacing must be one of \(Self.timestepSpacings.joined(separator: ", ")), "
                                                    + "got \"\(timestepSpacing)\"")
            }
            config.schedule.timestepSpacing = timestepSpacing
        }
        guard !fastDecode || taesdPath != nil else {
            throw PipelineError.invalidArgument("fast decode needs a TAESD file")
        }
        var tiny: AutoencoderTiny? = nil
        if let taesdPath {
            let t = try AutoencoderTiny(path: taesdPath)
            guard t.hasDecoder else {
                throw CheckpointError.unsupported("\(taesdPath) holds only a TAESD encoder; previews and fast decodes need the decoder")
            }
            guard t.latentChannels == config.vae.latentChannels, t.downscale == config.vae.downscale else {
                throw CheckpointError.unsupported("TAESD \(taesdPath) does not fit this model: \(t.latentChannels) latent channels, "
                                                  + "downscale \(t.downscale); the model's VAE has \(config.vae.latentChannels) "
                                                  + "and \(config.vae.downscale)")
            }
            tiny = t
        }
        return LoadedExtras(config: config, vaeWeights: vaeWeights, tinyAutoencoder: tiny)
    }
}
