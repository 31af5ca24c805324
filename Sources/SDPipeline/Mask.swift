import Foundation

/// A soft mask in [0, 1] (0 keep, 1 repaint) at some resolution, row-major.
public struct SoftMask: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        self.width = width; self.height = height; self.values = values
    }

    /// From 8-bit gray (or the first channel): 0 keep, 255 repaint, values between are soft.
    public init(_ image: Image8) {
        let g = image.gray()
        self.init(width: g.width, height: g.height, values: g.pixels.map { Float($0) / 255 })
    }

    public var isEmpty: Bool { !values.contains { $0 > 0 } }

    /// Grows (radius > 0, max filter) or shrinks (radius < 0, min filter) by a square of the radius.
    public func grown(by radius: Int) -> SoftMask {
        guard radius != 0 else { return self }
        let r = abs(radius), useMax = radius > 0
        func pass(_ src: [Float], horizontal: Bool) -> [Float] {
            var out = src
            for y in 0..<height {
                for x in 0..<width {
                    var v = src[y * width + x]
                    for d in -r...r {
                        let xx = horizontal ? x + d : x, yy = horizontal ? y : y + d
                        guard xx >= 0, xx < width, yy >= 0, yy < height else { continue }
                        let s = src[yy * width + xx]
                        v = useMax ? max(v, s) : min(v, s)
                    }
                    out[y * width + x] = v
                }
            }
            return out
        }
        return SoftMask(width: width, height: height, values: pass(pass(values, horizontal: true), horizontal: false))
    }

    /// Gaussian blur with sigma = radius / 2 (edges clamped): a selection's feathering.
    public func feathered(radius: Int) -> SoftMask {
        guard radius > 0 else { return self }
        let sigma = Float(radius) / 2
        let kernel = (-radius...radius).map { d in expf(-Float(d * d) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        let k = kernel.map { $0 / total }
        func pass(_ src: [Float], horizontal: Bool) -> [Float] {
            var out = src
            for y in 0..<height {
                for x in 0..<width {
                    var acc: Float = 0
                    for (i, w) in k.enumerated() {
                        let d = i - radius
                        let xx = horizontal ? min(max(x + d, 0), width - 1) : x
                        let yy = horizontal ? y : min(max(y + d, 0), height - 1)
                        acc += w * src[yy * width + xx]
                    }
                    out[y * width + x] = acc
                }
            }
            return out
        }
        return SoftMask(width: width, height: height, values: pass(pass(values, horizontal: true), horizontal: false))
    }

    /// Nearest-neighbour downsampling by an integer factor (as diffusers' F.interpolate default):
    /// latent pixel (y, x) takes image pixel (y*f, x*f).
    public func downsampled(by f: Int) -> SoftMask {
        let w = width / f, h = height / f
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { out[y * w + x] = values[(y * f) * width + x * f] } }
        return SoftMask(width: w, height: h, values: out)
    }

    /// Bounding box (x, y, w, h) of the pixels > 0, or nil when none.
    public func boundingBox() -> (x: Int, y: Int, width: Int, height: Int)? {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        for y in 0..<height { for x in 0..<width where values[y * width + x] > 0 {
            x0 = min(x0, x); y0 = min(y0, y); x1 = max(x1, x); y1 = max(y1, y)
        } }
        return x1 < 0 ? nil : (x0, y0, x1 - x0 + 1, y1 - y0 + 1)
    }
}

public enum Composite {
    /// out = original * (1 - m) + generated * m, per pixel. Where m is 0 the original bytes are
    /// copied unchanged, so kept pixels never carry the VAE round trip.
    public static func blend(original: Image8, generated: Image8, mask: SoftMask) -> Image8 {
        precondition(original.width == generated.width && original.height == generated.height)
        let o = original.rgb(), g = generated.rgb()
        var px = o.pixels
        for i in 0..<(o.width * o.height) {
            let m = mask.values[i]
            if m <= 0 { continue }
            for c in 0..<3 {
                let v = Float(o.pixels[i * 3 + c]) * (1 - m) + Float(g.pixels[i * 3 + c]) * m
                px[i * 3 + c] = UInt8(min(max(v.rounded(), 0), 255))
            }
        }
        return Image8(width: o.width, height: o.height, channels: 3, pixels: px)
    }
}
