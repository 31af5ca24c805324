// The committed tiny models: each single-file checkpoint must load to the same configuration and
// the same Float values as the diffusers folder it was converted from (Tests/Fixtures/README.md).

import Foundation
import XCTest
import SDCheckpoint

final class CheckpointFixtureTests: XCTestCase {
    private func open(_ name: String, predictionType: PredictionType? = nil) throws -> Checkpoint {
        let path = Fixtures.model(name)
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("fixture \(name) not generated") }
        return try Checkpoint.open(path: path, predictionType: predictionType)
    }

    private func components(_ checkpoint: Checkpoint) -> [(String, any WeightSource, [ExpectedTensor])] {
        [("text", checkpoint.text, expectedTensors(for: checkpoint.config.text)),
         ("unet", checkpoint.unet, expectedTensors(for: checkpoint.config.unet)),
         ("vae", checkpoint.vae, expectedTensors(for: checkpoint.config.vae))]
    }

    /// Both layouts: equal configs but for the layout, and bit-identical values for every weight.
    private func assertSameModel(folder: String, singleFile: String) throws {
        let a = try open(folder), b = try open(singleFile)
        XCTAssertEqual(a.config.layout, .diffusersFolder)
        XCTAssertEqual(b.config.layout, .singleFile)
        var relabelled = b.config
        relabelled.layout = .diffusersFolder
        XCTAssertEqual(a.config, relabelled)

        var compared = 0
        for ((component, sourceA, expected), (_, sourceB, _)) in zip(components(a), components(b)) {
            for tensor in expected {
                let valuesA = try read(sourceA, tensor), valuesB = try read(sourceB, tensor)
                if !bitIdentical(valuesA, valuesB), let i = valuesA.indices.first(where: { valuesA[$0].bitPattern != valuesB[$0].bitPattern }) {
                    XCTFail("\(component) \(tensor.name): element \(i) is \(valuesA[i]) in the folder, \(valuesB[i]) in the file")
                }
                XCTAssertFalse(tensor.elementCount > 1 && !tensor.name.hasSuffix("bias") && valuesA.allSatisfy { $0 == 0 },
                               "\(component) \(tensor.name) is all zeros: the comparison would prove little")
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 300)
    }

    private func read(_ source: any WeightSource, _ tensor: ExpectedTensor) throws -> [Float] {
        var values = [Float](repeating: .nan, count: tensor.elementCount)
        try values.withUnsafeMutableBufferPointer { try source.read(tensor.name, into: $0) }
        return values
    }

    func testSD1FolderAndSingleFileAreTheSameModel() throws {
        try assertSameModel(folder: "sd1-tiny", singleFile: "sd1-tiny.safetensors")
    }

    func testSD2FolderAndSingleFileAreTheSameModel() throws {
        try assertSameModel(folder: "sd2-tiny", singleFile: "sd2-tiny.safetensors")
    }

    func testSD1Configuration() throws {
        let config = try open("sd1-tiny.safetensors").config
        XCTAssertEqual(config.family, .sd1)
        XCTAssertEqual(config.tokenizer.padTokenID, 49407)
        XCTAssertEqual(config.text.vocabSize, 49408)
        XCTAssertEqual(config.text.hiddenSize, 8)
        XCTAssertEqual(config.text.intermediateSize, 37)
        XCTAssertEqual(config.text.numLayers, 2)
        XCTAssertEqual(config.text.numHeads, 1)
        XCTAssertEqual(config.text.maxPositions, 77)
        XCTAssertEqual(config.text.activation, .quickGELU)
        XCTAssertEqual(config.unet.inChannels, 4)
        XCTAssertEqual(config.unet.blockOutChannels, [32, 64])
        XCTAssertEqual(config.unet.layersPerBlock, 2)
        XCTAssertEqual(config.unet.downBlockHasAttention, [true, false])
        XCTAssertEqual(config.unet.crossAttentionDim, 8)
        XCTAssertEqual(config.unet.numHeads, [8, 8])
        XCTAssertFalse(config.unet.useLinearProjection)
        XCTAssertEqual(config.vae.blockOutChannels, [32, 64])
        XCTAssertEqual(config.vae.layersPerBlock, 1)
        XCTAssertEqual(config.vae.latentChannels, 4)
        XCTAssertEqual(config.vae.downscale, 2)
        XCTAssertEqual(config.vae.scalingFactor, 0.18215)
        XCTAssertEqual(config.schedule.predictionType, .epsilon)
        XCTAssertEqual(config.schedule.betaSchedule, "scaled_linear")
        XCTAssertEqual(config.schedule.stepsOffset, 1)
        XCTAssertFalse(config.isInpainting)
    }

    func testSD2Configuration() throws {
        let config = try open("sd2-tiny.safetensors").config
        XCTAssertEqual(config.family, .sd2)
        XCTAssertEqual(config.tokenizer.padTokenID, 0)
        XCTAssertEqual(config.text.activation, .gelu)
        XCTAssertEqual(config.text.numLayers, 2, "the file's third (last) OpenCLIP layer is not run")
        XCTAssertEqual(config.text.numHeads, 1)
        XCTAssertTrue(config.unet.useLinearProjection)
        XCTAssertEqual(config.unet.blockOutChannels, [64, 128])
        XCTAssertEqual(config.unet.numHeads, [1, 2])
        XCTAssertEqual(config.unet.downBlockHasAttention, [true, true])
        XCTAssertEqual(config.schedule.predictionType, .vPrediction)
        // Only the layers that are run are mapped: nothing for the skipped last layer.
        XCTAssertFalse(try open("sd2-tiny.safetensors").text.has("text_model.encoder.layers.2.mlp.fc1.weight"))
    }

    func testInpaintingModelHasNineInputChannels() throws {
        let checkpoint = try open("sd1-inpaint-tiny.safetensors")
        XCTAssertEqual(checkpoint.config.unet.inChannels, 9)
        XCTAssertEqual(checkpoint.config.unet.outChannels, 4)
        XCTAssertTrue(checkpoint.config.isInpainting)
        XCTAssertEqual(checkpoint.unet.shape(of: "conv_in.weight"), [32, 9, 3, 3])
        XCTAssertTrue(checkpoint.summary.isInpainting)
        XCTAssertTrue(checkpoint.summary.description.contains("inpainting:   yes"))
    }

    func testExplicitPredictionTypeWins() throws {
        XCTAssertEqual(try open("sd2-tiny.safetensors", predictionType: .epsilon).config.schedule.predictionType, .epsilon)
        XCTAssertEqual(try open("sd1-tiny", predictionType: .vPrediction).config.schedule.predictionType, .vPrediction)
    }

    /// The expected-name lists are exactly the parameters diffusers/transformers saved in the folders.
    func testExpectedNamesAreExactlyTheDiffusersParameters() throws {
        for model in ["sd1-tiny", "sd2-tiny"] {
            let config = try open(model).config
            let lists = [("text_encoder/model.safetensors", expectedTensors(for: config.text)),
                         ("unet/diffusion_pytorch_model.safetensors", expectedTensors(for: config.unet)),
                         ("vae/diffusion_pytorch_model.safetensors", expectedTensors(for: config.vae))]
            for (file, expected) in lists {
                let stored = try SafeTensorsFile(path: Fixtures.model("\(model)/\(file)"))
                let storedNames = Set(stored.tensorNames).subtracting(["text_model.embeddings.position_ids"])
                XCTAssertEqual(Set(expected.map(\.name)), storedNames, "\(model)/\(file)")
                for tensor in expected {
                    XCTAssertEqual(stored.info(tensor.name)?.elementCount, tensor.elementCount, "\(model) \(tensor.name)")
                }
            }
        }
    }

    func testSummary() throws {
        let summary = try open("sd2-tiny.safetensors").summary
        XCTAssertEqual(summary.family, .sd2)
        XCTAssertEqual(summary.layout, .singleFile)
        XCTAssertEqual(summary.dominantDType, .bf16)
        XCTAssertEqual(summary.predictionType, .vPrediction)
        let config = try open("sd2-tiny").config
        XCTAssertEqual(summary.textParameters, expectedTensors(for: config.text).reduce(0) { $0 + $1.elementCount })
        XCTAssertEqual(summary.unetParameters, expectedTensors(for: config.unet).reduce(0) { $0 + $1.elementCount })
        XCTAssertGreaterThan(summary.vaeParameters, 0)
        for fragment in ["SD2.x", "single-file", "BF16", "v_prediction", "inpainting:   no"] {
            XCTAssertTrue(summary.description.contains(fragment), "\(fragment) in\n\(summary)")
        }
        XCTAssertEqual(try open("sd1-tiny.safetensors").summary.dominantDType, .f16)
    }

    func testReferenceTokenIdsAreReadableAsInt32() throws {
        let path = Fixtures.reference("sd1-tiny.safetensors")
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("reference fixtures not generated") }
        let ids = try SafeTensorsFile(path: path).readInt32("text.ids.0")
        XCTAssertEqual(ids.count, 77)
        XCTAssertEqual(ids.first, 49406)   // <|startoftext|>
    }
}
