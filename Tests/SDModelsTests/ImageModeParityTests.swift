import SDCheckpoint
@testable import SDPipeline
import SDSchedulers
import SDTensor
import XCTest

/// img2img and inpainting against diffusers' Img2Img and Inpaint pipelines (4- and 9-channel
/// UNets), from the same recorded noise. Compared before our final composite, which diffusers
/// does not apply: the latents and the decoded image must match within 1e-4.
final class ImageModeParityTests: XCTestCase {
    func image(_ name: String) throws -> Image8 { try PNG.read(path: Fixtures.root.appendingPathComponent("images/\(name)").path) }

    func slices(_ values: [Float], _ n: Int) -> [[Float]] {
        let per = values.count / n
        return (0..<n).map { Array(values[($0 * per)..<(($0 + 1) * per)]) }
    }

    func run(model: String, reference: String, prefix: String, mode: GenerationMode,
             noiseOrder: ([Float], [[Float]]) -> [[Float]]) throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model(model))
        let (ref, json) = try Fixtures.reference(reference)
        let runs = try XCTUnwrap(json[prefix] as? [String: [String: Any]])
        for (name, run) in runs.sorted(by: { $0.key < $1.key }) {
            let key = "\(prefix).\(name)"
            let steps = run["steps"] as! Int
            let stepsRun = run["steps_run"] as? Int ?? steps
            let encodeNoise = try ref.readFloats("\(key).encode_noise")
            let encodeDraws = slices(encodeNoise, encodeNoise.count / (try ref.readFloats("\(key).noise")).count)
            let stepNoise = slices(try ref.readFloats("\(key).step_noise"), stepsRun)
            let noise = RecordedNoise(noiseOrder(try ref.readFloats("\(key).noise"), encodeDraws) + stepNoise)
            var request = GenerationRequest()
            request.mode = mode
            request.steps = steps
            request.sampler = name
            let plan = try EditPlan(request: request, downscale: pipe.downscale, nativeSide: 0)
            let guidance = Float(run["guidance"] as! Double)
            let context = try pipe.encodeConditioning(prompt: run["prompt"] as! String, negative: run["negative"] as! String,
                                                      includeNegative: guidance > 1, clipSkip: 1)
            let settings = DenoiseSettings(steps: steps, guidance: guidance, sampler: SamplerKind(rawValue: name)!, karras: false)
            let (latents, decoded) = try pipe.denoise(plan.job, context: context, settings: settings, noise: noise,
                                                      initialNoise: nil, report: { _, _, _, _ in })
            assertClose(latents.array, try ref.readFloats("\(key).latents"), tolerance: 1e-4, "\(model) \(key) latents")
            assertClose(decoded.array.map { min(max($0 / 2 + 0.5, 0), 1) }, try ref.readFloats("\(key).image"),
                        tolerance: 1e-4, "\(model) \(key) image")
        }
    }

    func testImg2Img() throws {
        let img = try image("input16.png")
        for (model, reference) in [("sd1-tiny", "sd1-tiny"), ("sd2-tiny.safetensors", "sd2-tiny")] {
            // diffusers draws: the VAE posterior sample, then the noise added at the start step
            try run(model: model, reference: reference, prefix: "img2img", mode: .imageToImage(image: img, strength: 0.6)) { noise, enc in
                [enc[0], noise]
            }
        }
    }

    func testInpaintFourChannelModel() throws {
        let mode = GenerationMode.inpaint(image: try image("input16.png"), mask: try image("mask16.png"), strength: 1, options: InpaintOptions())
        // draws: image posterior, starting noise, masked-image posterior
        try run(model: "sd1-tiny.safetensors", reference: "sd1-tiny", prefix: "inpaint", mode: mode) { noise, enc in
            [enc[0], noise, enc[1]]
        }
    }

    func testInpaintNineChannelModel() throws {
        let mode = GenerationMode.inpaint(image: try image("input16.png"), mask: try image("mask16.png"), strength: 1, options: InpaintOptions())
        // draws: starting noise, masked-image posterior (strength 1: the image itself is not encoded)
        try run(model: "sd1-inpaint-tiny.safetensors", reference: "sd1-inpaint-tiny", prefix: "inpaint", mode: mode) { noise, enc in
            [noise, enc[0]]
        }
    }
}
