// A TAESD (tiny autoencoder, diffusers' AutoencoderTiny) file, in either layout, mapped onto
// diffusers' names "encoder.layers.N.*" / "decoder.layers.N.*":
//   - diffusers: a folder with config.json + diffusion_pytorch_model.safetensors, or that .safetensors
//     file alone (e.g. madebyollin/taesd's diffusion_pytorch_model.safetensors);
//   - original (madebyollin/taesd taesd_encoder.safetensors / taesd_decoder.safetensors): the nn.Sequential
//     indices "N.weight", "N.conv.0.weight", ...; the encoder's indices are diffusers' own, the
//     decoder's are one more (its layer 0 is a parameterless Clamp). Given one of the two files, the
//     other is picked up when it lies next to it under the matching name (…encoder… / …decoder…).
// A folder without a diffusers file may hold the original pair (taesd_encoder / taesd_decoder).

import Foundation

public struct TAESDFile: Sendable {
    public let path: String
    public let weights: MappedWeightSource
    /// config.json's scaling_factor (1.0 for every TAESD; 1.0 when there is no config).
    public let scalingFactor: Float

    public static func open(path: String) throws -> TAESDFile {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw CheckpointError.fileNotFound(path)
        }
        if isFolder.boolValue { return try openFolder(path) }
        return TAESDFile(path: path, weights: try mapFile(path), scalingFactor: 1)
    }

    private static func openFolder(_ folder: String) throws -> TAESDFile {
        var scaling: Float = 1
        let configPath = folder + "/config.json"
        if FileManager.default.fileExists(atPath: configPath) {
            let json = try ConfigJSON(path: configPath, component: "TAESD config")
            let className = try json.string("_class_name") ?? "AutoencoderTiny"
            guard className == "AutoencoderTiny" else {
                throw CheckpointError.unsupported("\(configPath): a \(className), not an AutoencoderTiny (TAESD)")
            }
            for (key, expected) in [("act_fn", "relu"), ("upsample_fn", "nearest")] {
                if let value = try json.string(key), value != expected {
                    throw CheckpointError.unsupported("\(configPath): TAESD with \(key) \"\(value)\" (only \"\(expected)\")")
                }
            }
            guard try json.int("upsampling_scaling_factor", default: 2) == 2 else {
                throw CheckpointError.unsupported("\(configPath): TAESD upsampling_scaling_factor other than 2")
            }
            guard try json.float("shift_factor", default: 0) == 0 else {
                throw CheckpointError.unsupported("\(configPath): TAESD with a latent shift_factor (not an SD1/SD2 TAESD)")
            }
            scaling = try json.float("scaling_factor", default: 1)
            guard scaling.isFinite, scaling > 0 else { throw CheckpointError.corrupt("\(configPath): scaling_factor \(scaling)") }
        }
        for name in ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors",
                     "taesd_decoder.safetensors"] where FileManager.default.fileExists(atPath: folder + "/" + name) {
            return TAESDFile(path: folder, weights: try mapFile(folder + "/" + name), scalingFactor: scaling)
        }
        throw CheckpointError.missingComponent("TAESD weights (no diffusion_pytorch_model.safetensors or taesd_decoder.safetensors in \(folder))")
    }

    private static func mapFile(_ path: String) throws -> MappedWeightSource {
        let file = try SafeTensorsFile(path: path)
        let names = file.tensors.keys
        if names.contains(where: { $0.hasPrefix("decoder.layers.") || $0.hasPrefix("encoder.layers.") }) {
            return MappedWeightSource(file: file) { $0.hasPrefix("decoder.layers.") || $0.hasPrefix("encoder.layers.") ? $0 : nil }
        }
        guard !names.isEmpty, names.allSatisfy({ $0.first?.isNumber == true }) else {
            let examples = names.sorted().prefix(3).joined(separator: ", ")
            throw CheckpointError.unsupported("\(path) is not a TAESD file: expected encoder.layers.* / decoder.layers.* "
                                              + "or taesd_encoder/taesd_decoder tensors (found \(examples))")
        }
        var entries: [String: TensorReference] = [:]
        let isDecoder = try originalIsDecoder(file)
        add(file, decoder: isDecoder, into: &entries)
        // The other half of the pair, when it lies next to this file.
        let name = (path as NSString).lastPathComponent
        let (this, other) = isDecoder ? ("decoder", "encoder") : ("encoder", "decoder")
        if name.contains(this) {
            let sibling = ((path as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent(name.replacingOccurrences(of: this, with: other))
            if FileManager.default.fileExists(atPath: sibling) {
                let partner = try SafeTensorsFile(path: sibling)
                if try originalIsDecoder(partner) != isDecoder { add(partner, decoder: !isDecoder, into: &entries) }
            }
        }
        return MappedWeightSource(entries: entries)
    }

    /// The original decoder starts with the Clamp (no "0.*" tensors) and a conv from the latent channels
    /// at index 1; the encoder starts with a conv from RGB at index 0.
    private static func originalIsDecoder(_ file: SafeTensorsFile) throws -> Bool {
        if file.info("0.weight") != nil { return false }
        if let first = file.info("1.weight"), first.shape.count == 4 { return true }
        throw CheckpointError.unsupported("\(file.path): neither a TAESD encoder (0.weight) nor decoder (1.weight)")
    }

    private static func add(_ file: SafeTensorsFile, decoder: Bool, into entries: inout [String: TensorReference]) {
        for name in file.tensors.keys {
            guard let dot = name.firstIndex(of: "."), let index = Int(name[..<dot]) else { continue }
            let layer = decoder ? index - 1 : index
            let mapped = "\(decoder ? "decoder" : "encoder").layers.\(layer)" + name[dot...]
            entries[mapped] = TensorReference(file: file, tensorName: name)
        }
    }
}
