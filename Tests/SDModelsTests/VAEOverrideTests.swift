import SDCheckpoint
import SDModels
@testable import SDPipeline
import SDSchedulers
import SDTensor
import XCTest

/// A separate VAE file replacing the checkpoint's (Tests/Fixtures/vae, made by
/// Tools/reference/taesd_fixtures.py), in every layout standalone VAEs come in.
final class VAEOverrideTests: XCTestCase {
    static let ldmFile = Fixtures.root.appendingPathComponent("vae/vae-tiny-ldm.safetensors").path

    func reference() throws -> SafeTensorsFile {
        try SafeTensorsFile(path: Fixtures.root.appendingPathComponent("vae/reference.safetensors").path)
    }

    /// An original-layout file without prefix (as vae-ft-mse-840000-ema-pruned.safetensors): its decode,
    /// and a whole txt2img run with it, equal diffusers with that VAE.
    func testLdmFileMatchesDiffusers() throws {
        let ref = try reference()
        let vae = try StandaloneVAE.open(path: Self.ldmFile)
        XCTAssertEqual(vae.layout, .ldm)
        XCTAssertNil(vae.configScalingFactor)
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"), options: LoadOptions(vaePath: Self.ldmFile))
        XCTAssertEqual(pipe.config.vae.scalingFactor, 0.18215)
        let decoded = pipe.vae.decode(Tensor([1, 4, 8, 8], values: try ref.readFloats("vae.latents")))
        assertClose(decoded.array, try ref.readFloats("vae.decoded"), tolerance: 1e-4, "override VAE decode")

        let context = try pipe.encodeConditioning(prompt: "a photograph of an astronaut riding a horse",
                                                  negative: "blurry, lowres, watermark", includeNegative: true, clipSkip: 1)
        let settings = DenoiseSettings(steps: 2, guidance: 7.5, sampler: .euler, karras: false)
        let (latents, image) = try pipe.denoise(DenoiseJob(kind: .fromNoise, width: 16, height: 16), context: context,
                                                settings: settings, noise: RecordedNoise([try ref.readFloats("run.noise")]),
                                                initialNoise: nil, report: { _, _, _, _ in })
        assertClose(latents.array, try ref.readFloats("run.latents"), tolerance: 1e-4, "run latents")
        assertClose(image.array.map { min(max($0 / 2 + 0.5, 0), 1) }, try ref.readFloats("run.image"), tolerance: 1e-4, "run image")
        // and it is a different VAE from the checkpoint's
        let own = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        XCTAssertGreaterThan(maxAbsDiff(own.vae.decode(Tensor([1, 4, 8, 8], values: try ref.readFloats("vae.latents"))).array,
                                        decoded.array), 0.01)
    }

    /// sd2-tiny given sd1-tiny's VAE (same architecture, other weights) in the other layouts: a diffusers
    /// vae/ folder, its bare file, a pipeline folder, and a whole ldm checkpoint (first_stage_model.*).
    /// Each decodes as sd1-tiny's own VAE does in diffusers.
    func testEveryLayoutGivesTheSameVAE() throws {
        let (ref, _) = try Fixtures.reference("sd1-tiny")
        let latents = try ref.readFloats("vae.latents"), expected = try ref.readFloats("vae.decoded")
        let layouts: [(String, StandaloneVAE.Layout)] = [
            (Fixtures.model("sd1-tiny/vae"), .diffusers),
            (Fixtures.model("sd1-tiny/vae/diffusion_pytorch_model.safetensors"), .diffusers),
            (Fixtures.model("sd1-tiny"), .diffusers),
            (Fixtures.model("sd1-tiny.safetensors"), .ldm),
        ]
        for (path, layout) in layouts {
            XCTAssertEqual(try StandaloneVAE.open(path: path).layout, layout, path)
            let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd2-tiny"), options: LoadOptions(vaePath: path))
            let decoded = pipe.vae.decode(Tensor([1, 4, 8, 8], values: latents))
            assertClose(decoded.array, expected, tolerance: 1e-4, path)
        }
    }

    func testMisfitsAreRefusedClearly() throws {
        let vae = try StandaloneVAE.open(path: Self.ldmFile)
        var other = vae.config
        other.latentChannels = 16
        XCTAssertThrowsError(try vae.check(fits: other)) { error in
            XCTAssertTrue("\(error)".contains("does not fit this model") && "\(error)".contains("4 latent channels"), "\(error)")
        }
        other = vae.config
        other.blockOutChannels = [128, 256, 512, 512]
        XCTAssertThrowsError(try vae.check(fits: other)) { error in
            XCTAssertTrue("\(error)".contains("downscale 2"), "\(error)")
        }
        let taesd = Fixtures.root.appendingPathComponent("taesd/taesd2x.safetensors").path
        XCTAssertThrowsError(try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"), options: LoadOptions(vaePath: taesd))) { error in
            XCTAssertTrue("\(error)".contains("is not a VAE file"), "\(error)")
        }
        XCTAssertThrowsError(try StandaloneVAE.open(path: "/nonexistent/vae.safetensors")) { error in
            XCTAssertEqual(error as? CheckpointError, .fileNotFound("/nonexistent/vae.safetensors"))
        }
    }
}
