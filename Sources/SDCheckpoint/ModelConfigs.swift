// Configurations of the three networks and the noise schedule, in diffusers' terms.
// Filled from a diffusers folder's config.json files, or detected from a single-file
// checkpoint's tensor names and shapes (see CheckpointLoader).

public enum ModelFamily: String, Sendable, Equatable {
    case sd1 = "SD1.x"
    case sd2 = "SD2.x"
}

public enum CheckpointLayout: String, Sendable, Equatable {
    case singleFile = "single-file"
    case diffusersFolder = "diffusers-folder"
}

public enum Activation: String, Sendable, Equatable {
    case quickGELU = "quick_gelu"
    case gelu = "gelu"
}

public struct CLIPTextConfig: Sendable, Equatable {
    public var vocabSize = 49408
    public var hiddenSize = 768
    public var intermediateSize = 3072
    /// Number of encoder layers that are RUN. SD2's OpenCLIP text model has 24 layers, of which
    /// the last is skipped ("penultimate layer"), exactly as diffusers' converted model holds 23.
    public var numLayers = 12
    public var numHeads = 12
    public var maxPositions = 77
    public var activation = Activation.quickGELU
    public var layerNormEps: Float = 1e-5
    public init() {}
}

public struct UNetConfig: Sendable, Equatable {
    public var inChannels = 4
    public var outChannels = 4
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var layersPerBlock = 2
    /// true for "CrossAttnDownBlock2D" (and the mirrored up block), false for plain ResNet blocks.
    public var downBlockHasAttention = [true, true, true, false]
    public var crossAttentionDim = 768
    /// Attention heads per down block (up blocks use the reverse; the mid block the last).
    /// diffusers calls this `attention_head_dim` for historic reasons; it is a head COUNT.
    public var numHeads = [8, 8, 8, 8]
    public var useLinearProjection = false
    public var transformerLayersPerBlock = 1
    public var normNumGroups = 32
    public var normEps: Float = 1e-5
    public var flipSinToCos = true
    public var freqShift: Float = 0
    public init() {}
}

public struct VAEConfig: Sendable, Equatable {
    public var inChannels = 3
    public var outChannels = 3
    public var latentChannels = 4
    public var blockOutChannels = [128, 256, 512, 512]
    public var layersPerBlock = 2
    public var normNumGroups = 32
    public var scalingFactor: Float = 0.18215
    public init() {}
    /// Image pixels per latent pixel along one axis.
    public var downscale: Int { 1 << (blockOutChannels.count - 1) }
}

public enum PredictionType: String, Sendable, Equatable {
    case epsilon = "epsilon"
    case vPrediction = "v_prediction"
}

/// The training noise schedule (what scheduler_config.json describes), shared by all samplers.
public struct NoiseScheduleConfig: Sendable, Equatable {
    public var numTrainTimesteps = 1000
    public var betaStart: Float = 0.00085
    public var betaEnd: Float = 0.012
    public var betaSchedule = "scaled_linear"
    public var predictionType = PredictionType.epsilon
    public var stepsOffset = 1
    public var timestepSpacing = "leading"
    public init() {}
}

/// What the tokenizer needs to know about the family: SD1 pads with <|endoftext|>, SD2 with "!" (id 0).
public struct TokenizerConfig: Sendable, Equatable {
    public var padTokenID: Int32 = 49407
    public init() {}
}

public struct ModelConfig: Sendable, Equatable {
    public var family = ModelFamily.sd1
    public var layout = CheckpointLayout.singleFile
    public var text = CLIPTextConfig()
    public var unet = UNetConfig()
    public var vae = VAEConfig()
    public var schedule = NoiseScheduleConfig()
    public var tokenizer = TokenizerConfig()
    public init() {}
    /// Inpainting models take latent (4) + mask (1) + masked-image latent (4) = 9 channels.
    public var isInpainting: Bool { unet.inChannels == 9 }
}
