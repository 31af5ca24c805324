// Layout variants and broken checkpoints, made by rewriting copies of the committed tiny models.

import Foundation
import XCTest
import SDCheckpoint

final class CheckpointLoadingTests: TemporaryFolderTestCase {
    private func fixture(_ name: String) throws -> String {
        let path = Fixtures.model(name)
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("fixture \(name) not generated") }
        return path
    }

    /// A copy of a fixture folder that the test may modify.
    private func copyOfFolder(_ name: String) throws -> String {
        let copy = folder.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: try fixture(name), toPath: copy)
        return copy
    }

    /// A rewritten copy of a single-file fixture.
    private func variantOf(_ name: String, _ transform: (RawTensor) -> RawTensor?) throws -> String {
        let path = folder.appendingPathComponent("variant-" + name).path
        try rewrite(try SafeTensorsFile(path: try fixture(name)), to: path, transform)
        return path
    }

    private func assertSameWeights(_ a: any WeightSource, _ b: any WeightSource, _ expected: [ExpectedTensor],
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        for tensor in expected {
            var x = [Float](repeating: 0, count: tensor.elementCount), y = x
            try x.withUnsafeMutableBufferPointer { try a.read(tensor.name, into: $0) }
            try y.withUnsafeMutableBufferPointer { try b.read(tensor.name, into: $0) }
            XCTAssertTrue(bitIdentical(x, y), tensor.name, file: file, line: line)
        }
    }

    // MARK: diffusers folder variants

    func testLegacyVAEAttentionNamesAreMapped() throws {
        let copy = try copyOfFolder("sd1-tiny")
        let vaePath = copy + "/vae/diffusion_pytorch_model.safetensors"
        let legacy = ["to_q.": "query.", "to_k.": "key.", "to_v.": "value.", "to_out.0.": "proj_attn."]
        var renamed = 0
        try rewrite(try SafeTensorsFile(path: vaePath), to: vaePath) { tensor in
            var tensor = tensor
            for (new, old) in legacy where tensor.name.contains("attentions.0." + new) {
                tensor.name = tensor.name.replacingOccurrences(of: "attentions.0." + new, with: "attentions.0." + old)
                renamed += 1
            }
            return tensor
        }
        XCTAssertEqual(renamed, 16)   // encoder and decoder: 4 projections x (weight, bias)
        let original = try Checkpoint.open(path: try fixture("sd1-tiny")), legacyCopy = try Checkpoint.open(path: copy)
        XCTAssertEqual(original.config, legacyCopy.config)
        try assertSameWeights(original.vae, legacyCopy.vae, expectedTensors(for: original.config.vae))
    }

    func testFP16VariantAndShardedWeights() throws {
        let copy = try copyOfFolder("sd2-tiny")
        let manager = FileManager.default
        try manager.moveItem(atPath: copy + "/text_encoder/model.safetensors", toPath: copy + "/text_encoder/model.fp16.safetensors")
        // Split the UNet into two shards with an index, as large models are published.
        let unetPath = copy + "/unet/diffusion_pytorch_model.safetensors"
        let unet = try SafeTensorsFile(path: unetPath)
        var weightMap: [String: String] = [:]
        for (part, keep) in [("a", { (name: String) in name.hasPrefix("down") }), ("b", { !$0.hasPrefix("down") })] {
            let shard = "diffusion_pytorch_model-0000\(part == "a" ? 1 : 2)-of-00002.safetensors"
            try rewrite(unet, to: copy + "/unet/" + shard) { keep($0.name) ? $0 : nil }
            for name in unet.tensorNames where keep(name) { weightMap[name] = shard }
        }
        try manager.removeItem(atPath: unetPath)
        let index = try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": weightMap])
        try index.write(to: URL(fileURLWithPath: unetPath + ".index.json"))

        let original = try Checkpoint.open(path: try fixture("sd2-tiny")), variant = try Checkpoint.open(path: copy)
        XCTAssertEqual(original.config, variant.config)
        try assertSameWeights(original.unet, variant.unet, expectedTensors(for: original.config.unet))
        try assertSameWeights(original.text, variant.text, expectedTensors(for: original.config.text))
    }

    func testBrokenFolders() throws {
        let copy = try copyOfFolder("sd1-tiny")
        let manager = FileManager.default
        try manager.moveItem(atPath: copy + "/unet/diffusion_pytorch_model.safetensors", toPath: copy + "/unet/diffusion_pytorch_model.bin")
        assertCheckpointError(try Checkpoint.open(path: copy)) { if case .pickleNotSupported = $0 { return true }; return false }
        try manager.removeItem(atPath: copy + "/unet/diffusion_pytorch_model.bin")
        assertCheckpointError(try Checkpoint.open(path: copy)) {
            if case .missingComponent(let what) = $0 { return what.contains("UNet") }; return false
        }
        try manager.removeItem(atPath: copy + "/vae/config.json")
        assertCheckpointError(try Checkpoint.open(path: copy)) {
            if case .missingComponent(let what) = $0 { return what.contains("VAE") }; return false
        }
        let xl = try copyOfFolder("sd2-tiny")
        try Data(#"{"_class_name": "StableDiffusionXLPipeline", "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"]}"#.utf8)
            .write(to: URL(fileURLWithPath: xl + "/model_index.json"))
        assertCheckpointError(try Checkpoint.open(path: xl)) {
            if case .unsupported(let why) = $0 { return why.contains("SDXL") }; return false
        }
    }

    func testUnsupportedUNetConfigIsRefused() throws {
        let copy = try copyOfFolder("sd1-tiny")
        let configPath = copy + "/unet/config.json"
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as! [String: Any]
        config["time_cond_proj_dim"] = 256
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        assertCheckpointError(try Checkpoint.open(path: copy)) {
            if case .unsupported(let why) = $0 { return why.contains("time_cond_proj_dim") }; return false
        }
        config["time_cond_proj_dim"] = nil
        config["up_block_types"] = ["CrossAttnUpBlock2D", "UpBlock2D"]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        assertCheckpointError(try Checkpoint.open(path: copy)) {
            if case .unsupported(let why) = $0 { return why.contains("mirror") }; return false
        }
    }

    // MARK: broken single files

    func testMissingTensorIsNamedInDiffusersTerms() throws {
        let path = try variantOf("sd1-tiny.safetensors") { $0.name == "model.diffusion_model.input_blocks.1.1.proj_out.weight" ? nil : $0 }
        assertCheckpointError(try Checkpoint.open(path: path)) {
            if case .missingTensor(let name) = $0 { return name.hasPrefix("down_blocks.0.attentions.0.proj_out.weight (UNet") }
            return false
        }
    }

    func testWrongSizedTensorIsReported() throws {
        let path = try variantOf("sd1-tiny.safetensors") { tensor in
            guard tensor.name == "first_stage_model.decoder.mid.attn_1.q.bias" else { return tensor }
            return RawTensor(name: tensor.name, dtype: tensor.dtype, shape: [63], bytes: Array(tensor.bytes.prefix(63 * 2)))
        }
        assertCheckpointError(try Checkpoint.open(path: path)) {
            if case .shapeMismatch(let name, [64], [63]) = $0 { return name.hasPrefix("decoder.mid_block.attentions.0.to_q.bias") }
            return false
        }
    }

    func testIntegerWeightIsRefusedAtLoad() throws {
        let path = try variantOf("sd1-tiny.safetensors") { tensor in
            guard tensor.name == "model.diffusion_model.out.2.bias" else { return tensor }
            return RawTensor(name: tensor.name, dtype: "I16", shape: tensor.shape, bytes: tensor.bytes)
        }
        assertCheckpointError(try Checkpoint.open(path: path)) {
            if case .unsupported(let why) = $0 { return why.contains("unsupported dtype I16 for tensor conv_out.bias") }
            return false
        }
    }

    func testMissingComponentsAndForeignFiles() throws {
        let noVAE = try variantOf("sd1-tiny.safetensors") { $0.name.hasPrefix("first_stage_model.") ? nil : $0 }
        assertCheckpointError(try Checkpoint.open(path: noVAE)) {
            if case .missingComponent(let what) = $0 { return what.hasPrefix("VAE") }; return false
        }
        let noText = try variantOf("sd2-tiny.safetensors") { $0.name.hasPrefix("cond_stage_model.") ? nil : $0 }
        assertCheckpointError(try Checkpoint.open(path: noText)) {
            if case .missingComponent(let what) = $0 { return what.hasPrefix("text encoder") }; return false
        }
        let lora = try write(safetensors([.f32("lora_unet_down_blocks_0.alpha", [], [1]), .f32("lora_te_x.alpha", [], [1])]),
                             to: "lora.safetensors")
        assertCheckpointError(try Checkpoint.open(path: lora)) {
            if case .unsupported(let why) = $0 { return why.contains("found 2 tensors, none under model.diffusion_model.") }
            return false
        }
        let sdxl = try write(safetensors([.f32("conditioner.embedders.0.transformer.text_model.x", [1], [0]),
                                          .f32("model.diffusion_model.input_blocks.0.0.bias", [1], [0])]), to: "xl.safetensors")
        assertCheckpointError(try Checkpoint.open(path: sdxl)) {
            if case .unsupported(let why) = $0 { return why.contains("SDXL") }; return false
        }
        assertCheckpointError(try Checkpoint.open(path: folder.appendingPathComponent("nothing.safetensors").path)) {
            if case .fileNotFound = $0 { return true }; return false
        }
    }

    func testOlderCLIPNamesWithoutTextModelPrefix() throws {
        // transformers < 4.x saved CLIPTextTransformer without the "text_model." level.
        let path = try variantOf("sd1-tiny.safetensors") { tensor in
            var tensor = tensor
            tensor.name = tensor.name.replacingOccurrences(of: "cond_stage_model.transformer.text_model.",
                                                           with: "cond_stage_model.transformer.")
            return tensor
        }
        let original = try Checkpoint.open(path: try fixture("sd1-tiny.safetensors")), old = try Checkpoint.open(path: path)
        XCTAssertEqual(original.config, old.config)
        try assertSameWeights(original.text, old.text, expectedTensors(for: original.config.text))
    }
}
