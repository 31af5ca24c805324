import SDKernelsC
import SDTensor
import XCTest

/// The hand-written AVX2/FMA kernels against their portable versions (same inputs, both paths in one
/// process through sdk_force_portable_kernels), and against plain formulas in Double (the Winograd
/// transforms: WinogradConvolutionTests). Skipped pieces
/// run the same code twice on CPUs without AVX2, which still checks the portable path.
final class KernelDispatchTests: XCTestCase {
    func random(_ count: Int, seed: UInt64, scale: Float = 4) -> [Float] {
        var s = seed &* 6364136223846793005 &+ 1
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return (Float(Int(s >> 40) % 2001 - 1000) / 1000) * scale
        }
    }

    /// body on a copy of `input` with the portable kernels and with the AVX2 ones.
    func bothPaths(_ input: [Float], _ body: (UnsafeMutablePointer<Float>) -> Void) -> (portable: [Float], fast: [Float]) {
        var a = input, b = input
        sdk_force_portable_kernels(1)
        a.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        sdk_force_portable_kernels(0)
        b.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        return (a, b)
    }

    func assertClose(_ a: [Float], _ b: [Float], _ tol: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        var worst: Float = 0
        for i in 0..<a.count { worst = max(worst, abs(a[i] - b[i]) / max(1, abs(a[i]))) }
        XCTAssertLessThanOrEqual(worst, tol, "\(what): worst error \(worst)", file: file, line: line)
    }

    func testActivations() {
        for n in [1, 7, 8, 29, 1000] {
            let x = random(n, seed: UInt64(n), scale: 12)
            var r = bothPaths(x) { sdk_silu($0, n) }
            assertClose(r.portable, r.fast, 1e-6, "silu \(n)")
            assertClose(r.portable, x.map { Float(Double($0) / (1 + exp(-Double($0)))) }, 1e-6, "silu formula \(n)")
            r = bothPaths(x) { sdk_quick_gelu($0, n) }
            assertClose(r.portable, r.fast, 1e-6, "quick gelu \(n)")
            r = bothPaths(x) { sdk_gelu($0, n) }
            assertClose(r.portable, r.fast, 1e-6, "gelu \(n)")
            assertClose(r.fast, x.map { Float(0.5 * Double($0) * (1 + erf(Double($0) / 2.0.squareRoot()))) }, 1e-6, "gelu formula \(n)")
        }
    }

    func testGEGLU() {
        for (rows, cols) in [(3, 13), (2, 40), (5, 8)] {
            let input = random(rows * 2 * cols, seed: 5, scale: 6)
            let r = bothPaths(input) { p in
                let out = UnsafeMutablePointer<Float>.allocate(capacity: rows * cols)
                defer { out.deallocate() }
                sdk_geglu(p, out, rows, cols)
                p.update(from: out, count: rows * cols)
            }
            assertClose(Array(r.portable.prefix(rows * cols)), Array(r.fast.prefix(rows * cols)), 1e-6, "geglu \(rows)x\(cols)")
        }
    }

    func testSoftmax() {
        for (rows, cols) in [(3, 5), (4, 77), (2, 1024), (1, 9)] {
            var x = random(rows * cols, seed: UInt64(cols), scale: 30)
            x[cols / 2] = -.infinity  // a masked key (causal attention)
            let r = bothPaths(x) { sdk_softmax_rows($0, rows, cols, 0.37) }
            assertClose(r.portable, r.fast, 1e-6, "softmax \(rows)x\(cols)")
            for row in 0..<rows {
                XCTAssertEqual(r.fast[row * cols..<(row + 1) * cols].reduce(0, +), 1, accuracy: 1e-5)
            }
        }
    }

    /// GroupNorm where a group's channels sit far apart (means 100, -50, 0.5, std about 1): statistics in
    /// one pass per channel must match the two-pass Double formula.
    func testGroupNormStatisticsAgainstDouble() {
        let hw = 1000, c = 6, groups = 2
        var x = random(c * hw, seed: 77, scale: 1.7)
        let offsets: [Float] = [100, -50, 0.5, 3, 3, 3]
        for ch in 0..<c { for i in 0..<hw { x[ch * hw + i] += offsets[ch] } }
        let gamma = [Float](repeating: 1, count: c), beta = [Float](repeating: 0, count: c)
        var expected = [Float](repeating: 0, count: c * hw)
        let per = c / groups
        for g in 0..<groups {
            let slice = x[(g * per * hw)..<((g + 1) * per * hw)].map(Double.init)
            let mean = slice.reduce(0, +) / Double(slice.count)
            let v = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(slice.count)
            for i in 0..<slice.count { expected[g * per * hw + i] = Float((slice[i] - mean) / (v + 1e-5).squareRoot()) }
        }
        let r = bothPaths(x) { p in sdk_group_norm(p, p, c, hw, groups, gamma, beta, 1e-5, 0) }
        assertClose(r.fast, expected, 2e-6, "group norm fast vs Double")
        assertClose(r.portable, expected, 2e-6, "group norm portable vs Double")
    }

    func testNorms() {
        for (c, hw, groups) in [(6, 7, 3), (64, 64, 32), (40, 1, 8), (8, 300, 1)] {
            let x = random(c * hw, seed: UInt64(c + hw), scale: 3).map { $0 + 5 }  // an offset mean
            let gamma = random(c, seed: 1), beta = random(c, seed: 2)
            for silu: Int32 in [0, 1] {
                let r = bothPaths(x) { p in sdk_group_norm(p, p, c, hw, groups, gamma, beta, 1e-5, silu) }
                assertClose(r.portable, r.fast, 5e-6, "group norm \(c)x\(hw)/\(groups) silu \(silu)")
            }
            let rows = c, cols = hw
            let g2 = random(cols, seed: 3), b2 = random(cols, seed: 4)
            let r = bothPaths(x) { p in sdk_layer_norm(p, p, rows, cols, g2, b2, 1e-5) }
            assertClose(r.portable, r.fast, 5e-6, "layer norm \(rows)x\(cols)")
        }
    }
}
