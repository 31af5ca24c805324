/// Image resizing for "only masked" inpainting: bilinear when enlarging, area averaging when
/// shrinking (each output pixel averages the source area it covers), separable, half-pixel centred.
enum Resample {
    /// Per output index along one axis: the source indices and weights that make it.
    static func taps(from n: Int, to m: Int) -> [[(Int, Float)]] {
        let scale = Double(m) / Double(n)
        return (0..<m).map { o in
            if scale >= 1 {
                let src = (Double(o) + 0.5) / scale - 0.5
                let i0 = Int(src.rounded(.down)), t = Float(src - Double(i0))
                let a = min(max(i0, 0), n - 1), b = min(max(i0 + 1, 0), n - 1)
                return a == b ? [(a, Float(1))] : [(a, 1 - t), (b, t)]
            }
            let lo = Double(o) / scale, hi = Double(o + 1) / scale
            var taps: [(Int, Float)] = []
            var i = Int(lo.rounded(.down))
            while Double(i) < hi && i < n {
                let w = min(hi, Double(i + 1)) - max(lo, Double(i))
                if w > 0 { taps.append((i, Float(w / (hi - lo)))) }
                i += 1
            }
            return taps
        }
    }

    /// Resizes `channels` interleaved float planes of w x h to ow x oh.
    static func resize(_ src: [Float], width w: Int, height h: Int, channels c: Int, to ow: Int, _ oh: Int) -> [Float] {
        if ow == w && oh == h { return src }
        let tx = taps(from: w, to: ow), ty = taps(from: h, to: oh)
        var rows = [Float](repeating: 0, count: ow * h * c)  // horizontal pass
        for y in 0..<h { for x in 0..<ow { for (sx, wt) in tx[x] { for k in 0..<c {
            rows[(y * ow + x) * c + k] += wt * src[(y * w + sx) * c + k]
        } } } }
        var out = [Float](repeating: 0, count: ow * oh * c)  // vertical pass
        for y in 0..<oh { for (sy, wt) in ty[y] { for x in 0..<ow { for k in 0..<c {
            out[(y * ow + x) * c + k] += wt * rows[(sy * ow + x) * c + k]
        } } } }
        return out
    }
}

extension Image8 {
    func resized(width ow: Int, height oh: Int) -> Image8 {
        if ow == width && oh == height { return self }
        let out = Resample.resize(pixels.map(Float.init), width: width, height: height, channels: channels, to: ow, oh)
        return Image8(width: ow, height: oh, channels: channels, pixels: out.map { UInt8(min(max($0.rounded(), 0), 255)) })
    }
}

extension SoftMask {
    func resized(width ow: Int, height oh: Int) -> SoftMask {
        if ow == width && oh == height { return self }
        return SoftMask(width: ow, height: oh,
                        values: Resample.resize(values, width: width, height: height, channels: 1, to: ow, oh))
    }
}
