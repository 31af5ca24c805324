import Glibc
import SDKernels
import SDKernelsC

/// Winograd F(2x2, 3x3) for small maps with half-precision weights: the filters are transformed as the
/// product packs them (sdk_wino2_half), so no transformed copy of them is made. At the UNet's 16x16 level
/// (1280 output channels, up to 2560 input, 128 tiles for a guided batch) that copy was 105-210 MB per
/// convolution, written, read back and packed again by sgemm, for 128 multiply-adds per value.
/// V and M are laid out one position after the other (position xi's rows together, `ld` floats apart),
/// so the product reads V's rows in place.
extension Conv2d {
    /// Most 2x2 output tiles (over the batch) for this path; more and the transformed filters are worth
    /// their copy (each value serves enough columns).
    nonisolated(unsafe) public static var winogradHalfMaxTiles = 256

    /// SDSWIFT_WINO_HALF=0 turns the path off (comparisons).
    nonisolated(unsafe) public static var winogradHalf = getenv("SDSWIFT_WINO_HALF").map { String(cString: $0) } != "0"

    /// The stored halves when an F(2x2, 3x3) call on `x` should transform them while packing, else nil.
    func winograd2Halves(_ x: Tensor) -> UnsafePointer<UInt16>? {
        guard Self.winogradHalf, sdk_gemm_half_supported(inChannels) != 0 else { return nil }
        let (oh, ow) = outputSize(height: x.shape[2], width: x.shape[3])
        guard x.shape[0] * ((oh + 1) / 2) * ((ow + 1) / 2) <= Self.winogradHalfMaxTiles else { return nil }
        return weight.halvesInUse
    }

    /// Whether a call on `x` takes this path.
    public func usesWinogradHalf(_ x: Tensor) -> Bool { winogradTile(x) == 2 && winograd2Halves(x) != nil }

    func winograd2FromHalves(_ x: Tensor, halves: UnsafePointer<UInt16>,
                             normalization: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, silu: Bool)?) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let (oh, ow) = outputSize(height: h, width: w)
        let y = Tensor([n, outChannels, oh, ow])
        let th = (oh + 1) / 2, tw = (ow + 1) / 2, cols = n * th * tw, plane = th * tw
        let cin = inChannels, cout = outChannels
        // rows padded past the 32-column tiles the product reads; a line between positions keeps their
        // rows of one channel in different cache sets
        let ld = Self.paddedRow((cols + 31) / 32 * 32)
        let planeV = cin * ld + 16, planeM = cout * ld + 16
        Scratch.with(16 * (planeV + planeM)) { buffer in
            let v = buffer, m = buffer + 16 * planeV
            OpProfile.measure("wino2x2 input") {
                Parallel.chunks(cin, minChunk: max(1, 4096 / max(1, plane))) { s, e in
                    for i in 0..<n {
                        for c in s..<e {
                            var act = sdk_input_act(scale: 1, shift: 0, kind: 0)
                            if let nz = normalization {
                                act = sdk_input_act(scale: nz.scale[i * cin + c], shift: nz.shift[i * cin + c], kind: nz.silu ? 2 : 1)
                            }
                            sdk_wino2_input(x.data + (i * cin + c) * h * w, h, w, padding.0, padding.1, 0, th, tw,
                                            v + c * ld + i * plane, planeV, &act)
                        }
                    }
                }
            }
            OpProfile.measure("wino2x2 half") {
                let work = sdk_wino2_half_work_floats()
                Parallel.chunks(cout, minChunk: 48) { s, e in
                    Scratch.with(work) { wk in sdk_wino2_half(s, e, cols, cin, halves, v, ld, planeV, m, ld, planeM, wk) }
                }
            }
            OpProfile.measure("wino2x2 output") {
                Parallel.chunks(cout, minChunk: max(1, 4096 / max(1, plane))) { s, e in
                    for i in 0..<n {
                        for co in s..<e {
                            sdk_wino2_output(m + co * ld + i * plane, planeM, 0, th, tw, bias?.data[co] ?? 0,
                                             y.data + (i * cout + co) * oh * ow, oh, ow)
                        }
                    }
                }
            }
        }
        return y
    }
}
