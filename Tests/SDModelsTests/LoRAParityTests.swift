import Foundation
import SDCheckpoint
import SDModels
@testable import SDPipeline
import SDSchedulers
import SDTensor
import XCTest

/// LoRAs against diffusers (Tests/Fixtures/lora, made by Tools/reference/lora_fixtures.py): one PEFT LoRA
/// on sd1-tiny in the diffusers/PEFT and kohya layouts, loaded by diffusers' load_lora_weights at weight
/// 0.7. Text encoder, UNet and whole runs (euler with guidance; lcm without, as an LCM-LoRA runs) must
/// match within 1e-4; merged weights match diffusers' fuse_lora within 1e-6 and unmerging gives the
/// original weights back exactly.
final class LoRAParityTests: XCTestCase {
    static let folder = Fixtures.root.appendingPathComponent("lora").path
    static func lora(_ layout: String) -> String { "\(folder)/tiny-\(layout).safetensors" }

    func reference() throws -> (tensors: SafeTensorsFile, json: [String: Any]) {
        let file = try SafeTensorsFile(path: "\(Self.folder)/reference.safetensors")
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(Self.folder)/reference.json"))
        return (file, try JSONSerialization.jsonObject(with: data) as! [String: Any])
    }

    func check(model: String, layout: String) throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model(model))
        let (ref, json) = try reference()
        let weight = Float(json["weight"] as! Double)
        var request = GenerationRequest()
        request.loras = [LoRAUse(path: Self.lora(layout), weight: weight)]
        let overlay = try pipe.loraOverlay(for: request)
        XCTAssertEqual(overlay?.count, 121 + 12, "every module of the file changes one layer")
        let runs = json["runs"] as! [String: [String: Any]]
        var report: [String] = []
        func compare(_ got: [Float], _ key: String) throws {
            let d = maxAbsDiff(got, try ref.readFloats(key))
            XCTAssertLessThanOrEqual(d, 1e-4, "\(model) \(key)")
            report.append("\(key) \(d)")
        }
        try WeightOverlay.apply(overlay) {
            let prompt = runs["euler"]!["prompt"] as! String
            try compare(try pipe.textEncoder([pipe.tokenWindows(prompt, weighting: false)[0].ids]).array, "\(layout).text.hidden")
            let sample = Tensor([2, 4, 8, 8], values: try ref.readFloats("unet.sample"))
            let context = Tensor([2, 77, 8], values: try ref.readFloats("unet.context"))
            try compare(pipe.unet(sample, timesteps: [500, 500], context: context).array, "\(layout).unet.out")
            for (name, run) in runs.sorted(by: { $0.key < $1.key }) {
                let key = "\(layout).run.\(name)"
                let steps = run["steps"] as! Int
                let stepNoise = try ref.readFloats("\(key).step_noise")
                let per = stepNoise.count / steps
                let noise = RecordedNoise([try ref.readFloats("\(key).noise")] +
                                          (0..<steps).map { Array(stepNoise[($0 * per)..<(($0 + 1) * per)]) })
                let guidance = Float(run["guidance"] as! Double)
                let context = try pipe.encodeConditioning(prompt: run["prompt"] as! String, negative: run["negative"] as! String,
                                                          includeNegative: guidance > 1, clipSkip: 1)
                let job = DenoiseJob(kind: .fromNoise, width: run["width"] as! Int, height: run["height"] as! Int)
                let settings = DenoiseSettings(steps: steps, guidance: guidance, sampler: SamplerKind(rawValue: name)!, karras: false)
                let (latents, image) = try pipe.denoise(job, context: context, settings: settings, noise: noise,
                                                        initialNoise: nil, report: { _, _, _, _ in })
                try compare(latents.array, "\(key).latents")
                try compare(image.array.map { min(max($0 / 2 + 0.5, 0), 1) }, "\(key).image")
            }
        }
        print("LoRA parity \(model) \(layout) (max abs error): " + report.joined(separator: ", "))
        // Without the LoRA the model is far from the reference: the comparison above has teeth.
        let plain = try WeightOverlay.apply(nil) {
            try pipe.textEncoder([pipe.tokenWindows(runs["euler"]!["prompt"] as! String, weighting: false)[0].ids]).array
        }
        XCTAssertGreaterThan(maxAbsDiff(plain, try ref.readFloats("\(layout).text.hidden")), 1e-2)
    }

    func testPEFTLayoutMatchesDiffusers() throws { try check(model: "sd1-tiny", layout: "peft") }
    func testKohyaLayoutMatchesDiffusers() throws { try check(model: "sd1-tiny", layout: "kohya") }
    /// The single-file model names its layers in the ldm layout; LoRAs still find them by diffusers name.
    func testKohyaLayoutOnSingleFileModel() throws { try check(model: "sd1-tiny.safetensors", layout: "kohya") }

    /// diffusers names of the fixture -> this engine's layer names
    func modelName(_ fused: String) -> String {
        fused.hasPrefix("unet.") ? String(fused.dropFirst(5)) : "text_model." + fused.dropFirst("text_encoder.".count)
    }

    func testMergeMatchesDiffusersFuseAndUnmergeRestoresOriginal() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        let (ref, json) = try reference()
        let names = json["fused"] as! [String]
        func current(_ name: String) throws -> [Float] {
            try WeightOverlay.apply(try pipe.loraOverlay(for: GenerationRequest())) {
                pipe.loraTargets.matrix(named: modelName(name))!.tensor().array
            }
        }
        let original = try names.map(current)
        try pipe.setLoRAs([LoRAUse(path: Self.lora("peft"), weight: Float(json["weight"] as! Double))])
        XCTAssertEqual(pipe.loras.count, 1)
        var worst: Float = 0
        for (i, name) in names.enumerated() {
            let merged = try current(name)
            let d = maxAbsDiff(merged, try ref.readFloats("fused.\(name)"))
            XCTAssertLessThanOrEqual(d, 1e-6, "merged \(name)")
            XCTAssertGreaterThan(maxAbsDiff(merged, original[i]), 1e-2, "the LoRA changes \(name)")
            worst = max(worst, d)
        }
        try pipe.setLoRAs([])
        var restored: Float = 0
        for (i, name) in names.enumerated() {
            let d = maxAbsDiff(try current(name), original[i])
            XCTAssertLessThanOrEqual(d, 1e-6, "unmerged \(name)")
            restored = max(restored, d)
        }
        print("LoRA merge vs diffusers fuse_lora: max abs \(worst); after unmerge vs original: max abs \(restored)")
        XCTAssertEqual(restored, 0, "unmerging gives back the stored weights bit for bit")
    }
}
