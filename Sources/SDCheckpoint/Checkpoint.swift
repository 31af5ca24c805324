// Opening a Stable Diffusion 1.x/2.x checkpoint in either layout, validated up front: after
// `open` returns, every weight the models will ask for exists, is a float tensor and has the
// right number of elements.

import Foundation

public final class Checkpoint: Sendable {
    public let path: String
    public let config: ModelConfig
    public let text: any WeightSource
    public let unet: any WeightSource
    public let vae: any WeightSource
    public let summary: CheckpointSummary

    /// `path`: a diffusers pipeline folder, or a single-file .safetensors checkpoint.
    /// `predictionType`, when given, overrides what the checkpoint says or implies.
    public static func open(path: String, predictionType: PredictionType? = nil) throws -> Checkpoint {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw CheckpointError.fileNotFound(path)
        }
        let model = isFolder.boolValue
            ? try DiffusersFolderLoader.load(folder: path, predictionType: predictionType)
            : try SingleFileLoader.load(path: path, predictionType: predictionType)
        try ConfigValidation.check(model.config, origin: path)
        let components = [("text encoder", model.text, expectedTensors(for: model.config.text)),
                          ("UNet", model.unet, expectedTensors(for: model.config.unet)),
                          ("VAE", model.vae, expectedTensors(for: model.config.vae))]
        for (component, source, expected) in components {
            try validate(source, expected: expected, component: component, path: path)
        }
        let summary = CheckpointSummary(path: path, config: model.config,
                                        components: components.map { ($0.1, $0.2) })
        return Checkpoint(path: path, config: model.config, text: model.text, unet: model.unet,
                          vae: model.vae, summary: summary)
    }

    private init(path: String, config: ModelConfig, text: any WeightSource, unet: any WeightSource,
                 vae: any WeightSource, summary: CheckpointSummary) {
        self.path = path
        self.config = config
        self.text = text
        self.unet = unet
        self.vae = vae
        self.summary = summary
    }

    /// Throws for the first expected tensor that is absent, not F32/F16/BF16, or of the wrong size.
    static func validate(_ source: MappedWeightSource, expected: [ExpectedTensor], component: String, path: String) throws {
        for tensor in expected {
            let label = "\(tensor.name) (\(component) of \(path))"
            guard let shape = source.shape(of: tensor.name), let dtype = source.dtype(of: tensor.name) else {
                throw CheckpointError.missingTensor(label)
            }
            guard dtype.isWeightType else {
                throw CheckpointError.unsupported("unsupported dtype \(dtype.rawValue) for tensor \(label)")
            }
            // Same dimensions once size-1 axes are dropped (ldm files store some linear weights as
            // 1x1 convolutions): a transposed tensor with the right element count is refused too.
            guard shape.reduce(1, *) == tensor.elementCount, shape.filter({ $0 != 1 }) == tensor.shape.filter({ $0 != 1 }) else {
                throw CheckpointError.shapeMismatch(name: label, expected: tensor.shape, found: shape)
            }
        }
    }
}
