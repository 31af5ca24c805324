import SDCheckpoint
import SDModels
@testable import SDPipeline
import SDSchedulers
import SDTensor
import XCTest

/// Few-step generation without guidance (SD-Turbo: 1 step; LCM: 4 steps): guidance <= 1 runs the UNet
/// once per step on one batch item (counted), and the images equal diffusers' with the same settings and
/// noise (Tests/Fixtures/onestep, made by Tools/reference/taesd_fixtures.py).
final class OneStepTests: XCTestCase {
    let prompt = "a photograph of an astronaut riding a horse"

    func reference() throws -> (SafeTensorsFile, [String: Any]) {
        let file = try SafeTensorsFile(path: Fixtures.root.appendingPathComponent("onestep/reference.safetensors").path)
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("onestep/reference.json"))
        return (file, try JSONSerialization.jsonObject(with: data) as! [String: Any])
    }

    /// The start noise, then one row of step noise per step.
    func noise(_ ref: SafeTensorsFile, _ name: String, steps: Int) throws -> RecordedNoise {
        let rows = try ref.readFloats("\(name).step_noise"), per = rows.count / steps
        return RecordedNoise([try ref.readFloats("\(name).noise")] + (0..<steps).map { Array(rows[($0 * per)..<(($0 + 1) * per)]) })
    }

    /// Runs `request` through the public API; returns the image and the UNet calls / batch items it took.
    func counted(_ pipe: StableDiffusionPipeline, _ request: GenerationRequest, noise: RecordedNoise) throws
        -> (image: Image8, calls: Int, samples: Int) {
        let calls = pipe.unet.callCount, samples = pipe.unet.evaluatedSamples
        let result = try pipe.generate(request, noiseFor: { _ in noise })
        return (result.images[0], pipe.unet.callCount - calls, pipe.unet.evaluatedSamples - samples)
    }

    /// The float image of the same run (no guidance: the prompt alone), compared with diffusers at 1e-4.
    func assertMatches(_ pipe: StableDiffusionPipeline, _ ref: SafeTensorsFile, _ name: String, sampler: SamplerKind,
                       steps: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let context = try pipe.encodeConditioning(prompt: prompt, negative: "", includeNegative: false, clipSkip: 1)
        XCTAssertEqual(context.shape[0], 1, file: file, line: line)
        let settings = DenoiseSettings(steps: steps, guidance: 1, sampler: sampler, karras: false)
        let (latents, image) = try pipe.denoise(DenoiseJob(kind: .fromNoise, width: 16, height: 16), context: context,
                                                settings: settings, noise: try noise(ref, name, steps: steps),
                                                initialNoise: nil, report: { _, _, _, _ in })
        assertClose(latents.array, try ref.readFloats("\(name).latents"), tolerance: 1e-4, "\(name) latents", file: file, line: line)
        assertClose(image.array.map { min(max($0 / 2 + 0.5, 0), 1) }, try ref.readFloats("\(name).image"), tolerance: 1e-4,
                    "\(name) image", file: file, line: line)
    }

    /// The UInt8 image of the public API equals the reference rounded as diffusers' numpy_to_pil does.
    func assertImage(_ image: Image8, _ ref: SafeTensorsFile, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = ImageTensor.image(from: Tensor([1, 3, 16, 16], values: try ref.readFloats("\(name).image").map { $0 * 2 - 1 }))
        XCTAssertEqual(image.pixels.count, expected.pixels.count, file: file, line: line)
        let worst = zip(image.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1, "\(name): 8-bit pixels differ by \(worst)", file: file, line: line)
    }

    /// SD-Turbo-like: SD2 architecture, epsilon, "trailing" spacing (one step at t = 999), Euler
    /// ancestral, guidance 1 and 0; folder and single file.
    func testTurboOneStep() throws {
        let (ref, json) = try reference()
        let turbo = json["turbo"] as! [String: Any]
        XCTAssertEqual(turbo["timesteps"] as? [Double], [999])
        for model in ["sd2-tiny", "sd2-tiny.safetensors"] {
            let pipe = try StableDiffusionPipeline(path: Fixtures.model(model), predictionType: .epsilon,
                                                   options: LoadOptions(timestepSpacing: "trailing"))
            let scheduler = try makeScheduler(kind: .eulerAncestral, config: pipe.config.schedule, steps: 1)
            XCTAssertEqual(scheduler.timesteps, [999])
            XCTAssertEqual(scheduler.initNoiseSigma, Float(turbo["init_noise_sigma"] as! Double), accuracy: 1e-5)
            for guidance: Float in [1, 0] {
                var request = GenerationRequest()
                request.prompt = prompt
                request.negativePrompt = "ignored without guidance"
                request.width = 16; request.height = 16; request.steps = 1; request.guidanceScale = guidance
                request.sampler = "euler_a"
                let run = try counted(pipe, request, noise: try noise(ref, "turbo", steps: 1))
                XCTAssertEqual(run.calls, 1, "\(model) guidance \(guidance): UNet calls")
                XCTAssertEqual(run.samples, 1, "\(model) guidance \(guidance): batch items")
                try assertImage(run.image, ref, "turbo")
            }
            try assertMatches(pipe, ref, "turbo", sampler: .eulerAncestral, steps: 1)
        }
    }

    /// LCM, 4 steps, guidance 1: 4 UNet calls of one item each.
    func testLCMFourSteps() throws {
        let (ref, _) = try reference()
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        var request = GenerationRequest()
        request.prompt = prompt
        request.width = 16; request.height = 16; request.steps = 4; request.guidanceScale = 1; request.sampler = "lcm"
        let run = try counted(pipe, request, noise: try noise(ref, "lcm", steps: 4))
        XCTAssertEqual(run.calls, 4)
        XCTAssertEqual(run.samples, 4)
        try assertImage(run.image, ref, "lcm")
        try assertMatches(pipe, ref, "lcm", sampler: .lcm, steps: 4)
    }

    /// The contrast: guidance above 1 evaluates two items (unconditional and conditional) per call.
    func testGuidanceAboveOneDoublesTheBatch() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        var request = GenerationRequest()
        request.prompt = prompt
        request.width = 16; request.height = 16; request.steps = 2; request.guidanceScale = 1.5
        let run = try counted(pipe, request, noise: RecordedNoise([], then: SeededNoise(seed: 1)))
        XCTAssertEqual(run.calls, 2)
        XCTAssertEqual(run.samples, 4)
    }

    func testUnknownSpacingIsRefused() {
        XCTAssertThrowsError(try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"), options: LoadOptions(timestepSpacing: "sideways"))) {
            XCTAssertTrue("\($0)".contains("timestep spacing must be one of"), "\($0)")
        }
    }
}
