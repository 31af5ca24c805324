import SDKernelsC
import SDTensor
import XCTest

/// Winograd F(2x2, 3x3) and F(4x4, 3x3) against the im2col path on random shapes: odd sizes, one-pixel
/// images, channels that are not multiples of 8, batch 2, asymmetric padding, widths around the AVX2
/// path's groups of 8 tiles, and the blocked/paneled schedule that large convolutions use; with the
/// AVX2 transforms and with the portable ones.
final class WinogradConvolutionTests: XCTestCase {
    private var saved = (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles)

    override func setUp() { saved = (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) }

    override func tearDown() {
        (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = saved
        sdk_force_portable_kernels(0)
    }

    /// Runs the convolution as im2col, F(2x2) and F(4x4) (both with every tile count) and returns the
    /// worst difference of each Winograd result from im2col.
    func compare(n: Int, cin: Int, cout: Int, h: Int, w: Int, pad: (Int, Int, Int, Int), seed: Int,
                 file: StaticString = #filePath, line: UInt = #line) {
        let x = randomTensor([n, cin, h, w], seed: seed), wt = randomTensor([cout, cin * 9], seed: seed + 1)
        let b = randomTensor([cout], seed: seed + 2)
        let conv = Conv2d(weight: WeightMatrix(rows: cout, cols: cin * 9, float32: wt), kernel: 3, bias: b,
                          asymmetricPadding: pad)
        Conv2d.algorithms = "im2col"
        let slow = conv(x)
        for (algorithms, tile) in [("wino2", 2), ("auto", 4)] {
            (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = (algorithms, 1, 1)
            XCTAssertEqual(conv.winogradTile(x), tile, file: file, line: line)
            let fast = conv(x)
            XCTAssertEqual(fast.shape, slow.shape, file: file, line: line)
            var worst: Float = 0, largest: Float = 1
            for i in 0..<fast.count { worst = max(worst, abs(fast[i] - slow[i])); largest = max(largest, abs(slow[i])) }
            // sums of cin * 9 products of values in [-1, 1], rounded differently by the two paths: by about
            // 1e-6 of the largest output with F(2x2), 1e-5 with F(4x4) (coefficients up to 8 and 1/24)
            XCTAssertLessThanOrEqual(worst / largest, tile == 2 ? 3e-6 : 3e-5,
                                     "F(\(tile)x\(tile)) n \(n) cin \(cin) cout \(cout) \(h)x\(w) pad \(pad): error \(worst), largest \(largest)",
                                     file: file, line: line)
        }
    }

    func assortedShapes() {
        var seed = 10
        for (n, cin, cout, h, w) in [(1, 16, 16, 8, 8), (2, 19, 21, 13, 11), (2, 24, 40, 1, 1), (1, 17, 3, 2, 3),
                                     (2, 33, 18, 37, 20), (1, 16, 24, 5, 70), (2, 64, 48, 16, 17),
                                     (1, 16, 8, 9, 31), (1, 16, 8, 9, 32), (1, 16, 8, 6, 33), (1, 20, 5, 4, 66)] {
            for pad in [(1, 1, 1, 1), (0, 0, 0, 0), (0, 0, 1, 1), (2, 1, 0, 2)] {
                if h + pad.0 + pad.2 < 3 || w + pad.1 + pad.3 < 3 { continue }
                compare(n: n, cin: cin, cout: cout, h: h, w: w, pad: pad, seed: seed)
                seed += 3
            }
        }
    }

    func testMatchesIm2colOnAssortedShapes() { assortedShapes() }

    func testPortableTransformsMatchIm2col() {
        sdk_force_portable_kernels(1)
        assortedShapes()
    }

    /// GroupNorm(+SiLU) applied by the input transforms (no normalised copy) against normalising first:
    /// both tile sizes, batch 2 (per-sample statistics), channel offsets, AVX2 and portable kernels.
    func testNormalizationInsideTheInputTransform() {
        let (n, cin, cout, h, w, groups) = (2, 24, 10, 13, 19, 4)
        let x = randomTensor([n, cin, h, w], seed: 5)
        for i in 0..<x.count { x[i] = x[i] * 3 + Float((i / (h * w)) % cin) - 7 }  // channel offsets
        let norm = GroupNorm(groups: groups, eps: 1e-5, gamma: randomTensor([cin], seed: 6), beta: randomTensor([cin], seed: 7))
        let conv = Conv2d(weight: WeightMatrix(rows: cout, cols: cin * 9, float32: randomTensor([cout, cin * 9], seed: 8)),
                          kernel: 3, bias: randomTensor([cout], seed: 9))
        for portable: Int32 in [0, 1] {
            sdk_force_portable_kernels(portable)
            for (algorithms, tile) in [("wino2", 2), ("auto", 4)] {
                (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = (algorithms, 1, 1)
                XCTAssertEqual(conv.winogradTile(x), tile)
                for silu in [false, true] {
                    let separate = conv(norm(x, silu: silu)).array
                    let fused = conv(x, normalizedBy: norm, silu: silu).array
                    XCTAssertLessThanOrEqual(maxAbsDiff(fused, separate), 1e-5, "F(\(tile)) silu \(silu) portable \(portable)")
                }
            }
        }
    }

    /// Working-set limits small enough for several tile-row blocks and several output-channel panels
    /// (filters transformed again for each block), blocks that straddle the two images.
    func testBlocksAndPanels() {
        let saved = (Conv2d.maxWinogradBytes, Conv2d.maxWinogradFilterBytes)
        defer { (Conv2d.maxWinogradBytes, Conv2d.maxWinogradFilterBytes) = saved }
        for (blocks, filters) in [(200_000, 100_000), (600_000, 1 << 30), (2_000_000, 200_000), (1 << 30, 1 << 30)] {
            (Conv2d.maxWinogradBytes, Conv2d.maxWinogradFilterBytes) = (blocks, filters)
            compare(n: 2, cin: 40, cout: 72, h: 15, w: 26, pad: (1, 1, 1, 1), seed: 99)
        }
    }
}
