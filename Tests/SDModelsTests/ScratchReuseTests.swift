import XCTest
@testable import SDPipeline
import SDTensor

/// Temporaries (im2col columns, Winograd planes, widened fp16 weights, attention tiles) come from the
/// Scratch pool: once a first generation has filled it, a second one of the same size allocates none.
final class ScratchReuseTests: XCTestCase {
    func testSecondGenerationAllocatesNoScratch() throws {
        let pipe = try StableDiffusionPipeline(path: DefaultModel.path)
        let r = DefaultModel.request("a blue star on the right, black background", seed: 3, steps: 4)
        _ = try pipe.generate(r)
        let before = Scratch.allocations
        _ = try pipe.generate(r)
        XCTAssertEqual(Scratch.allocations - before, 0, "scratch buffers allocated by the second generation")
        XCTAssertGreaterThan(before, 0, "the first generation took its temporaries from the pool")
    }
}
