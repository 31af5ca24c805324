// What `sdswift info` prints about a checkpoint.

public struct CheckpointSummary: Sendable, CustomStringConvertible {
    public let path: String
    public let family: ModelFamily
    public let layout: CheckpointLayout
    /// The dtype holding the most parameters over all three components.
    public let dominantDType: SafeTensorsDType
    public let textParameters: Int
    public let unetParameters: Int
    public let vaeParameters: Int
    public let isInpainting: Bool
    public let predictionType: PredictionType

    init(path: String, config: ModelConfig, components: [(MappedWeightSource, [ExpectedTensor])]) {
        self.path = path
        family = config.family
        layout = config.layout
        isInpainting = config.isInpainting
        predictionType = config.schedule.predictionType
        let counts = components.map { $0.1.reduce(0) { $0 + $1.elementCount } }
        textParameters = counts[0]
        unetParameters = counts[1]
        vaeParameters = counts[2]
        var byType: [SafeTensorsDType: Int] = [:]
        for (source, expected) in components {
            for tensor in expected { byType[source.dtype(of: tensor.name) ?? .f32, default: 0] += tensor.elementCount }
        }
        dominantDType = byType.max { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }?.key ?? .f32
    }

    public var description: String {
        func millions(_ n: Int) -> String {
            n >= 1_000_000 ? "\(n / 1_000_000).\((n % 1_000_000) / 100_000)M" : "\(n)"
        }
        return """
        checkpoint:   \(path)
        family:       \(family.rawValue)
        layout:       \(layout.rawValue)
        dtype:        \(dominantDType.rawValue)
        parameters:   text encoder \(millions(textParameters)), UNet \(millions(unetParameters)), VAE \(millions(vaeParameters))
        inpainting:   \(isInpainting ? "yes" : "no")
        prediction:   \(predictionType.rawValue)
        """
    }
}
