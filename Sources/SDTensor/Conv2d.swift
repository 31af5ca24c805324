import Glibc
import SDKernels
import SDKernelsC

/// 2-D convolution (torch.nn.Conv2d, groups 1). Weight [out, in * kh * kw].
/// On small maps (up to 160 output positions over the batch) half-precision weights are multiplied as
/// stored (HalfProduct). Otherwise stride-1 3x3 convolutions with enough channels run as Winograd
/// F(4x4, 3x3) on large maps (36 matrix products on transformed tiles, 4x fewer multiplications) or
/// F(2x2, 3x3) (16 products, 2.25x fewer); the others as im2col + one matrix product.
public final class Conv2d: @unchecked Sendable {
    public let weight: WeightMatrix
    public let bias: Tensor?
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int
    /// Padding per side: (top, left, bottom, right).
    public let padding: (Int, Int, Int, Int)

    /// weight: [out, in * kernel * kernel] (torch's [out, in, kh, kw] flattened).
    public init(weight: WeightMatrix, kernel k: Int, bias: Tensor?, stride: Int = 1, padding: Int? = nil,
                asymmetricPadding: (Int, Int, Int, Int)? = nil) {
        outChannels = weight.rows
        kernel = k
        inChannels = weight.cols / (k * k)
        self.weight = weight
        self.bias = bias
        self.stride = stride
        let p = padding ?? k / 2
        self.padding = asymmetricPadding ?? (p, p, p, p)
    }

    public func outputSize(height: Int, width: Int) -> (Int, Int) {
        let h = (height + padding.0 + padding.2 - kernel) / stride + 1
        let w = (width + padding.1 + padding.3 - kernel) / stride + 1
        return (h, w)
    }

    /// im2col buffer limit: larger convolutions are done in bands of output rows, so a 3x3
    /// convolution over 128 channels at 512x512 (a 1.2 GB im2col matrix) needs 64 MB at a time.
    public static var maxColumnBytes = 64 << 20

    /// Winograd working set limit for the transformed input and the products of a block of tile rows.
    public static var maxWinogradBytes = 48 << 20

    /// Which algorithms stride-1 3x3 convolutions may use: SDSWIFT_CONV=im2col (no Winograd), wino2
    /// (F(2x2, 3x3) only), or by size when unset (F(4x4, 3x3) for large maps, F(2x2, 3x3), im2col).
    public static var algorithms = getenv("SDSWIFT_CONV").map { String(cString: $0) } ?? "auto"

    /// Compatibility switch: false is SDSWIFT_CONV=im2col.
    public static var winograd: Bool {
        get { algorithms != "im2col" }
        set { algorithms = newValue ? "auto" : "im2col" }
    }

    /// Fewest 2x2 output tiles (over the batch) for Winograd: below, the filter transform and 16 thin
    /// products cost more than they save (the UNet's 4x4 level at 256x256 has 8).
    public static var winogradMinTiles = 16

    /// Fewest 4x4 output tiles for F(4x4, 3x3): its 36 products need enough columns each.
    public static var winograd4MinTiles = 64

    /// Stride-1 3x3 with enough input channels for Winograd (with 3 or 4, im2col's one product is cheap).
    public var winogradEligible: Bool { Self.winograd && kernel == 3 && stride == 1 && inChannels >= 16 }

    /// The stored half-precision weights when a call on `x` multiplies with them as stored
    /// (HalfProduct: small maps, where reading the weights costs more than the arithmetic), else nil.
    func halfWeights(_ x: Tensor) -> UnsafePointer<UInt16>? {
        let (oh, ow) = outputSize(height: x.shape[2], width: x.shape[3])
        let cols = x.shape[0] * oh * ow
        guard inChannels * kernel * kernel * cols * 4 <= Self.maxColumnBytes else { return nil }
        return HalfProduct.halves(of: weight, columns: cols)
    }

    /// The Winograd output tile a call on `x` uses (4 or 2), or nil for im2col.
    public func winogradTile(_ x: Tensor) -> Int? {
        guard winogradEligible, halfWeights(x) == nil else { return nil }
        let (oh, ow) = outputSize(height: x.shape[2], width: x.shape[3])
        let n = x.shape[0]
        if Self.algorithms != "wino2" && n * ((oh + 3) / 4) * ((ow + 3) / 4) >= Self.winograd4MinTiles { return 4 }
        return n * ((oh + 1) / 2) * ((ow + 1) / 2) >= Self.winogradMinTiles ? 2 : nil
    }

    /// 2 x N x outC x inC x k^2 x H' x W': the direct convolution's multiply-adds (FLOPCount).
    private func countFLOPs(_ x: Tensor) {
        let (oh, ow) = outputSize(height: x.shape[2], width: x.shape[3])
        FLOPCount.add(2 * x.shape[0] * outChannels * inChannels * kernel * kernel * oh * ow)
    }

    /// Whether a call on `x` takes a Winograd path.
    public func usesWinograd(_ x: Tensor) -> Bool { winogradTile(x) != nil }

    /// x: [N, inC, H, W] -> [N, outC, H', W']
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape[1] == inChannels, "Conv2d: input \(x.shape) vs in \(inChannels)")
        countFLOPs(x)
        if let tile = winogradTile(x) {
            return OpProfile.measure(tile == 4 ? "wino4x4" : "wino2x2") { winogradConv(x, tile: tile) }
        }
        return OpProfile.measure(kindLabel) { im2colConv(x) }
    }

    /// self(norm(x, silu: silu)), on the Winograd path without the normalised copy of x: the input
    /// transform applies GroupNorm's per-channel affine map (and SiLU) as it reads x.
    public func callAsFunction(_ x: Tensor, normalizedBy norm: GroupNorm, silu: Bool) -> Tensor {
        guard Self.fuseNormalization, let tile = winogradTile(x) else { return self(norm(x, silu: silu)) }
        precondition(x.shape[1] == inChannels, "Conv2d: input \(x.shape) vs in \(inChannels)")
        countFLOPs(x)
        let (scale, shift) = norm.affine(x)
        return OpProfile.measure(tile == 4 ? "wino4x4" : "wino2x2") {
            winogradConv(x, tile: tile, normalization: (UnsafePointer(scale.data), UnsafePointer(shift.data), silu))
        }
    }

    /// Whether callAsFunction(_:normalizedBy:silu:) fuses (false: normalise, then convolve; comparisons).
    public static var fuseNormalization = true

    /// "conv3x3", "conv3x3/s2", "conv1x1": what the profile groups im2col convolutions by (Winograd: "wino2x2", "wino4x4").
    var kindLabel: String { "conv\(kernel)x\(kernel)" + (stride == 1 ? "" : "/s\(stride)") }

    /// The weights as Float32 (widened from half precision, or a LoRA overlay's), timed for the profile.
    private func withWeights<R>(_ label: String, _ body: (UnsafePointer<Float>) -> R) -> R {
        let t0 = OpProfile.enabled ? OpProfile.seconds() : 0
        return weight.withFloat32 { wt in
            if OpProfile.enabled { OpProfile.add(label + " widen", OpProfile.seconds() - t0) }
            return body(wt)
        }
    }

    /// Half-precision weights larger than this (floats) are widened in panels for small maps' products.
    public static var maxWidenedFloats = 8 << 20

    /// Output maps of at most this many pixels are convolved for the whole batch in one product (the
    /// images side by side), so weights that dwarf the maps (1280 channels at 4x4) are read once.
    public static var batchedPlaneLimit = 1024

    /// Any convolution: im2col of bands of output rows, each band one matrix product; small maps of a
    /// batch in one product.
    func im2colConv(_ x: Tensor) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let (oh, ow) = outputSize(height: h, width: w)
        if let halves = halfWeights(x) { return batchedIm2colConv(x, halves: halves) }
        if n > 1 && oh * ow <= Self.batchedPlaneLimit
            && inChannels * kernel * kernel * n * oh * ow * 4 <= Self.maxColumnBytes {
            return batchedIm2colConv(x)
        }
        let y = Tensor([n, outChannels, oh, ow])
        let kdim = inChannels * kernel * kernel, plane = oh * ow
        let direct = kernel == 1 && stride == 1 && padding == (0, 0, 0, 0)
        let bandRows = max(1, min(oh, Self.maxColumnBytes / max(1, kdim * ow * 4)))
        let label = kindLabel
        Scratch.with(direct ? 0 : kdim * bandRows * ow) { col in
            withWeights(label) { wt in
                for i in 0..<n {
                    let xi = x.data + i * inChannels * h * w
                    let yi = y.data + i * outChannels * plane
                    if direct {
                        OpProfile.measure(label + " gemm") {
                            BLAS.gemm(m: outChannels, n: plane, k: kdim, a: wt, b: xi, c: yi)
                        }
                    } else {
                        var y0 = 0
                        while y0 < oh {
                            let rows = min(bandRows, oh - y0)
                            OpProfile.measure(label + " im2col") { im2col(xi, h, w, y0, rows, ow, col) }
                            // the band's outputs are columns [y0*ow, (y0+rows)*ow) of the [outC, plane] result
                            OpProfile.measure(label + " gemm") {
                                BLAS.gemm(m: outChannels, n: rows * ow, k: kdim, a: wt, b: col, ldb: rows * ow,
                                          c: yi + y0 * ow, ldc: plane)
                            }
                            y0 += rows
                        }
                    }
                    if let bias { sdk_add_channel_bias(yi, bias.data, outChannels, plane) }
                }
            }
        }
        return y
    }

    /// The whole batch as one product: col [kdim][n * plane] with the images side by side, out
    /// [outC][n * plane], then each image's part copied to y with the bias. `halves`: the product reads
    /// the stored half-precision weights (HalfProduct) instead of widened panels.
    private func batchedIm2colConv(_ x: Tensor, halves: UnsafePointer<UInt16>? = nil) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3], cin = inChannels, cout = outChannels
        let (oh, ow) = outputSize(height: h, width: w)
        let y = Tensor([n, cout, oh, ow])
        let kdim = cin * kernel * kernel, plane = oh * ow, cols = n * plane
        let direct = kernel == 1 && stride == 1 && padding == (0, 0, 0, 0)
        let label = kindLabel
        Scratch.with(kdim * cols + cout * cols) { col in
            let out = col + kdim * cols
            OpProfile.measure(label + " im2col") {
                for i in 0..<n {
                    let xi = x.data + i * cin * h * w
                    if direct {
                        for c in 0..<cin { (col + c * cols + i * plane).update(from: xi + c * plane, count: plane) }
                    } else {
                        im2col(xi, h, w, 0, oh, ow, col + i * plane, ld: cols)
                    }
                }
            }
            if let halves {
                OpProfile.measure(label + " half") {
                    HalfProduct.multiply(halves, rows: cout, k: kdim, columns: cols, x: col, y: out)
                }
            } else {
                // big fp16 weights in a few panels of output channels (rows [r0, r0 + rows) of out), so
                // their Float32 copy stays within Self.maxWidenedFloats
                let t0 = OpProfile.enabled ? OpProfile.seconds() : 0
                var widened = 0.0
                weight.withFloat32Panels(maxFloats: Self.maxWidenedFloats) { r0, rows, wt in
                    let t1 = OpProfile.enabled ? OpProfile.seconds() : 0
                    OpProfile.measure(label + " gemm") { BLAS.gemm(m: rows, n: cols, k: kdim, a: wt, b: col, c: out + r0 * cols) }
                    if OpProfile.enabled { widened += OpProfile.seconds() - t1 }
                }
                if OpProfile.enabled { OpProfile.add(label + " widen", OpProfile.seconds() - t0 - widened) }
            }
            for i in 0..<n {
                let yi = y.data + i * cout * plane
                for co in 0..<cout { (yi + co * plane).update(from: out + co * cols + i * plane, count: plane) }
                if let bias { sdk_add_channel_bias(yi, bias.data, cout, plane) }
            }
        }
        return y
    }

    /// im2col of output rows [y0, y0 + rows), split by channel ranges across threads; col's rows `ld`
    /// floats apart (0: rows * ow).
    private func im2col(_ x: UnsafeMutablePointer<Float>, _ h: Int, _ w: Int, _ y0: Int, _ rows: Int, _ ow: Int,
                        _ col: UnsafeMutablePointer<Float>, ld: Int = 0) {
        let k2 = kernel * kernel, rowStride = ld == 0 ? rows * ow : ld
        Parallel.chunks(inChannels, minChunk: max(1, 65_536 / max(1, k2 * rows * ow))) { s, e in
            sdk_im2col(x + s * h * w, e - s, h, w, kernel, kernel, stride, padding.0, padding.1,
                       y0, rows, ow, col + s * k2 * rowStride, rowStride)
        }
    }

    /// Stride-1 3x3 by Winograd F(m x m, 3x3), m = `tile` (2 or 4; sdwinograd.h), with P = (m + 2)^2
    /// transform positions. The output is cut into m x m tiles; tile rows of all images are numbered one
    /// after the other and taken in blocks, output channels in panels: per block, transform the input
    /// tiles (V), then per panel transform the filters (U, once when one panel holds them all), P
    /// products M = U V, and the output transform.
    /// Each channel's P rows of U, V and M lie together (row xi of channel c at c * P * ld + xi * ld), so
    /// a transform writes or reads one compact block per channel; the products step over them with a
    /// leading dimension of P * ld.
    func winogradConv(_ x: Tensor, tile: Int,
                      normalization: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, silu: Bool)? = nil) -> Tensor {
        if let halves = winogradHalves(x, tile: tile) {
            return winogradFromHalves(x, tile: tile, halves: halves, normalization: normalization)
        }
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let (oh, ow) = outputSize(height: h, width: w)
        let y = Tensor([n, outChannels, oh, ow])
        let positions = (tile + 2) * (tile + 2)
        let th = (oh + tile - 1) / tile, tw = (ow + tile - 1) / tile, tileRows = n * th
        let cin = inChannels, cout = outChannels, label = tile == 4 ? "wino4x4" : "wino2x2"
        let vec = sdk_use_avx2()  // all transforms of this call take the same path (tile order, winograd4.c)
        // Panel of output channels: all of them when their transformed filters fit their budget; then
        // blocks of tile rows so that V and M (P x (cin + panel) floats a tile) fit theirs.
        let uLd = Self.paddedRow(cin)
        // One block of tile rows (small maps): panels cost nothing, so keep them small; several blocks:
        // transformed filters that do not fit are made again for every block, so allow more.
        let budget = max(Self.maxWinogradBytes / 4, 1)
        let oneBlock = positions * (cin + min(cout, 64)) * tileRows * tw <= budget
        let filterBudget = max((oneBlock ? Self.maxWinogradFilterBytes / 4 : Self.maxWinogradFilterBytes) / 4, 1)
        let panel = positions * uLd * cout <= filterBudget
            ? cout : min(cout, max(16, filterBudget / (positions * uLd) / 16 * 16))
        let blockRows = max(1, min(tileRows, budget / max(1, positions * (cin + panel) * tw)))
        let maxLd = Self.paddedRow(blockRows * tw)
        let uCount = panel * positions * uLd, vCount = cin * positions * maxLd
        Scratch.with(uCount + vCount + panel * positions * maxLd) { buffer in
            let u = buffer, v = buffer + uCount, m = buffer + uCount + vCount
            var filtersReady = -1  // the panel whose filters are in u
            var r0 = 0
            while r0 < tileRows {
                let r1 = min(tileRows, r0 + blockRows), cols = (r1 - r0) * tw, ld = Self.paddedRow(cols)
                OpProfile.measure(label + " input") { winogradInput(x, tile, vec, r0, r1, th, tw, v, plane: ld, channelStride: positions * ld, normalization) }
                var p0 = 0
                while p0 < cout {
                    let rows = min(panel, cout - p0)
                    if filtersReady != p0 {
                        // the panel's weights widened just before their transform (cache-warm)
                        OpProfile.measure(label + " filter") { weight.withFloat32Rows(p0, rows) { wt in
                            Parallel.chunks(rows, minChunk: max(1, 16_384 / (cin * 9))) { s, e in
                                let ws = wt + s * cin * 9, us = u + s * positions * uLd
                                if tile == 4 {
                                    sdk_wino4_filter(ws, e - s, cin, us, uLd, positions * uLd, vec)
                                } else {
                                    sdk_wino2_filter(ws, e - s, cin, us, uLd, positions * uLd)
                                }
                            }
                        } }
                        filtersReady = p0
                    }
                    OpProfile.measure(label + " gemm") {
                        for xi in 0..<positions {
                            BLAS.gemm(m: rows, n: cols, k: cin, a: u + xi * uLd, lda: positions * uLd,
                                      b: v + xi * ld, ldb: positions * ld, c: m + xi * ld, ldc: positions * ld)
                        }
                    }
                    OpProfile.measure(label + " output") {
                        winogradOutput(m, tile, vec, rows: rows, p0: p0, r0, r1, th, tw, plane: ld, channelStride: positions * ld, y, oh, ow)
                    }
                    p0 += rows
                }
                r0 = r1
            }
        }
        return y
    }

    /// Transformed filters of one convolution up to this size are made once per call (larger ones in
    /// panels of output channels, again for each block of tile rows); a quarter of it when all tile rows
    /// fit one block (the panels are then made once each anyway).
    public static var maxWinogradFilterBytes = 64 << 20

    /// Row length (floats) for `count` values in U, V or M: a multiple of 16 floats whose byte length is
    /// an odd multiple of 64, so the 16 or 36 rows of one channel, one row apart, fall in different cache
    /// sets (rows 4 KB apart made the filter transform 6x slower).
    static func paddedRow(_ count: Int) -> Int {
        let r = (count + 15) / 16 * 16
        return (r / 16) % 2 == 0 ? r + 16 : r
    }

    /// V for global tile rows [r0, r1): channels split across threads, each image's part in turn;
    /// channel c's rows start at c * channelStride, a position's `plane` floats after the one before
    /// (winogradConv: P * ld and ld; winogradFromHalves: ld and a position's whole block).
    func winogradInput(_ x: Tensor, _ tile: Int, _ vec: Int32, _ r0: Int, _ r1: Int, _ th: Int, _ tw: Int,
                       _ v: UnsafeMutablePointer<Float>, plane: Int, channelStride: Int,
                       _ normalization: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, silu: Bool)?) {
        let h = x.shape[2], w = x.shape[3], cin = inChannels
        let perChannel = (tile + 2) * (tile + 2) * (r1 - r0) * tw  // values one channel writes
        Parallel.chunks(cin, minChunk: max(1, 32_768 / max(1, perChannel))) { s, e in
            for i in (r0 / th)...((r1 - 1) / th) {
                let a = max(r0, i * th), b = min(r1, (i + 1) * th)  // this image's tile rows in the block
                for c in s..<e {
                    let xc = x.data + (i * cin + c) * h * w, vc = v + c * channelStride + (a - r0) * tw
                    var act = sdk_input_act(scale: 1, shift: 0, kind: 0)
                    if let nz = normalization {
                        act = sdk_input_act(scale: nz.scale[i * cin + c], shift: nz.shift[i * cin + c], kind: nz.silu ? 2 : 1)
                    }
                    if tile == 4 {
                        sdk_wino4_input(xc, h, w, padding.0, padding.1, a - i * th, b - i * th, tw, vc, plane, vec, &act)
                    } else {
                        sdk_wino2_input(xc, h, w, padding.0, padding.1, a - i * th, b - i * th, tw, vc, plane, &act)
                    }
                }
            }
        }
    }

    /// Output transform of a panel of output channels for global tile rows [r0, r1), plus bias; M laid
    /// out as winogradInput's V.
    func winogradOutput(_ m: UnsafeMutablePointer<Float>, _ tile: Int, _ vec: Int32, rows: Int, p0: Int,
                        _ r0: Int, _ r1: Int, _ th: Int, _ tw: Int, plane: Int, channelStride: Int,
                        _ y: Tensor, _ oh: Int, _ ow: Int) {
        let cout = outChannels, perChannel = (tile + 2) * (tile + 2) * (r1 - r0) * tw
        Parallel.chunks(rows, minChunk: max(1, 32_768 / max(1, perChannel))) { s, e in
            for i in (r0 / th)...((r1 - 1) / th) {
                let a = max(r0, i * th), b = min(r1, (i + 1) * th)
                for co in s..<e {
                    let mc = m + co * channelStride + (a - r0) * tw, yc = y.data + (i * cout + p0 + co) * oh * ow
                    let bc = bias?.data[p0 + co] ?? 0
                    if tile == 4 {
                        sdk_wino4_output(mc, plane, a - i * th, b - i * th, tw, bc, yc, oh, ow, vec)
                    } else {
                        sdk_wino2_output(mc, plane, a - i * th, b - i * th, tw, bc, yc, oh, ow)
                    }
                }
            }
        }
    }
}
