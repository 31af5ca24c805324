import Foundation
@testable import SDCheckpoint
import XCTest

/// Reading LoRA files: the layouts, their module names and alphas, and files that are not plain LoRAs.
final class LoRAFileTests: TemporaryFolderTestCase {
    static func fixture(_ name: String) -> String { Fixtures.root.appendingPathComponent("lora/\(name)").path }

    func testFixtureLayouts() throws {
        for (name, layout, underscored) in [("tiny-peft.safetensors", LoRAFile.Layout.peft, false),
                                            ("tiny-kohya.safetensors", .kohya, true)] {
            let file = try LoRAFile(path: Self.fixture(name))
            XCTAssertEqual(file.layout, layout, name)
            XCTAssertEqual(file.modules.filter { $0.component == .unet }.count, 121, name)
            XCTAssertEqual(file.modules.filter { $0.component == .textEncoder }.count, 12, name)
            XCTAssertTrue(file.modules.allSatisfy { $0.scale == 0.5 && $0.rank == 4 && $0.underscored == underscored }, name)
            // a 3x3 conv LoRA: down is a 3x3 conv to 4 channels, up a 1x1 conv
            let conv = file.modules.first { $0.module.hasSuffix(underscored ? "down_blocks_0_resnets_0_conv1" : "down_blocks.0.resnets.0.conv1") }!
            XCTAssertEqual(conv.downShape, [4, 32, 3, 3], name)
            XCTAssertEqual(conv.upShape, [32, 4, 1, 1], name)
            XCTAssertEqual(conv.inFeatures, 32 * 9)
            XCTAssertEqual(try file.down(conv).count, 4 * 32 * 9)
        }
        let text = try LoRAFile(path: Self.fixture("tiny-kohya.safetensors")).modules.first { $0.component == .textEncoder }!
        XCTAssertEqual(text.module, "text_model_encoder_layers_0_mlp_fc1")
    }

    func pair(_ stem: String, down: String, up: String, rank: Int = 2, out: Int = 4, inputs: Int = 3) -> [RawTensor] {
        [.f32(stem + down, [rank, inputs], [Float](repeating: 0.1, count: rank * inputs)),
         .f32(stem + up, [out, rank], [Float](repeating: 0.2, count: out * rank))]
    }

    func testOlderDiffusersNames() throws {
        let tensors = pair("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora", down: ".down.weight", up: ".up.weight")
            + pair("text_encoder.text_model.encoder.layers.0.self_attn.to_q_lora", down: ".down.weight", up: ".up.weight")
            + pair("text_encoder.text_model.encoder.layers.0.mlp.fc1", down: ".lora_linear_layer.down.weight", up: ".lora_linear_layer.up.weight")
            + [.f32("text_encoder.text_model.encoder.layers.0.mlp.fc1.alpha", [], [1])]
            + pair("unet.mid_block.attentions.0.proj_in", down: ".lora.down.weight", up: ".lora.up.weight")
        let file = try LoRAFile(path: try write(safetensors(tensors), to: "old.safetensors"))
        XCTAssertEqual(file.layout, .diffusersLegacy)
        let byName = Dictionary(uniqueKeysWithValues: file.modules.map { ($0.module, $0) })
        XCTAssertEqual(Set(byName.keys), ["down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0",
                                          "text_model.encoder.layers.0.self_attn.q_proj",
                                          "text_model.encoder.layers.0.mlp.fc1", "mid_block.attentions.0.proj_in"])
        XCTAssertEqual(byName["text_model.encoder.layers.0.mlp.fc1"]?.scale, 0.5)  // alpha 1, rank 2
        XCTAssertEqual(byName["mid_block.attentions.0.proj_in"]?.scale, 1)       // no alpha: alpha = rank
    }

    func testPEFTMetadataAlphas() throws {
        let tensors = pair("unet.a.to_q", down: ".lora_A.weight", up: ".lora_B.weight", rank: 4)
            + pair("unet.a.to_k", down: ".lora_A.weight", up: ".lora_B.weight", rank: 4)
            + pair("text_encoder.encoder.layers.0.mlp.fc1", down: ".lora_A.weight", up: ".lora_B.weight", rank: 4)
        let meta = #"{"unet.r": 4, "unet.lora_alpha": 8, "unet.alpha_pattern": {"to_k": 2}, "text_encoder.lora_alpha": 8, "text_encoder.use_rslora": true}"#
        let file = try LoRAFile(path: try write(safetensors(tensors, metadata: ["lora_adapter_metadata": meta]), to: "m.safetensors"))
        let scales = Dictionary(uniqueKeysWithValues: file.modules.map { ($0.module, $0.scale) })
        XCTAssertEqual(scales["a.to_q"], 2)
        XCTAssertEqual(scales["a.to_k"], 0.5)
        XCTAssertEqual(scales["encoder.layers.0.mlp.fc1"], 4)  // rsLoRA: alpha / sqrt(rank)
        let plain = try LoRAFile(path: try write(safetensors(tensors), to: "plain.safetensors"))
        XCTAssertTrue(plain.modules.allSatisfy { $0.scale == 1 })
    }

    func testFilesThatAreNotPlainLoRAsAreRefused() throws {
        func refused(_ tensors: [RawTensor], _ what: String, _ matches: (CheckpointError) -> Bool) throws {
            let path = try write(safetensors(tensors), to: "\(what).safetensors")
            assertCheckpointError(try LoRAFile(path: path), matches)
        }
        let unsupported: (CheckpointError) -> Bool = { if case .unsupported = $0 { return true }; return false }
        let corrupt: (CheckpointError) -> Bool = { if case .corrupt = $0 { return true }; return false }
        try refused([.f32("lora_unet_x.hada_w1_a", [2, 2], [0, 0, 0, 0])], "loha", unsupported)
        try refused([.f32("lora_unet_x.lora_down.weight", [2, 2], [0, 0, 0, 0]), .f32("lora_unet_x.dora_scale", [1], [1])], "dora", unsupported)
        try refused(pair("lora_te1_text_model_x", down: ".lora_down.weight", up: ".lora_up.weight"), "sdxl", unsupported)
        try refused([.f32("model.diffusion_model.x.weight", [2], [0, 0])], "checkpoint", unsupported)
        try refused([.f32("lora_unet_x.lora_down.weight", [2, 3], [Float](repeating: 0, count: 6))], "half", corrupt)
        try refused([.f32("lora_unet_x.lora_down.weight", [2, 3], [Float](repeating: 0, count: 6)),
                     .f32("lora_unet_x.lora_up.weight", [4, 3], [Float](repeating: 0, count: 12))], "ranks", corrupt)
        try refused([.f32("lora_unet_x.lora_down.weight", [2, 3], [Float](repeating: 0, count: 6)),
                     .f32("lora_unet_x.lora_up.weight", [4, 2, 3, 3], [Float](repeating: 0, count: 72))], "up3x3", corrupt)
        let nan = try write(safetensors(pair("lora_unet_x", down: ".lora_down.weight", up: ".lora_up.weight")
                                        .map { $0.name.hasSuffix("up.weight") ? .f32($0.name, $0.shape, [.nan] + [Float](repeating: 0, count: 7)) : $0 }),
                            to: "nan.safetensors")
        let file = try LoRAFile(path: nan)
        assertCheckpointError(try file.up(file.modules[0]), corrupt)
    }
}
