import SDTensor
import XCTest

/// Linear(x, addingTo: r): the product added into the residual (sgemm with beta 1) against r + x W^T + b
/// in double precision, with and without a bias; the input x is left as it was.
final class LinearResidualTests: XCTestCase {
    func testAddsIntoTheResidual() {
        let (rows, cin, cout) = (37, 24, 40)
        for withBias in [true, false] {
            let x = randomTensor([rows, cin], seed: 1), w = randomTensor([cout, cin], seed: 2)
            let b = withBias ? randomTensor([cout], seed: 3) : nil
            let r = randomTensor([rows, cout], seed: 4), before = r.array, xBefore = x.array
            Linear(weight: w, bias: b)(x, addingTo: r)
            var worst = 0.0
            for i in 0..<rows {
                for o in 0..<cout {
                    var want = Double(before[i * cout + o]) + Double(b?[o] ?? 0)
                    for k in 0..<cin { want += Double(x[i * cin + k]) * Double(w[o * cin + k]) }
                    worst = max(worst, abs(Double(r[i * cout + o]) - want))
                }
            }
            XCTAssertLessThan(worst, 1e-5, "bias \(withBias)")
            XCTAssertEqual(x.array, xBefore)
        }
    }
}
