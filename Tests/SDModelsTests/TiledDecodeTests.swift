import XCTest
import SDCheckpoint
@testable import SDPipeline
import SDTensor

/// The tiled VAE decode against diffusers' AutoencoderKL.tiled_decode (Tools/reference/tiling_fixtures.py).
final class TiledDecodeTests: XCTestCase {
    func testMatchesDiffusersTiledDecode() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        let (ref, json) = try Fixtures.reference("tiling")
        let latents = try ref.readFloats("latents")
        let input = Tensor([1, 4, 22, 26], values: latents)
        let tile = json["tile_latents"] as! Int
        let tiled = TiledDecode.decode(input, tile: tile, overlap: Float(json["overlap"] as! Double), factor: pipe.downscale,
                                       decode: pipe.vae.decode)
        XCTAssertEqual(tiled.shape, [1, 3, 44, 52])
        assertCloseReported(tiled.array, try ref.readFloats("tiled"), tolerance: 1e-4, "tiled decode")
        // The whole decode differs from the tiled one (the tiles see less context): a real test of the tiling.
        assertCloseReported(pipe.vae.decode(input).array, try ref.readFloats("whole"), tolerance: 1e-4, "whole decode")
        XCTAssertGreaterThan(maxAbsDiff(tiled.array, try ref.readFloats("whole")), 0.01)
    }

    /// Through the pipeline: .off == the plain decode, .on tiles, .auto tiles only above 1.5 tiles a side.
    func testSelection() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        var r = GenerationRequest()
        r.prompt = "a red circle"; r.width = 40; r.height = 24; r.steps = 2; r.seed = 3
        r.vaeTileLatents = 8  // 20 x 12 latents: 2.5 tiles wide
        r.vaeTiling = .off
        let whole = try pipe.generate(r).images
        r.vaeTiling = .on
        let tiled = try pipe.generate(r).images
        XCTAssertNotEqual(whole, tiled)
        r.vaeTiling = .auto
        XCTAssertEqual(try pipe.generate(r).images, tiled, "auto tiles 20 latents with 8-latent tiles")
        r.vaeTileLatents = 16  // 20 <= 1.5 x 16: auto decodes whole
        XCTAssertEqual(try pipe.generate(r).images, whole)
        r.vaeTileLatents = 2
        XCTAssertThrowsError(try pipe.generate(r))
    }
}
