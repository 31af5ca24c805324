import SDCheckpoint
import SDModels
@testable import SDPipeline
import SDSchedulers
import SDTensor
import XCTest

/// TAESD (AutoencoderTiny) against diffusers on tiny random configs (Tests/Fixtures/taesd, made by
/// Tools/reference/taesd_fixtures.py): the component in both file layouts, and the pipeline's previews
/// and fast final decode.
final class TAESDTests: XCTestCase {
    static let folder = Fixtures.root.appendingPathComponent("taesd").path
    static func path(_ name: String) -> String { folder + "/" + name }

    func reference() throws -> SafeTensorsFile { try SafeTensorsFile(path: Self.path("reference.safetensors")) }

    func testDecoderAndEncoderMatchDiffusers() throws {
        let ref = try reference()
        let tiny = try AutoencoderTiny(path: Self.path("taesd-tiny"))
        XCTAssertEqual(tiny.downscale, 8)
        XCTAssertEqual(tiny.latentChannels, 4)
        XCTAssertEqual(tiny.scalingFactor, 1)
        let decoded = tiny.decode(Tensor([1, 4, 8, 8], values: try ref.readFloats("taesd.latents")))
        XCTAssertEqual(decoded.shape, [1, 3, 64, 64])
        assertClose(decoded.array, try ref.readFloats("taesd.decoded"), tolerance: 1e-5, "TAESD decode")
        let encoded = tiny.encode(Tensor([1, 3, 64, 64], values: try ref.readFloats("taesd.image")))
        XCTAssertEqual(encoded.shape, [1, 4, 8, 8])
        assertClose(encoded.array, try ref.readFloats("taesd.encoded"), tolerance: 1e-5, "TAESD encode")
    }

    /// madebyollin's taesd_decoder / taesd_encoder files (decoder indices shifted by the Clamp) and the
    /// diffusers file without its folder give the same numbers.
    func testEveryLayoutGivesTheSameModel() throws {
        let ref = try reference()
        let latents = Tensor([1, 4, 8, 8], values: try ref.readFloats("taesd.latents"))
        let image = Tensor([1, 3, 64, 64], values: try ref.readFloats("taesd.image"))
        for name in ["taesd-tiny_decoder.safetensors", "taesd-tiny_encoder.safetensors",
                     "taesd-tiny/diffusion_pytorch_model.safetensors"] {
            let tiny = try AutoencoderTiny(path: Self.path(name))
            XCTAssertTrue(tiny.hasDecoder && tiny.hasEncoder, "\(name): the pair is found next to either file")
            assertClose(tiny.decode(latents).array, try ref.readFloats("taesd.decoded"), tolerance: 1e-5, "\(name) decode")
            assertClose(tiny.encode(image).array, try ref.readFloats("taesd.encoded"), tolerance: 1e-5, "\(name) encode")
        }
    }

    func testNonTAESDFilesAreRefusedClearly() throws {
        XCTAssertThrowsError(try AutoencoderTiny(path: Fixtures.model("sd1-tiny.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("not a TAESD file"), "\(error)")
        }
        XCTAssertThrowsError(try AutoencoderTiny(path: Self.path("missing.safetensors"))) { error in
            XCTAssertEqual(error as? CheckpointError, .fileNotFound(Self.path("missing.safetensors")))
        }
    }

    /// sd1-tiny with a 2x TAESD as its final decoder equals diffusers' StableDiffusionPipeline with
    /// vae=AutoencoderTiny (euler, 2 steps, guidance 7.5).
    func testFastDecodeMatchesDiffusersPipeline() throws {
        let ref = try reference()
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"),
                                               options: LoadOptions(taesdPath: Self.path("taesd2x.safetensors"), fastDecode: true))
        let context = try pipe.encodeConditioning(prompt: "a photograph of an astronaut riding a horse",
                                                  negative: "blurry, lowres, watermark", includeNegative: true, clipSkip: 1)
        let settings = DenoiseSettings(steps: 2, guidance: 7.5, sampler: .euler, karras: false)
        let (_, image) = try pipe.denoise(DenoiseJob(kind: .fromNoise, width: 16, height: 16), context: context,
                                          settings: settings, noise: RecordedNoise([try ref.readFloats("fast.noise")]),
                                          initialNoise: nil, report: { _, _, _, _ in })
        let got = image.array.map { min(max($0 / 2 + 0.5, 0), 1) }
        assertClose(got, try ref.readFloats("fast.image"), tolerance: 1e-4, "fast decode image")
    }

    /// With a TAESD, denoising previews are full-size TAESD pictures (the last one, of the final latents,
    /// is then the fast-decoded image itself); without, latent-size linear ones.
    func testPreviewsComeFromTAESD() throws {
        var request = GenerationRequest()
        request.prompt = "a red circle"
        request.width = 16; request.height = 16; request.steps = 3; request.seed = 5; request.previews = true
        func previews(_ options: LoadOptions) throws -> ([Image8], Image8) {
            let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"), options: options)
            var seen: [Image8] = []
            let result = try pipe.generate(request, progress: { event in
                if let p = event.preview { seen.append(p) }
                return true
            })
            return (seen, result.images[0])
        }
        let (linear, _) = try previews(LoadOptions())
        XCTAssertEqual(linear.count, 3)
        XCTAssertTrue(linear.allSatisfy { $0.width == 8 && $0.height == 8 })
        let (tiny, image) = try previews(LoadOptions(taesdPath: Self.path("taesd2x.safetensors"), fastDecode: true))
        XCTAssertEqual(tiny.count, 3)
        XCTAssertTrue(tiny.allSatisfy { $0.width == 16 && $0.height == 16 })
        XCTAssertEqual(tiny.last, image)
        // previews only: the final image still comes from the VAE
        let (_, vaeImage) = try previews(LoadOptions(taesdPath: Self.path("taesd2x.safetensors")))
        let (_, plain) = try previews(LoadOptions())
        XCTAssertEqual(vaeImage, plain)
    }

    func testMisfitsAreRefused() throws {
        // an 8x TAESD for a model whose VAE is 2x
        XCTAssertThrowsError(try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"),
                                                         options: LoadOptions(taesdPath: Self.path("taesd-tiny")))) { error in
            XCTAssertTrue("\(error)".contains("does not fit this model"), "\(error)")
        }
        XCTAssertThrowsError(try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"), options: LoadOptions(fastDecode: true))) { error in
            XCTAssertTrue("\(error)".contains("needs a TAESD"), "\(error)")
        }
    }
}
