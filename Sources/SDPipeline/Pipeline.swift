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

    public init(checkpoint: Checkpoint) throws {
        config = checkpoint.config
        nativeSize = NativeSize.of(path: checkpoint.path, config: checkpoint.config)
        textEncoder = try CLIPTextEncoder(config: config.text, weights: checkpoint.text)
        unet = try UNet(config: config.unet, weights: checkpoint.unet)
        vae = try VAE(config: config.vae, weights: checkpoint.vae)
    }

    public convenience init(path: String, predictionType: PredictionType? = nil) throws {
        try self.init(checkpoint: Checkpoint.open(path: path, predictionType: predictionType))
        modelName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        modelHash = ModelHash.legacy(path: path)
    }

    /// Pixels per latent pixel along an axis (8 for real SD models).
    public var downscale: Int { config.vae.downscale }
}
