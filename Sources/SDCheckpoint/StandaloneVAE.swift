// A VAE on its own, to replace a checkpoint's (e.g. vae-ft-mse-840000-ema-pruned.safetensors), in any of
// the layouts such files come in, mapped onto diffusers' AutoencoderKL names:
//   - original (ldm) names without a prefix: encoder.down.0.block.0..., decoder.up..., quant_conv, post_quant_conv
//   - the same under "first_stage_model." (a whole checkpoint works too: only its VAE is taken) or "vae."
//   - diffusers AutoencoderKL names (encoder.down_blocks.0.resnets.0...), as a file, or a folder with
//     config.json + diffusion_pytorch_model.safetensors (or a pipeline folder: its vae/ subfolder)
// The architecture is detected from the tensors (or read from config.json) and every tensor it needs is
// validated as a checkpoint's are. `check(fits:)` refuses a VAE whose latent space differs from the model's.

import Foundation

public struct StandaloneVAE: Sendable {
    public enum Layout: String, Sendable { case ldm, diffusers }

    public let path: String
    public let layout: Layout
    public let config: VAEConfig
    public let weights: MappedWeightSource
    /// The scaling factor its config.json gives (diffusers folders); nil when the file says nothing.
    public let configScalingFactor: Float?

    public static func open(path: String) throws -> StandaloneVAE {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw CheckpointError.fileNotFound(path)
        }
        let vae = isFolder.boolValue ? try openFolder(path) : try openFile(path)
        var model = ModelConfig()
        model.vae = vae.config
        try ConfigValidation.check(model, origin: path)
        try Checkpoint.validate(vae.weights, expected: expectedTensors(for: vae.config), component: "VAE", path: path)
        return vae
    }

    /// Throws unless this VAE works on the same latents as a model whose VAE is `model`: same latent
    /// channels, same downscale factor, RGB in and out.
    public func check(fits model: VAEConfig) throws {
        var problems: [String] = []
        if config.latentChannels != model.latentChannels {
            problems.append("\(config.latentChannels) latent channels (the model's VAE has \(model.latentChannels))")
        }
        if config.downscale != model.downscale {
            problems.append("downscale \(config.downscale) (the model's VAE: \(model.downscale))")
        }
        if config.inChannels != 3 || config.outChannels != 3 {
            problems.append("\(config.inChannels) input / \(config.outChannels) output channels (expected 3)")
        }
        if !problems.isEmpty {
            throw CheckpointError.unsupported("VAE \(path) does not fit this model: it has " + problems.joined(separator: ", "))
        }
    }

    private static func openFolder(_ folder: String) throws -> StandaloneVAE {
        let sub = folder + "/vae"
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: sub, isDirectory: &isFolder), isFolder.boolValue {
            return try openFolder(sub)
        }
        let json = try ConfigJSON(path: folder + "/config.json", component: "VAE config")
        if let className = try json.string("_class_name"), className != "AutoencoderKL" {
            throw CheckpointError.unsupported("\(folder)/config.json: a \(className), not an AutoencoderKL VAE")
        }
        let config = try VAEConfig(diffusers: json)
        let weights = try DiffusersFolderLoader.weights(folder: folder, base: "diffusion_pytorch_model", component: "VAE",
                                                        rename: DiffusersFolderLoader.renamingLegacyVAEAttention)
        return StandaloneVAE(path: folder, layout: .diffusers, config: config, weights: weights,
                             configScalingFactor: config.scalingFactor)
    }

    private static func openFile(_ path: String) throws -> StandaloneVAE {
        let file = try SafeTensorsFile(path: path)
        for prefix in [SingleFileLoader.vaePrefix, "vae.", ""] {
            let tensors = PrefixedTensors(file: file, prefix: prefix)
            if tensors.has("encoder.down.0.block.0.conv1.weight") || tensors.has("decoder.up.0.block.0.conv1.weight") {
                let config = try SingleFileVAE.detectConfig(tensors)
                return StandaloneVAE(path: path, layout: .ldm, config: config,
                                     weights: MappedWeightSource(entries: SingleFileVAE.map(tensors, config: config)),
                                     configScalingFactor: nil)
            }
            if tensors.has("encoder.down_blocks.0.resnets.0.conv1.weight") {
                let config = try detectDiffusersConfig(tensors)
                var entries: [String: TensorReference] = [:]
                for name in tensors.storedNames.keys {
                    if let mapped = DiffusersFolderLoader.renamingLegacyVAEAttention(name) { entries[mapped] = tensors.reference(name) }
                }
                return StandaloneVAE(path: path, layout: .diffusers, config: config,
                                     weights: MappedWeightSource(entries: entries), configScalingFactor: nil)
            }
        }
        let examples = file.tensors.keys.sorted().prefix(3).joined(separator: ", ")
        throw CheckpointError.unsupported("\(path) is not a VAE file: no encoder.down.0.block.0.conv1.weight (original layout, "
                                          + "optionally under first_stage_model.) or encoder.down_blocks.0.resnets.0.conv1.weight "
                                          + "(diffusers) tensor (first: \(examples.isEmpty ? "none" : examples))")
    }

    /// A diffusers-layout file without its config.json: the architecture from the tensor shapes.
    private static func detectDiffusersConfig(_ tensors: PrefixedTensors) throws -> VAEConfig {
        var config = VAEConfig()
        config.inChannels = try tensors.dimension("encoder.conv_in.weight", 1, rank: 4)
        let levels = tensors.indices(after: "encoder.down_blocks.")
        guard !levels.isEmpty, levels == Array(0..<levels.count) else {
            throw CheckpointError.corrupt("VAE encoder.down_blocks are not numbered 0...N (found \(levels))")
        }
        config.blockOutChannels = try levels.map { try tensors.dimension("encoder.down_blocks.\($0).resnets.0.conv1.weight", 0) }
        config.layersPerBlock = tensors.indices(after: "encoder.down_blocks.0.resnets.").count
        config.latentChannels = try tensors.dimension("decoder.conv_in.weight", 1, rank: 4)
        config.outChannels = try tensors.dimension("decoder.conv_out.weight", 0, rank: 4)
        return config
    }
}
