import Foundation

/// PyTorch's CPU random generator: mt19937 seeded like `torch.Generator().manual_seed(seed)`,
/// and torch.randn's way of turning its output into normal samples. With it a seed gives the
/// same starting noise (and ancestral noise) as a diffusers script on the CPU.
public final class TorchCPUGenerator {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624
    private var cachedNormal: Double?

    public init(seed: UInt64) {
        state[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<624 {
            state[j] = 1_812_433_253 &* (state[j - 1] ^ (state[j - 1] >> 30)) &+ UInt32(j)
        }
        index = 624
    }

    /// The next 32 random bits (mt19937).
    public func next32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            var v = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            state[i] = v
        }
        index = 0
    }

    private func uniformFloat() -> Float { Float(Double(next32() & 0xFF_FFFF) * 0x1p-24) }

    private func uniformDouble() -> Double {
        let hi = UInt64(next32()), lo = UInt64(next32())
        return Double(((hi << 32) | lo) & ((1 << 53) - 1)) * 0x1p-53
    }

    /// torch.randn(count) as float32 (contiguous tensor of that many elements).
    public func randn(_ count: Int) -> [Float] {
        guard count >= 16 else { return (0..<count).map { _ in Float(normalDouble()) } }
        var data = (0..<count).map { _ in uniformFloat() }
        data.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i + 16 <= count { Self.fill16(p.baseAddress! + i); i += 16 }
            if count % 16 != 0 {
                let tail = p.baseAddress! + count - 16
                for j in 0..<16 { tail[j] = uniformFloat() }
                Self.fill16(tail)
            }
        }
        return data
    }

    /// Box-Muller on 8 pairs, as torch's vectorised normal_fill_16 (float arithmetic).
    private static func fill16(_ d: UnsafeMutablePointer<Float>) {
        let twoPi = Float(2.0 * Double.pi)
        for j in 0..<8 {
            let u1 = 1 - d[j], u2 = d[j + 8]
            let radius = (-2 * logf(u1)).squareRoot()
            let theta = twoPi * u2
            d[j] = radius * cosf(theta)
            d[j + 8] = radius * sinf(theta)
        }
    }

    /// torch's scalar normal_distribution<double> (used for tensors of fewer than 16 elements).
    private func normalDouble() -> Double {
        if let c = cachedNormal { cachedNormal = nil; return c }
        let u1 = uniformDouble(), u2 = uniformDouble()
        let r = (-2.0 * log1p(-u2)).squareRoot()
        let theta = 2.0 * Double.pi * u1
        cachedNormal = r * sin(theta)
        return r * cos(theta)
    }
}
