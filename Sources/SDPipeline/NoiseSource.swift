/// Where the random normal values of a generation come from, in the order the reference
/// pipelines draw them from their generator (posterior samples, starting noise, per-step noise).
public protocol NoiseSource: AnyObject {
    func next(_ count: Int) -> [Float]
}

/// The default: PyTorch's CPU generator for a seed, so seeds mean what they mean in diffusers.
public final class SeededNoise: NoiseSource {
    let generator: TorchCPUGenerator
    public init(seed: UInt64) { generator = TorchCPUGenerator(seed: seed) }
    public func next(_ count: Int) -> [Float] { generator.randn(count) }
}

/// AUTOMATIC1111's "NV" source (torch.randn on CUDA, see PhiloxGenerator): every draw continues the
/// same generator with the offset moved on by one, as A1111's rng_philox Generator.randn does, so the
/// starting noise is draw 0 and the per-step noise of ancestral samplers draws 1, 2, ...
public final class PhiloxNoise: NoiseSource {
    let generator: PhiloxGenerator
    public init(seed: UInt64) { generator = PhiloxGenerator(seed: seed) }
    public func next(_ count: Int) -> [Float] { generator.randn(count) }
}

/// Which generator turns a seed into noise.
public enum RandomSource: String, Sendable, CaseIterable {
    /// PyTorch's CPU generator (diffusers scripts with a CPU generator; A1111's "CPU" source).
    case cpu
    /// PyTorch's CUDA generator (Philox4x32-10): A1111's default "GPU" source and, bit for bit, its "NV".
    case philox

    public func noise(seed: UInt64) -> NoiseSource {
        switch self {
        case .cpu: return SeededNoise(seed: seed)
        case .philox: return PhiloxNoise(seed: seed)
        }
    }
}

/// A fixed sequence of noise tensors (reference fixtures, caller-given noise), then a fallback.
public final class RecordedNoise: NoiseSource {
    private var queue: [[Float]]
    private let fallback: NoiseSource?
    public init(_ tensors: [[Float]], then fallback: NoiseSource? = nil) {
        queue = tensors
        self.fallback = fallback
    }
    public func next(_ count: Int) -> [Float] {
        if !queue.isEmpty {
            let t = queue.removeFirst()
            precondition(t.count == count, "RecordedNoise: expected \(count) values, have \(t.count)")
            return t
        }
        guard let fallback else { preconditionFailure("RecordedNoise: ran out of noise") }
        return fallback.next(count)
    }
}
