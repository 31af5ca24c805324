import Glibc
import SDKernels
import SDKernelsC

/// Winograd F(2x2, 3x3) and F(4x4, 3x3) for small maps with half-precision weights: the filters are
/// transformed as the product packs them (sdk_wino_half), so no transformed copy of them is made. At the
/// UNet's 16x16 level (1280 output channels, up to 2560 input, 128 tiles for a guided batch) that copy was
/// 105-210 MB per convolution (F(2x2)), at the 32x32 level 59-177 MB (F(4x4)): written, read back and
/// packed again by sgemm, for 128 multiply-adds per value.
/// V and M are laid out one position after the other (position xi's rows together, `ld` floats apart),
/// so the product reads V's rows in place.
extension Conv2d {
    /// Most output tiles (over the batch) for this path; more and the transformed filters are worth their
    /// copy (each value serves enough columns).
    nonisolated(unsafe) public static var winogradHalfMaxTiles = 256

    /// SDSWIFT_WINO_HALF=0 turns the path off (comparisons).
    nonisolated(unsafe) public static var winogradHalf = getenv("SDSWIFT_WINO_HALF").map { String(cString: $0) } != "0"

    /// The stored halves when a Winograd call on `x` with output tiles of `tile` should transform them
    /// while packing, else nil.
    func winogradHalves(_ x: Tensor, tile: Int) -> UnsafePointer<UInt16>? {
        guard Self.winogradHalf, sdk_gemm_half_supported(inChannels) != 0 else { return nil }
        let (oh, ow) = outputSize(height: x.shape[2], width: x.shape[3])
        guard x.shape[0] * ((oh + tile - 1) / tile) * ((ow + tile - 1) / tile) <= Self.winogradHalfMaxTiles else { return nil }
        return weight.halvesInUse
    }

    /// Whether a call on `x` takes this path.
    public func usesWinogradHalf(_ x: Tensor) -> Bool {
        guard let tile = winogradTile(x) else { return false }
        return winogradHalves(x, tile: tile) != nil
    }

    func winogradFromHalves(_ x: Tensor, tile: Int, halves: UnsafePointer<UInt16>,
                            normalization: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, silu: Bool)?) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let (oh, ow) = outputSize(height: h, width: w)
        let y = Tensor([n, outChannels, oh, ow])
        let th = (oh + tile - 1) / tile, tw = (ow + tile - 1) / tile, cols = n * th * tw
        let cin = inChannels, cout = outChannels, positions = (tile + 2) * (tile + 2)
        let label = tile == 4 ? "wino4x4" : "wino2x2"
        let vec = sdk_use_avx2()  // the input and output transforms of F(4x4) must take the same path
        // rows padded past the 32-column tiles the product reads; a line between positions keeps their
        // rows of one channel in different cache sets
        let ld = Self.paddedRow((cols + 31) / 32 * 32)
        let planeV = cin * ld + 16, planeM = cout * ld + 16
        Scratch.with(positions * (planeV + planeM)) { buffer in
            let v = buffer, m = buffer + positions * planeV
            OpProfile.measure(label + " input") {
                winogradInput(x, tile, vec, 0, n * th, th, tw, v, plane: planeV, channelStride: ld, normalization)
            }
            OpProfile.measure(label + " half") {
                let work = sdk_wino_half_work_floats()
                Parallel.chunks(cout, minChunk: 48) { s, e in
                    Scratch.with(work) { wk in
                        sdk_wino_half(Int32(tile), s, e, cols, cin, halves, v, ld, planeV, m, ld, planeM, wk)
                    }
                }
            }
            OpProfile.measure(label + " output") {
                winogradOutput(m, tile, vec, rows: cout, p0: 0, 0, n * th, th, tw, plane: planeM, channelStride: ld, y, oh, ow)
            }
        }
        return y
    }
}
