import XCTest
import SDKernels
import SDKernelsC

/// The matrix product everything stands on, checked against a double-precision loop: whichever
/// OpenBLAS kernels blas.c chose for this CPU (SkylakeX, Haswell, ...) and the portable C product.
final class BLASTests: XCTestCase {
    struct Case { let ta: Bool, tb: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float, pad: Int }

    /// Small shapes (OpenBLAS's small-matrix kernels), odd edges, the UNet's shapes scaled down,
    /// every transpose, alpha and beta, and leading dimensions wider than the rows.
    static let cases: [Case] = {
        let shapes = [(1, 1, 1), (3, 5, 7), (17, 33, 9), (64, 64, 64), (65, 31, 127), (128, 320, 40),
                      (40, 77, 320), (257, 130, 96), (300, 257, 129), (1024, 40, 77)]
        var out: [Case] = []
        for (i, (m, n, k)) in shapes.enumerated() {
            for ta in [false, true] { for tb in [false, true] {
                let alpha: Float = i % 2 == 0 ? 1 : 0.5
                let beta: Float = [0, 1, -0.3][(i + (ta ? 1 : 0) + (tb ? 2 : 0)) % 3]
                out.append(Case(ta: ta, tb: tb, m: m, n: n, k: k, alpha: alpha, beta: beta, pad: i % 3 == 1 ? 3 : 0))
            } }
        }
        return out
    }()

    func testOpenBLASMatchesDoubleLoop() {
        print("BLAS kernels: \(BLAS.coreName)")
        for c in Self.cases { check(c, portable: false) }
    }

    func testPortableProductMatchesDoubleLoop() {
        for c in Self.cases where c.m * c.n * c.k <= 2_000_000 { check(c, portable: true) }
    }

    /// OpenBLAS's workers busy-wait after a product (sched_yield in a loop) before they sleep; blas.c
    /// shortens that wait, so that our own parallel loops right after a product get the cores. A worker
    /// still spinning would use CPU time while this thread sleeps: about all of the 100 ms at
    /// OpenBLAS's default (2^28 cycles), next to nothing now.
    func testIdleBLASWorkersDoNotSpin() throws {
        guard !BLAS.coreName.hasPrefix("portable") else { throw XCTSkip("no OpenBLAS") }
        let saved = BLAS.threads
        defer { BLAS.threads = saved }
        BLAS.threads = 2
        let n = 512
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        func cpuSeconds() -> Double {
            var u = rusage()
            getrusage(RUSAGE_SELF.rawValue, &u)
            return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        }
        var worst = 0.0
        for _ in 0..<3 {
            BLAS.gemm(m: n, n: n, k: n, a: a, b: b, c: &c)
            let before = cpuSeconds()
            usleep(100_000)
            worst = max(worst, cpuSeconds() - before)
        }
        XCTAssertEqual(c[0], Float(n) * 0.125)
        XCTAssertLessThan(worst, 0.03, "CPU seconds used while idle for 0.1 s after a product")
    }

    private func check(_ c: Case, portable: Bool) {
        var g = SystemRandomNumberGenerator()
        let (aRows, aCols) = c.ta ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bCols) = c.tb ? (c.n, c.k) : (c.k, c.n)
        let lda = aCols + c.pad, ldb = bCols + c.pad, ldc = c.n + c.pad
        let a = (0..<aRows * lda).map { _ in Float.random(in: -1...1, using: &g) }
        let b = (0..<bRows * ldb).map { _ in Float.random(in: -1...1, using: &g) }
        let c0 = (0..<c.m * ldc).map { _ in Float.random(in: -1...1, using: &g) }
        var got = c0
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in got.withUnsafeMutableBufferPointer { pc in
            if portable {
                sdk_sgemm_portable(c.ta ? 1 : 0, c.tb ? 1 : 0, Int32(c.m), Int32(c.n), Int32(c.k), c.alpha, pa.baseAddress,
                                   Int32(lda), pb.baseAddress, Int32(ldb), c.beta, pc.baseAddress, Int32(ldc))
            } else {
                BLAS.gemm(transA: c.ta, transB: c.tb, m: c.m, n: c.n, k: c.k, alpha: c.alpha, a: pa.baseAddress!, lda: lda,
                          b: pb.baseAddress!, ldb: ldb, beta: c.beta, c: pc.baseAddress!, ldc: ldc)
            }
        } } }
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<ldc {
                guard j < c.n else {
                    XCTAssertEqual(got[i * ldc + j], c0[i * ldc + j], "padding of C is not written"); continue
                }
                var acc = 0.0
                for p in 0..<c.k {
                    let x = Double(c.ta ? a[p * lda + i] : a[i * lda + p])
                    let y = Double(c.tb ? b[j * ldb + p] : b[p * ldb + j])
                    acc += x * y
                }
                let want = Double(c.alpha) * acc + Double(c.beta) * Double(c0[i * ldc + j])
                worst = max(worst, abs(Double(got[i * ldc + j]) - want))
            }
        }
        // float32 accumulation of k products of magnitude <= 1
        XCTAssertLessThan(worst, 1e-5 * Double(c.k) + 1e-6,
                          "\(portable ? "portable" : BLAS.coreName) \(c): max error \(worst)")
    }
}
