import SDKernelsC
import SDTensor
import XCTest

/// Convolutions on small maps with half-precision weights read as stored (HalfProduct, sdk_gemm_half)
/// against the same convolutions with the weights widened first (sgemm, Winograd); the path must be
/// taken where it applies (8...160 output positions over the batch) and not elsewhere.
final class HalfProductConvolutionTests: XCTestCase {
    func testMatchesWidenedWeights() throws {
        try XCTSkipUnless(sdk_gemm_half_supported(16) != 0, "no AVX2/F16C: the path is not used")
        let saved = HalfProduct.enabled
        defer { HalfProduct.enabled = saved; sdk_disable_avx512_kernels(0) }
        var seed = 1
        // (kernel, stride, pad, batch, in, out, h, w): 3x3 on 8x8 and 4x4 maps (the UNet's), 1x1, stride 2,
        // one image, channels that leave partial register tiles and k chunks
        for (k, stride, pad, n, cin, cout, h, w) in [(3, 1, 1, 2, 64, 100, 8, 8), (3, 1, 1, 2, 48, 37, 4, 4),
                                                   (1, 1, 0, 2, 96, 50, 4, 4), (3, 2, 1, 2, 32, 24, 8, 8),
                                                   (3, 1, 1, 1, 160, 13, 5, 3), (1, 1, 0, 1, 16, 16, 3, 3)] {
            let x = randomTensor([n, cin, h, w], seed: seed), wt = randomTensor([cout, cin * k * k], seed: seed + 1)
            let b = randomTensor([cout], seed: seed + 2)
            seed += 3
            let conv = Conv2d(weight: halfWeightMatrix(wt, rows: cout), kernel: k, bias: b, stride: stride, padding: pad)
            let (oh, ow) = conv.outputSize(height: h, width: w)
            HalfProduct.enabled = false
            let widened = conv(x).array
            HalfProduct.enabled = true
            XCTAssertNotNil(HalfProduct.halves(of: conv.weight, columns: n * oh * ow), "taken for \(n * oh * ow) positions")
            XCTAssertFalse(conv.usesWinograd(x))
            for avx512Off: Int32 in [1, 0] {
                sdk_disable_avx512_kernels(avx512Off)
                let half = conv(x).array
                XCTAssertLessThanOrEqual(maxAbsDiff(half, widened), 2e-4, "k \(k) stride \(stride) n \(n) \(cin)->\(cout) \(h)x\(w)")
            }
        }
    }

    func testNotTakenForLargeMapsOrFloat32() {
        let wt = randomTensor([32, 32 * 9], seed: 5)
        let half = Conv2d(weight: halfWeightMatrix(wt, rows: 32), kernel: 3, bias: nil)
        XCTAssertNil(HalfProduct.halves(of: half.weight, columns: 2 * 16 * 16), "16x16 maps of 2 images")
        let float = Conv2d(weight: WeightMatrix(rows: 32, cols: 32 * 9, float32: wt), kernel: 3, bias: nil)
        XCTAssertNil(HalfProduct.halves(of: float.weight, columns: 64))
    }
}
