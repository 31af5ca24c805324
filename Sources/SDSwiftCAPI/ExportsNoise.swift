import CSDSwift
import SDPipeline

/// Noise helpers for seed travel through initial_noise: a seed's values and their slerp.
private let maxNoiseCount = 1 << 28

@_cdecl("sdswift_seed_noise")
public func capiSeedNoise(_ seed: UInt64, _ out: UnsafeMutablePointer<Float>?, _ count: Int) -> sdswift_status {
    capiCall {
        guard let out else { throw nullPointer("out") }
        guard count > 0, count <= maxNoiseCount else { throw invalid("count \(count) is not in 1..\(maxNoiseCount)") }
        let values = SeededNoise(seed: seed).next(count)
        out.update(from: values, count: count)
    }
}

@_cdecl("sdswift_seed_noise_rng")
public func capiSeedNoiseRNG(_ seed: UInt64, _ rng: sdswift_rng, _ out: UnsafeMutablePointer<Float>?, _ count: Int) -> sdswift_status {
    capiCall {
        guard let out else { throw nullPointer("out") }
        guard count > 0, count <= maxNoiseCount else { throw invalid("count \(count) is not in 1..\(maxNoiseCount)") }
        let values = try randomSource(rng).noise(seed: seed).next(count)
        out.update(from: values, count: count)
    }
}

@_cdecl("sdswift_noise_slerp")
public func capiNoiseSlerp(_ a: UnsafePointer<Float>?, _ b: UnsafePointer<Float>?, _ count: Int, _ t: Float,
                           _ out: UnsafeMutablePointer<Float>?) -> sdswift_status {
    capiCall {
        guard let a else { throw nullPointer("a") }
        guard let b else { throw nullPointer("b") }
        guard let out else { throw nullPointer("out") }
        guard count > 0, count <= maxNoiseCount else { throw invalid("count \(count) is not in 1..\(maxNoiseCount)") }
        guard t.isFinite else { throw invalid("t is \(t), not a finite number") }
        // Copies first, so out may alias a or b.
        let result = Slerp.interpolate(Array(UnsafeBufferPointer(start: a, count: count)),
                                       Array(UnsafeBufferPointer(start: b, count: count)), t: t)
        out.update(from: result, count: count)
    }
}
