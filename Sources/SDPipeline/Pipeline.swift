import Foundation
import SDCheckpoint
import SDModels
import SDTensor

/// A loaded model: text encoder, UNet and VAE, immutable after loading, so one instance serves
/// many generations on many threads at once (each generation has its own buffers and scheduler).
public final class StableDiffusionPipeline: @unchecked Sendable {
    public let config: ModelConfig
    public let textEncoder: CLIPTextEncoder
    public let unet: UNet
    public let vae: VAE

    public static let supportedSamplers = ["euler", "euler_a", "ddim", "dpmpp_2m", "lcm"]

    /// Shown in the PNG parameters text (A1111's "Model" and "Model hash"), when known.
    public var modelName: String?
    public var modelHash: String?
    /// The size the model was trained at (see NativeSize).
    public let nativeSize: (width: Int, height: Int)

    /// A separate VAE, TAESD (previews, fast decode), timestep spacing: see LoadOptions.
    public let loadOptions: LoadOptions
    public let tinyAutoencoder: AutoencoderTiny?
    /// LoRAs (LoRAPipeline.swift): merged copies of layers that generations run under.
    let loraState: LoRAState

    public init(checkpoint: Checkpoint, options: LoadOptions = LoadOptions()) throws {
        let extras = try options.apply(to: checkpoint)
        config = extras.config
        loadOptions = options
        tinyAutoencoder = extras.tinyAutoencoder
        nativeSize = NativeSize.of(path: checkpoint.path, config: checkpoint.config)
        let (textConfig, unetConfig) = (config.text, config.unet)
        let (text, textMatrices) = try MatrixRegistry.collect { try CLIPTextEncoder(config: textConfig, weights: checkpoint.text) }
        let (unet, unetMatrices) = try MatrixRegistry.collect { try UNet(config: unetConfig, weights: checkpoint.unet) }
        textEncoder = text
        self.unet = unet
        loraState = LoRAState(targets: LoRATargets(unet: unetMatrices, text: textMatrices))
        let vaeConfig = config.vae
        let (vae, vaeMatrices) = try MatrixRegistry.collect { try VAE(config: vaeConfig, weights: extras.vaeWeights) }
        self.vae = vae
        partMatrices = [.text: Array(textMatrices.values), .unet: Array(unetMatrices.values), .vae: Array(vaeMatrices.values)]
    }

    /// The parts of the model a generation goes through, one after the other.
    enum Part { case text, unet, vae }
    private let partMatrices: [Part: [WeightMatrix]]

    /// Hands back the resident pages of a part's memory-mapped fp16 matrices once a generation is done
    /// with it (WeightMatrix.releasePages), so that the text encoder, the UNet and the VAE are not all
    /// resident at once: a txt2img's peak memory is the UNet's weights plus its work, not the whole
    /// checkpoint plus the VAE's work. A part used again (the next image, another thread) reads its
    /// pages back from the page cache.
    func releaseWeightPages(_ part: Part) {
        for m in partMatrices[part] ?? [] { m.releasePages() }
    }

    public convenience init(path: String, predictionType: PredictionType? = nil, options: LoadOptions = LoadOptions()) throws {
        try self.init(checkpoint: Checkpoint.open(path: path, predictionType: predictionType), options: options)
        modelName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        modelHash = ModelHash.legacy(path: path)
    }

    /// Pixels per latent pixel along an axis (8 for real SD models).
    public var downscale: Int { config.vae.downscale }
}
