import Foundation

/// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw ("Parallel random
/// numbers: as easy as 1, 2, 3", SC11; the Random123 library). cuRAND's `curandStatePhilox4_32_10_t`,
/// which PyTorch's CUDA generator uses, is this function.
public enum Philox4x32 {
    static let m0: UInt32 = 0xD251_1F53, m1: UInt32 = 0xCD9E_8D57
    static let w0: UInt32 = 0x9E37_79B9, w1: UInt32 = 0xBB67_AE85

    /// The 4 output words for a 128-bit counter and a 64-bit key (10 rounds).
    @inline(__always)
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var c = counter, k = key
        for round in 0..<10 {
            let p0 = UInt64(m0) * UInt64(c.x), p1 = UInt64(m1) * UInt64(c.z)
            c = SIMD4(UInt32(truncatingIfNeeded: p1 >> 32) ^ c.y ^ k.x, UInt32(truncatingIfNeeded: p1),
                      UInt32(truncatingIfNeeded: p0 >> 32) ^ c.w ^ k.y, UInt32(truncatingIfNeeded: p0))
            if round < 9 { k &+= SIMD2(w0, w1) }
        }
        return c
    }
}

/// torch.randn on a CUDA device, as AUTOMATIC1111 computes it on the CPU for its "NV" random source
/// (modules/rng_philox.py); its default "GPU" source is torch.randn on CUDA itself.
///
/// Torch's CUDA normal kernel (aten/src/ATen/native/cuda/DistributionTemplates.h) runs one thread per
/// element (for tensors up to the GPU's thread count) with `curand_init(seed, subsequence: element,
/// offset: philox offset)` and `curand_normal4`, of which element i keeps `.x`: Box-Muller on the
/// first two Philox words, sine half. In counter terms, value i of a draw is
///   words = Philox4x32-10(counter: (offset, i) as two 64-bit halves, key: seed),
///   u = words.0 * 2^-32 + 2^-33, v = words.1 * (2pi * 2^-32) + half that,
///   value = float32(sqrt(-2 ln u) * sin v),
/// and every draw moves the offset on by one (torch adds 4 to its philox offset per randn call, curand
/// counts it in words: 4 words per counter step). A1111 evaluates the Box-Muller step in float64 with
/// the float32 constants of curand and rounds the result to float32; we do the same, so the values
/// equal A1111's "NV" source bit for bit (up to a last-bit difference between libm implementations
/// of log/sin, see PhiloxTests) and torch's CUDA output to about 3e-7 (the GPU evaluates it in float32
/// with fast __sincosf).
///
/// Not reproduced: for tensors with more elements than the GPU runs threads at once (grid x 256,
/// hundreds of thousands of values, far above SD latents) torch's threads loop and use `.y`, `.z`,
/// `.w` as well; A1111's NV source does not follow that either.
public final class PhiloxGenerator {
    public let seed: UInt64
    /// Number of draws made so far (counter words 0-1 of the next draw).
    public private(set) var offset: UInt64 = 0

    public init(seed: UInt64, offset: UInt64 = 0) {
        self.seed = seed
        self.offset = offset
    }

    /// curand's float32 constants, widened to float64 as numpy does in A1111's code.
    static let inv32 = Double(Float(2.3283064e-10))                     // exactly 2^-32
    static let inv32TwoPi = Double(Float(2.3283064e-10 * 6.2831855))    // 2pi * 2^-32 rounded to float32
    static let halfInv32 = Double(Float(2.3283064e-10) / 2)
    static let halfInv32TwoPi = Double(Float(2.3283064e-10 * 6.2831855) / 2)

    /// Box-Muller of two Philox words, the sine half (curand `_curand_box_muller(x, y).x`), evaluated
    /// in float64 like A1111. The products and sums are separate roundings (no fused multiply-add).
    @inline(__always)
    public static func normal(_ x: UInt32, _ y: UInt32) -> Float {
        let u = Double(x) * inv32 + halfInv32
        let v = Double(y) * inv32TwoPi + halfInv32TwoPi
        return Float((-2.0 * Foundation.log(u)).squareRoot() * Foundation.sin(v))
    }

    /// The next draw of `count` standard normal values (torch.randn(count) on CUDA), then offset += 1.
    public func randn(_ count: Int) -> [Float] {
        precondition(count >= 0)
        if count == 0 { offset &+= 1; return [] }
        let key = SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        let lo = UInt32(truncatingIfNeeded: offset), hi = UInt32(truncatingIfNeeded: offset >> 32)
        offset &+= 1
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            let p = out.baseAddress!
            for i in 0..<count {
                let element = UInt64(i)
                let counter = SIMD4(lo, hi, UInt32(truncatingIfNeeded: element), UInt32(truncatingIfNeeded: element >> 32))
                let words = Philox4x32.block(counter: counter, key: key)
                p[i] = Self.normal(words.x, words.y)
            }
            initialized = count
        }
    }
}
