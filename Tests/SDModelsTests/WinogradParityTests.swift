import SDCheckpoint
import SDModels
import SDTensor
import XCTest

/// The UNet and VAE against diffusers (the ComponentParityTests fixtures, 1e-4) with Winograd forced on
/// every stride-1 3x3 convolution the rules allow, F(2x2) and F(4x4) in turn: the tiny models' maps are
/// too small for the default size rules to pick Winograd everywhere (F(4x4) not at all).
final class WinogradParityTests: XCTestCase {
    private var saved = (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles)

    override func setUp() { saved = (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) }

    override func tearDown() {
        (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = saved
    }

    func forEachAlgorithm(_ body: (String) throws -> Void) rethrows {
        for (name, algorithms) in [("F(2x2)", "wino2"), ("F(4x4)", "auto")] {
            (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = (algorithms, 1, 1)
            try body(name)
        }
    }

    func testUNet() throws {
        for model in ["sd1-tiny", "sd2-tiny"] {
            let ckpt = try Checkpoint.open(path: Fixtures.model(model))
            let unet = try UNet(config: ckpt.config.unet, weights: ckpt.unet)
            let (ref, _) = try Fixtures.reference(model)
            let sampleShape = try XCTUnwrap(ref.shape(of: "unet.sample"))
            let sample = Tensor(sampleShape, values: try ref.readFloats("unet.sample"))
            let context = Tensor(try XCTUnwrap(ref.shape(of: "unet.context")), values: try ref.readFloats("unet.context"))
            let t = try ref.readFloats("unet.timestep")[0]
            try forEachAlgorithm { name in
                let out = unet(sample, timesteps: [Float](repeating: t, count: sampleShape[0]), context: context)
                assertClose(out.array, try ref.readFloats("unet.out"), tolerance: 1e-4, "\(model) unet \(name)")
            }
        }
    }

    func testVAE() throws {
        for model in ["sd1-tiny", "sd2-tiny"] {
            let ckpt = try Checkpoint.open(path: Fixtures.model(model))
            let vae = try VAE(config: ckpt.config.vae, weights: ckpt.vae)
            let (ref, _) = try Fixtures.reference(model)
            let image = Tensor(try XCTUnwrap(ref.shape(of: "vae.image")), values: try ref.readFloats("vae.image"))
            let latents = Tensor(try XCTUnwrap(ref.shape(of: "vae.latents")), values: try ref.readFloats("vae.latents"))
            try forEachAlgorithm { name in
                assertClose(vae.encode(image).mean.array, try ref.readFloats("vae.mean"), tolerance: 1e-4, "\(model) vae mean \(name)")
                assertClose(vae.decode(latents).array, try ref.readFloats("vae.decoded"), tolerance: 1e-4, "\(model) vae decode \(name)")
            }
        }
    }
}
