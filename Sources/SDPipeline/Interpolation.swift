import Foundation

/// Spherical interpolation of starting noise (seed travel).
///
/// Gaussian noise of many values lives near a sphere: a straight line between two noises passes
/// inside it (at t = 0.5 the norm drops to about 71%), which the denoiser sees as "less noise" and
/// answers with a washed-out image. Slerp follows the great circle between the two directions and
/// interpolates the norm linearly, so every point has the norm of a real noise sample.
public enum Slerp {
    /// t = 0 gives `a` and t = 1 gives `b` exactly; slerp(a, b, t) == slerp(b, a, 1 - t) up to rounding,
    /// and t = 0.5 is exactly symmetric. Nearly parallel directions fall back to a linear mix.
    public static func interpolate(_ a: [Float], _ b: [Float], t: Float) -> [Float] {
        precondition(a.count == b.count, "slerp of \(a.count) and \(b.count) values")
        if t == 0 { return a }
        if t == 1 { return b }
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in 0..<a.count {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        na = na.squareRoot()
        nb = nb.squareRoot()
        let td = Double(t)
        guard na > 0, nb > 0 else { return zip(a, b).map { Float((1 - td) * Double($0) + td * Double($1)) } }
        let cosine = min(1, max(-1, dot / (na * nb)))
        let theta = acos(cosine)
        let norm = (1 - td) * na + td * nb
        // Coefficients of the unit directions a/|a| and b/|b|, then scaled to the interpolated norm.
        let ca: Double, cb: Double
        if sin(theta) < 1e-6 {
            ca = 1 - td; cb = td
        } else {
            ca = sin((1 - td) * theta) / sin(theta)
            cb = sin(td * theta) / sin(theta)
        }
        let sa = ca * norm / na, sb = cb * norm / nb
        var out = [Float](repeating: 0, count: a.count)
        for i in 0..<a.count { out[i] = Float(sa * Double(a[i]) + sb * Double(b[i])) }
        return out
    }

    /// Evenly spaced positions 0...1 for `frames` frames (one frame: 0).
    public static func positions(frames: Int) -> [Float] {
        frames <= 1 ? [0] : (0..<frames).map { Float($0) / Float(frames - 1) }
    }
}

/// The noise of a point between two seeds: every draw (starting noise, posterior samples, per-step
/// noise of ancestral samplers) is the slerp of the two seeds' draws, so t = 0 and t = 1 are exactly
/// the two seeds' generations.
public final class SlerpNoise: NoiseSource {
    let a: NoiseSource, b: NoiseSource
    let t: Float

    public init(from a: NoiseSource, to b: NoiseSource, t: Float) {
        self.a = a; self.b = b; self.t = t
    }

    public convenience init(seed a: UInt64, seed b: UInt64, t: Float, source: RandomSource = .cpu) {
        self.init(from: source.noise(seed: a), to: source.noise(seed: b), t: t)
    }

    public func next(_ count: Int) -> [Float] {
        Slerp.interpolate(a.next(count), b.next(count), t: t)
    }
}
