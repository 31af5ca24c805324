import XCTest
@testable import SDPipeline

/// Prompt following of the embedded default model (issue #6): 48 prompts spread over all 180
/// attribute combinations (37 is prime to 180, so no combination repeats), one seed each, as the model card recommends (Euler, 20 steps,
/// guidance 6, 64x64), scored by the checker.
final class DefaultModelPromptTests: XCTestCase {
    func testPromptFollowing() throws {
        let pipe = try StableDiffusionPipeline(path: DefaultModel.path)
        let n = 48
        var hits = ["shape": 0, "colour": 0, "position": 0, "background": 0, "all": 0]
        for i in 0..<n {
            let want = DefaultModel.combinations[(i * 37) % DefaultModel.combinations.count]
            let r = DefaultModel.request(DefaultModel.caption(want), seed: UInt64(i))
            let got = ShapeChecker.check(try pipe.generate(r).images[0])
            if got.shape == want.shape { hits["shape"]! += 1 }
            if got.colour == want.colour { hits["colour"]! += 1 }
            if got.position == want.position { hits["position"]! += 1 }
            if got.background == want.background { hits["background"]! += 1 }
            if got == want { hits["all"]! += 1 }
        }
        let rate = hits.mapValues { Double($0) / Double(n) }
        print(String(format: "default model, %d prompts x seeds: colour %.0f%%, shape %.0f%%, position %.0f%%, background %.0f%%, all %.0f%%",
                     n, 100 * rate["colour"]!, 100 * rate["shape"]!, 100 * rate["position"]!, 100 * rate["background"]!, 100 * rate["all"]!))
        XCTAssertGreaterThanOrEqual(rate["colour"]!, 0.9)
        XCTAssertGreaterThanOrEqual(rate["shape"]!, 0.7)
        XCTAssertGreaterThanOrEqual(rate["position"]!, 0.8)
        XCTAssertGreaterThanOrEqual(rate["background"]!, 0.9)
    }
}
