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
