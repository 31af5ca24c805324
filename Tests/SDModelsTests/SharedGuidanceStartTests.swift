import SDCheckpoint
import SDModels
import SDPipeline
import SDTensor
import XCTest

/// A guided batch (one latent and timestep repeated, a context per prompt) computes the work before the
/// first cross-attention once: the same output as every item all the way, and only for such a batch.
final class SharedGuidanceStartTests: XCTestCase {
    override func tearDown() { UNet.sharesRepeatedInput = true }

    func unet(_ model: String) throws -> UNet {
        let ckpt = try Checkpoint.open(path: Fixtures.model(model))
        return try UNet(config: ckpt.config.unet, weights: ckpt.unet)
    }

    func testSharedStartMatchesTheFullBatch() throws {
        for model in ["sd1-tiny", "sd2-tiny", "sd1-inpaint-tiny.safetensors"] {
            let unet = try unet(model)
            let c = unet.config
            let sample = Ops.repeatBatch(randomTensor([1, c.inChannels, 16, 16], seed: 3), 2)
            let context = randomTensor([2, 77, c.crossAttentionDim], seed: 4)
            UNet.sharesRepeatedInput = false
            let full = unet(sample, timesteps: [601, 601], context: context)
            XCTAssertEqual(unet.sharedStartCount, 0)
            UNet.sharesRepeatedInput = true
            let shared = unet(sample, timesteps: [601, 601], context: context)
            XCTAssertEqual(unet.sharedStartCount, 1, model)
            XCTAssertEqual(shared.shape, full.shape)
            XCTAssertLessThanOrEqual(maxAbsDiff(shared.array, full.array), 1e-5, model)
            // the two items really differ (the contexts part them), so a copied item would fail
            let per = shared.count / 2
            XCTAssertGreaterThan(maxAbsDiff(Array(shared.array[..<per]), Array(shared.array[per...])), 1e-4, model)
        }
    }

    func testOtherBatchesRunInFull() throws {
        let unet = try unet("sd1-tiny")
        let c = unet.config
        let context = randomTensor([2, 77, c.crossAttentionDim], seed: 4)
        let twoLatents = randomTensor([2, c.inChannels, 16, 16], seed: 5)
        _ = unet(twoLatents, timesteps: [601, 601], context: context)
        let oneLatent = Ops.repeatBatch(randomTensor([1, c.inChannels, 16, 16], seed: 3), 2)
        _ = unet(oneLatent, timesteps: [601, 401], context: context)
        _ = unet(Ops.batchItem(oneLatent, 0), timesteps: [601], context: Ops.batchItem(context, 0))
        XCTAssertEqual(unet.sharedStartCount, 0)
    }

    /// A guided generation takes the shared start at every step; one without guidance has nothing to share.
    func testGuidedGenerationSharesEveryStep() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        for (guidance, expected) in [(Float(7.5), 5), (1, 0)] {
            var r = GenerationRequest()
            r.prompt = "a red fox"; r.guidanceScale = guidance
            r.width = 16; r.height = 16; r.steps = 5
            let before = pipe.unet.sharedStartCount
            _ = try pipe.generate(r)
            XCTAssertEqual(pipe.unet.sharedStartCount - before, expected, "guidance \(guidance)")
        }
    }
}
