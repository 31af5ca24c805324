import SDCheckpoint
import SDModels
import SDTensor
import XCTest

/// Each network against diffusers on the same weights and inputs (fp32 compute, 1e-4).
final class ComponentParityTests: XCTestCase {
    static let models = ["sd1-tiny", "sd1-tiny.safetensors", "sd2-tiny", "sd2-tiny.safetensors", "sd1-inpaint-tiny.safetensors"]

    func referenceName(_ model: String) -> String { model.replacingOccurrences(of: ".safetensors", with: "") }

    func testTextEncoder() throws {
        for model in Self.models {
            let ckpt = try Checkpoint.open(path: Fixtures.model(model))
            let encoder = try CLIPTextEncoder(config: ckpt.config.text, weights: ckpt.text)
            let (ref, json) = try Fixtures.reference(referenceName(model))
            let prompts = json["prompts"] as! [String]
            for i in 0..<prompts.count {
                let ids = try ref.readInt32("text.ids.\(i)")
                let out = try encoder([ids])
                assertClose(out.array, try ref.readFloats("text.hidden.\(i)"), tolerance: 1e-4, "\(model) text \(i)")
            }
        }
    }

    func testUNet() throws {
        for model in Self.models {
            let ckpt = try Checkpoint.open(path: Fixtures.model(model))
            let unet = try UNet(config: ckpt.config.unet, weights: ckpt.unet)
            let (ref, _) = try Fixtures.reference(referenceName(model))
            let sampleShape = try XCTUnwrap(ref.shape(of: "unet.sample"))
            let ctxShape = try XCTUnwrap(ref.shape(of: "unet.context"))
            let sample = Tensor(sampleShape, values: try ref.readFloats("unet.sample"))
            let context = Tensor(ctxShape, values: try ref.readFloats("unet.context"))
            let t = try ref.readFloats("unet.timestep")[0]
            let out = unet(sample, timesteps: [Float](repeating: t, count: sampleShape[0]), context: context)
            assertClose(out.array, try ref.readFloats("unet.out"), tolerance: 1e-4, "\(model) unet")
        }
    }

    func testVAE() throws {
        for model in Self.models {
            let ckpt = try Checkpoint.open(path: Fixtures.model(model))
            let vae = try VAE(config: ckpt.config.vae, weights: ckpt.vae)
            let (ref, _) = try Fixtures.reference(referenceName(model))
            let image = Tensor(try XCTUnwrap(ref.shape(of: "vae.image")), values: try ref.readFloats("vae.image"))
            let (mean, std) = vae.encode(image)
            assertClose(mean.array, try ref.readFloats("vae.mean"), tolerance: 1e-4, "\(model) vae mean")
            if ref.has("vae.std") {
                assertClose(std.array, try ref.readFloats("vae.std"), tolerance: 1e-4, "\(model) vae std")
            }
            let latents = Tensor(try XCTUnwrap(ref.shape(of: "vae.latents")), values: try ref.readFloats("vae.latents"))
            assertClose(vae.decode(latents).array, try ref.readFloats("vae.decoded"), tolerance: 1e-4, "\(model) vae decode")
        }
    }
}
