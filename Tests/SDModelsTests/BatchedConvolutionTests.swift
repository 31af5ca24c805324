import SDTensor
import XCTest

/// Small maps of a batch convolved in one product (images side by side) against one product per image.
final class BatchedConvolutionTests: XCTestCase {
    func testBatchedMatchesPerImage() {
        let saved = (Conv2d.batchedPlaneLimit, Conv2d.algorithms)
        defer { (Conv2d.batchedPlaneLimit, Conv2d.algorithms) = saved }
        Conv2d.algorithms = "im2col"
        var seed = 1
        for (k, stride, pad, n, cin, cout, h, w) in [(1, 1, 0, 2, 24, 40, 4, 4), (3, 1, 1, 2, 19, 13, 5, 7), (3, 2, 1, 3, 8, 9, 9, 6),
                                                   (1, 1, 0, 3, 5, 7, 1, 1), (3, 1, 1, 2, 16, 16, 1, 1)] {
            let x = randomTensor([n, cin, h, w], seed: seed), wt = randomTensor([cout, cin * k * k], seed: seed + 1)
            let b = randomTensor([cout], seed: seed + 2)
            seed += 3
            let conv = Conv2d(weight: WeightMatrix(rows: cout, cols: cin * k * k, float32: wt), kernel: k, bias: b,
                              stride: stride, padding: pad)
            Conv2d.batchedPlaneLimit = 0
            let perImage = conv(x).array
            Conv2d.batchedPlaneLimit = 1024
            let batched = conv(x).array
            XCTAssertEqual(batched.count, perImage.count)
            XCTAssertLessThanOrEqual(maxAbsDiff(batched, perImage), 1e-5, "k \(k) stride \(stride) n \(n) \(h)x\(w)")
        }
    }
}
