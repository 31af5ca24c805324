import SDCheckpoint
@testable import SDPipeline
import SDSchedulers
import SDTensor
import XCTest

/// Whole txt2img runs against diffusers' StableDiffusionPipeline: same weights, same starting
/// noise, same per-step noise (ancestral samplers), every sampler; fp32 compute, 1e-4.
final class PipelineParityTests: XCTestCase {
    func sampler(_ name: String) -> (String, Bool) {
        name.hasSuffix("_karras") ? (String(name.dropLast("_karras".count)), true) : (name, false)
    }

    func runAll(model: String, reference: String) throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model(model))
        let (ref, json) = try Fixtures.reference(reference)
        let runs = json["runs"] as! [String: [String: Any]]
        XCTAssertGreaterThanOrEqual(runs.count, 5)
        for (name, run) in runs.sorted(by: { $0.key < $1.key }) {
            let (kind, karras) = sampler(name)
            let steps = run["steps"] as! Int
            let stepNoise = try ref.readFloats("run.\(name).step_noise")
            let per = stepNoise.count / steps
            let noise = RecordedNoise([try ref.readFloats("run.\(name).noise")] +
                                      (0..<steps).map { Array(stepNoise[($0 * per)..<(($0 + 1) * per)]) })
            let guidance = Float(run["guidance"] as! Double)
            let context = try pipe.encodeConditioning(prompt: run["prompt"] as! String, negative: run["negative"] as! String,
                                                      includeNegative: guidance > 1, clipSkip: 1)
            let job = DenoiseJob(kind: .fromNoise, width: run["width"] as! Int, height: run["height"] as! Int)
            let settings = DenoiseSettings(steps: steps, guidance: guidance, sampler: SamplerKind(rawValue: kind)!, karras: karras)
            let (latents, image) = try pipe.denoise(job, context: context, settings: settings, noise: noise,
                                                    initialNoise: nil, report: { _, _, _, _ in })
            assertClose(latents.array, try ref.readFloats("run.\(name).latents"), tolerance: 1e-4, "\(model) \(name) latents")
            let expected = try ref.readFloats("run.\(name).image")
            let got = image.array.map { min(max($0 / 2 + 0.5, 0), 1) }
            assertClose(got, expected, tolerance: 1e-4, "\(model) \(name) image")
        }
    }

    func testSD1Folder() throws { try runAll(model: "sd1-tiny", reference: "sd1-tiny") }
    func testSD1SingleFile() throws { try runAll(model: "sd1-tiny.safetensors", reference: "sd1-tiny") }
    func testSD2Folder() throws { try runAll(model: "sd2-tiny", reference: "sd2-tiny") }
    func testSD2SingleFile() throws { try runAll(model: "sd2-tiny.safetensors", reference: "sd2-tiny") }

    /// The same weights in both layouts give the same images through the public API, to one level in 255:
    /// the folders hold fp16, the single files bf16 (the same values), and on small maps the fp16 weights
    /// are multiplied as stored (HalfProduct) while bf16 ones are widened first, so sums differ in order.
    func testLayoutsGiveIdenticalImages() throws {
        for (folder, file) in [("sd1-tiny", "sd1-tiny.safetensors"), ("sd2-tiny", "sd2-tiny.safetensors")] {
            var request = GenerationRequest()
            request.prompt = "a red circle"
            request.width = 16; request.height = 16; request.steps = 3; request.seed = 7
            let a = try StableDiffusionPipeline(path: Fixtures.model(folder)).generate(request)
            let b = try StableDiffusionPipeline(path: Fixtures.model(file)).generate(request)
            XCTAssertEqual(a.images.count, b.images.count)
            for (x, y) in zip(a.images, b.images) {
                XCTAssertEqual(x.pixels.count, y.pixels.count)
                let worst = zip(x.pixels, y.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1, "\(folder) vs \(file)")
            }
        }
    }
}

final class SHA256Tests: XCTestCase {
    func testKnownAnswers() {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array(String(repeating: "a", count: 1000).utf8)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}

final class ResampleTests: XCTestCase {
    func testConstantStaysConstantAndAreaAverages() {
        let flat = Image8(width: 7, height: 5, channels: 3, fill: 77)
        XCTAssertEqual(flat.resized(width: 19, height: 11).pixels, [UInt8](repeating: 77, count: 19 * 11 * 3))
        XCTAssertEqual(flat.resized(width: 3, height: 2).pixels, [UInt8](repeating: 77, count: 3 * 2 * 3))
        // a 2x2 checkerboard of 0/200 halves to its mean
        let board = Image8(width: 4, height: 4, channels: 1, pixels: (0..<16).map { (($0 % 4) + ($0 / 4)) % 2 == 0 ? 0 : 200 })
        XCTAssertEqual(board.resized(width: 2, height: 2).pixels, [100, 100, 100, 100])
        // enlarging keeps the corners and interpolates between
        let ramp = SoftMask(width: 2, height: 1, values: [0, 1]).resized(width: 4, height: 1)
        XCTAssertEqual(ramp.values, [0, 0.25, 0.75, 1])
    }
}

/// AUTOMATIC1111's emphasis on the text embeddings: weighted tokens scaled, window mean restored.
final class EmphasisTests: XCTestCase {
    func testWeightedTokenIsScaledAndMeanRestored() throws {
        let pipe = EditModesTests.pipe
        let weighted = try pipe.encodeConditioning(prompt: "a (red:1.5) circle", negative: "", includeNegative: false, clipSkip: 1)
        let plain = try pipe.encodeConditioning(prompt: "a red circle", negative: "", includeNegative: false, clipSkip: 1)
        let h = plain.shape[2]
        var z = plain.array
        let before = z.reduce(0.0) { $0 + Double($1) }
        for j in 0..<h { z[2 * h + j] *= 1.5 }
        let after = z.reduce(0.0) { $0 + Double($1) }
        z = z.map { $0 * Float(before / after) }
        assertClose(weighted.array, z, tolerance: 1e-5, "emphasis")
        XCTAssertGreaterThan(maxAbsDiff(weighted.array, plain.array), 1e-3)
        // without weighting the brackets are text, so the encoding differs from both
        let literal = try pipe.encodeConditioning(prompt: "a (red:1.5) circle", negative: "", includeNegative: false,
                                                  clipSkip: 1, weighting: false)
        XCTAssertGreaterThan(maxAbsDiff(literal.array, plain.array), 1e-3)
    }
}

/// The seed -> noise mapping equals PyTorch's CPU generator (Tests/Fixtures/torch_randn.json,
/// written from torch.randn; first 16 and last 4 values of each tensor).
final class TorchGeneratorTests: XCTestCase {
    func testMatchesTorchRandn() throws {
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("torch_randn.json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let cases = json["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 8)
        for c in cases {
            let seed = (c["seed"] as! NSNumber).uint64Value
            let count = (c["shape"] as! [Int]).reduce(1, *)
            let values = TorchCPUGenerator(seed: seed).randn(count)
            let first = (c["first16"] as! [Double]).map(Float.init), last = (c["last4"] as! [Double]).map(Float.init)
            assertClose(Array(values.prefix(16)), first, tolerance: 2e-6, "seed \(seed) \(count) first")
            assertClose(Array(values.suffix(4)), last, tolerance: 2e-6, "seed \(seed) \(count) last")
        }
    }
}
