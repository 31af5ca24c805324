import SDTensor
import XCTest

/// Convolution against a direct (nested-loop) reference, whole and in bands of output rows.
final class ConvolutionTests: XCTestCase {
    func reference(_ x: Tensor, _ w: Tensor, _ b: Tensor, k: Int, stride: Int, pad: (Int, Int, Int, Int)) -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3], o = w.shape[0]
        let oh = (h + pad.0 + pad.2 - k) / stride + 1, ow = (wd + pad.1 + pad.3 - k) / stride + 1
        let y = Tensor([n, o, oh, ow])
        for i in 0..<n { for oc in 0..<o { for yy in 0..<oh { for xx in 0..<ow {
            var acc = Double(b[oc])
            for ic in 0..<c { for ki in 0..<k { for kj in 0..<k {
                let iy = yy * stride + ki - pad.0, ix = xx * stride + kj - pad.1
                if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                    acc += Double(x[((i * c + ic) * h + iy) * wd + ix]) * Double(w[((oc * c + ic) * k + ki) * k + kj])
                }
            } } }
            y[((i * o + oc) * oh + yy) * ow + xx] = Float(acc)
        } } } }
        return y
    }

    func testBandedIm2colMatchesDirectConvolution() {
        let saved = Conv2d.maxColumnBytes
        defer { Conv2d.maxColumnBytes = saved }
        let x = randomTensor([2, 5, 11, 9], seed: 1), w = randomTensor([7, 5, 3, 3], seed: 2), b = randomTensor([7], seed: 3)
        for (stride, pad) in [(1, (1, 1, 1, 1)), (2, (1, 1, 1, 1)), (2, (0, 0, 1, 1))] {
            let expected = reference(x, w, b, k: 3, stride: stride, pad: pad)
            for limit in [1 << 30, 5 * 9 * 9 * 4 * 2, 1] {  // whole, two-row bands, one row at a time
                Conv2d.maxColumnBytes = limit
                let conv = Conv2d(weight: WeightMatrix(rows: 7, cols: 45, float32: w), kernel: 3, bias: b,
                                  stride: stride, asymmetricPadding: pad)
                let got = conv(x)
                XCTAssertEqual(got.shape, expected.shape)
                for i in 0..<got.count { XCTAssertEqual(got[i], expected[i], accuracy: 1e-4, "stride \(stride) limit \(limit) at \(i)") }
            }
        }
    }
}
