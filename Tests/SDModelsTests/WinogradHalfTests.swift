import SDKernelsC
import SDTensor
import XCTest

/// F(2x2, 3x3) and F(4x4, 3x3) with half-precision filters transformed while packed (sdk_wino_half) against im2col with
/// the same weights widened first: partial register tiles and row blocks (output channels that are not
/// multiples of 12 or 96), several and partial input-channel chunks (more than 128), one and two images,
/// odd sizes and padding, GroupNorm+SiLU inside the input transform, AVX-512 and AVX2 kernels. The path
/// must be taken where it applies and not for Float32 weights or large maps.
final class WinogradHalfTests: XCTestCase {
    func testMatchesIm2colWithWidenedWeights() throws {
        try XCTSkipUnless(sdk_gemm_half_supported(16) != 0, "no AVX2/F16C: the path is not used")
        let saved = (Conv2d.algorithms, HalfProduct.enabled, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles)
        defer {
            (Conv2d.algorithms, HalfProduct.enabled, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = saved
            sdk_disable_avx512_kernels(0)
        }
        // small maps would take the im2col product on halves (HalfProduct) first: off here
        var seed = 40
        for (n, cin, cout, h, w, pad) in [(2, 64, 100, 16, 16, (1, 1, 1, 1)), (1, 272, 37, 9, 13, (1, 1, 1, 1)),
                                          (2, 16, 200, 8, 8, (1, 1, 1, 1)), (1, 32, 5, 7, 30, (0, 0, 1, 1)),
                                          (2, 48, 13, 3, 2, (1, 1, 1, 1))] {
            let x = randomTensor([n, cin, h, w], seed: seed), wt = randomTensor([cout, cin * 9], seed: seed + 1)
            let b = randomTensor([cout], seed: seed + 2)
            seed += 3
            let conv = Conv2d(weight: halfWeightMatrix(wt, rows: cout), kernel: 3, bias: b, asymmetricPadding: pad)
            (Conv2d.algorithms, HalfProduct.enabled, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = ("im2col", false, 1, 1)
            let reference = conv(x).array
            var largest: Float = 1
            for v in reference { largest = max(largest, abs(v)) }
            for (algorithms, tile) in [("wino2", 2), ("auto", 4)] {
                Conv2d.algorithms = algorithms
                XCTAssertEqual(conv.winogradTile(x), tile)
                XCTAssertTrue(conv.usesWinogradHalf(x), "\(n) x \(cin) -> \(cout) \(h)x\(w)")
                for avx512Off: Int32 in [1, 0] {
                    sdk_disable_avx512_kernels(avx512Off)
                    let fast = conv(x).array
                    // sums of cin * 9 products of values in [-1, 1], rounded differently: 1e-6 of the largest
                    // with F(2x2), 1e-5 with F(4x4) (coefficients up to 8 and 1/24)
                    XCTAssertLessThanOrEqual(maxAbsDiff(fast, reference) / largest, tile == 2 ? 3e-6 : 3e-5,
                                             "F(\(tile)) \(n) x \(cin) -> \(cout) \(h)x\(w) pad \(pad) avx512 off \(avx512Off)")
                }
            }
        }
    }

    func testNormalizationInsideTheInputTransform() throws {
        try XCTSkipUnless(sdk_gemm_half_supported(16) != 0, "no AVX2/F16C: the path is not used")
        let saved = (Conv2d.algorithms, Conv2d.winograd4MinTiles)
        defer { (Conv2d.algorithms, Conv2d.winograd4MinTiles) = saved }
        let (n, cin, cout, h, w) = (2, 32, 20, 11, 10)
        let x = randomTensor([n, cin, h, w], seed: 3)
        for i in 0..<x.count { x[i] = x[i] * 3 + Float((i / (h * w)) % cin) - 7 }
        let norm = GroupNorm(groups: 8, eps: 1e-5, gamma: randomTensor([cin], seed: 4), beta: randomTensor([cin], seed: 5))
        let conv = Conv2d(weight: halfWeightMatrix(randomTensor([cout, cin * 9], seed: 6), rows: cout), kernel: 3,
                          bias: randomTensor([cout], seed: 7))
        for (algorithms, tile) in [("wino2", 2), ("auto", 4)] {
            (Conv2d.algorithms, Conv2d.winograd4MinTiles) = (algorithms, 1)
            XCTAssertEqual(conv.winogradTile(x), tile)
            XCTAssertTrue(conv.usesWinogradHalf(x))
            for silu in [false, true] {
                let separate = conv(norm(x, silu: silu)).array
                let fused = conv(x, normalizedBy: norm, silu: silu).array
                XCTAssertLessThanOrEqual(maxAbsDiff(fused, separate), 1e-5, "F(\(tile)) silu \(silu)")
            }
        }
    }

    func testNotTakenForFloat32OrLargeMaps() {
        let saved = Conv2d.algorithms
        defer { Conv2d.algorithms = saved }
        Conv2d.algorithms = "wino2"
        let wt = randomTensor([32, 32 * 9], seed: 5)
        let x = randomTensor([2, 32, 16, 16], seed: 6), large = randomTensor([2, 32, 32, 32], seed: 7)
        let float = Conv2d(weight: WeightMatrix(rows: 32, cols: 32 * 9, float32: wt), kernel: 3, bias: nil)
        XCTAssertFalse(float.usesWinogradHalf(x))
        let half = Conv2d(weight: halfWeightMatrix(wt, rows: 32), kernel: 3, bias: nil)
        XCTAssertEqual(half.usesWinogradHalf(x), sdk_gemm_half_supported(32) != 0)
        XCTAssertFalse(half.usesWinogradHalf(large), "512 2x2 tiles")
        Conv2d.algorithms = "auto"
        let larger = randomTensor([2, 32, 64, 64], seed: 8)
        XCTAssertEqual(half.winogradTile(larger), 4)
        XCTAssertFalse(half.usesWinogradHalf(larger), "512 4x4 tiles")
    }
}
