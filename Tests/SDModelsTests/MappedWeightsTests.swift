import SDCheckpoint
@testable import SDModels
import SDTensor
import XCTest

/// fp16 weights are used in place from the checkpoint's memory map, their pages can be handed back
/// between uses, and the UNet's chunked feed-forward gives diffusers' numbers.
final class MappedWeightsTests: XCTestCase {
    func unetReference() throws -> (sample: Tensor, context: Tensor, t: Float, out: [Float]) {
        let (ref, _) = try Fixtures.reference("sd1-tiny")
        let sample = Tensor(try XCTUnwrap(ref.shape(of: "unet.sample")), values: try ref.readFloats("unet.sample"))
        let context = Tensor(try XCTUnwrap(ref.shape(of: "unet.context")), values: try ref.readFloats("unet.context"))
        return (sample, context, try ref.readFloats("unet.timestep")[0], try ref.readFloats("unet.out"))
    }

    /// sd1-tiny.safetensors stores F16: every UNet matrix reads the map in place; released pages
    /// come back with the same values.
    func testHalfMatricesAreMappedAndSurviveRelease() throws {
        let ckpt = try Checkpoint.open(path: Fixtures.model("sd1-tiny.safetensors"))
        let (unet, matrices) = try MatrixRegistry.collect { try UNet(config: ckpt.config.unet, weights: ckpt.unet) }
        XCTAssertFalse(matrices.isEmpty)
        XCTAssertTrue(matrices.values.allSatisfy { $0.isMapped }, "fp16 matrices in place")
        let r = try unetReference()
        let ts = [Float](repeating: r.t, count: r.sample.shape[0])
        let first = unet(r.sample, timesteps: ts, context: r.context).array
        for m in matrices.values { m.releasePages() }
        let again = unet(r.sample, timesteps: ts, context: r.context).array
        XCTAssertEqual(first, again, "the same values after the pages were released")
        assertClose(again, r.out, tolerance: 1e-4, "sd1-tiny unet after release")
    }

    /// Other storage is copied: the Float32 VAE of the sd1-tiny folder, the bf16 sd2-tiny file.
    func testOtherDTypesAreCopies() throws {
        let folder = try Checkpoint.open(path: Fixtures.model("sd1-tiny"))
        let (_, vae) = try MatrixRegistry.collect { try VAE(config: folder.config.vae, weights: folder.vae) }
        XCTAssertFalse(vae.isEmpty)
        XCTAssertTrue(vae.values.allSatisfy { !$0.isMapped && !$0.isHalf })
        let (_, unet) = try MatrixRegistry.collect { try UNet(config: folder.config.unet, weights: folder.unet) }
        XCTAssertTrue(unet.values.allSatisfy { $0.isMapped }, "the folder's fp16 UNet file is used in place too")
        let bf16 = try Checkpoint.open(path: Fixtures.model("sd2-tiny.safetensors"))
        let (_, sd2) = try MatrixRegistry.collect { try UNet(config: bf16.config.unet, weights: bf16.unet) }
        XCTAssertTrue(sd2.values.allSatisfy { !$0.isMapped })
    }

    /// The feed-forward in chunks of 3 tokens (the fixture has fewer tokens than one default chunk)
    /// still matches diffusers.
    func testFeedForwardInChunks() throws {
        let saved = BasicTransformerBlock.feedForwardRows
        defer { BasicTransformerBlock.feedForwardRows = saved }
        BasicTransformerBlock.feedForwardRows = 3
        let ckpt = try Checkpoint.open(path: Fixtures.model("sd1-tiny.safetensors"))
        let unet = try UNet(config: ckpt.config.unet, weights: ckpt.unet)
        let r = try unetReference()
        let out = unet(r.sample, timesteps: [Float](repeating: r.t, count: r.sample.shape[0]), context: r.context)
        assertClose(out.array, r.out, tolerance: 1e-4, "sd1-tiny unet, feed-forward in chunks of 3")
    }
}
