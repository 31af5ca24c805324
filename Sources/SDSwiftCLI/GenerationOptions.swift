import ArgumentParser
import SDCheckpoint
import SDPipeline
import SDSchedulers

extension SamplerKind: ExpressibleByArgument {}

/// --prediction-type values (the names diffusers' scheduler configs use).
enum PredictionChoice: String, CaseIterable, ExpressibleByArgument {
    case epsilon
    case v_prediction
    var predictionType: PredictionType { self == .epsilon ? .epsilon : .vPrediction }
}

/// --mix values: how the parts of an `A AND B :0.6` prompt combine (PromptMixMode).
enum MixChoice: String, CaseIterable, ExpressibleByArgument {
    case composable, blend
    var mode: PromptMixMode { self == .composable ? .composable : .blend }
}

/// --rng values: which generator turns a seed into noise (RandomSource). AUTOMATIC1111's names are
/// accepted too, in any case: CPU; GPU (its default: torch on CUDA) and NV (its exact CPU rendition of
/// it) are both the Philox generator; so are cuda and philox.
enum RNGChoice: String, CaseIterable, ExpressibleByArgument {
    case cpu, gpu
    init?(argument: String) {
        switch argument.lowercased() {
        case "cpu": self = .cpu
        case "gpu", "nv", "cuda", "philox": self = .gpu
        default: return nil
        }
    }
    var source: RandomSource { self == .cpu ? .cpu : .philox }
}

/// The --rng help text (generating subcommands and animate).
let rngHelp = ArgumentHelp("Random source of the seed's noise: cpu (PyTorch's CPU generator, as diffusers scripts use) or gpu (PyTorch's CUDA Philox generator: AUTOMATIC1111's default 'GPU' and its 'NV'; nv, cuda, philox also work).", valueName: "source")

/// --vae-tiling values.
enum TilingChoice: String, CaseIterable, ExpressibleByArgument {
    case auto, on, off
    var tiling: VAETiling { self == .auto ? .auto : self == .on ? .on : .off }
}

/// Which model to load; shared by every subcommand.
struct ModelOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .long],
            help: ArgumentHelp("A .safetensors checkpoint or a diffusers folder (default: the bundled default model).",
                               valueName: "path"))
    var model: String?

    @Option(name: .customLong("prediction-type"),
            help: "Override what the model is said to predict.")
    var predictionType: PredictionChoice?

    @OptionGroup var files: ModelFileOptions
}

/// The options every generating subcommand takes, with AUTOMATIC1111's defaults.
struct GenerationOptions: ParsableArguments {
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var lora: LoRAOptions

    @Option(name: [.short, .long], help: "What to draw.")
    var prompt: String = ""

    @OptionGroup var sampling: SamplingOptions

    // .unconditional: "--seed -1" (A1111's "random") is a value, not an option.
    @Option(parsing: .unconditional, help: "Seed, 0-18446744073709551615; -1 or absent: random. Image i of a batch uses seed+i.")
    var seed: String?

    @Option(help: "Number of images (1-64); image i uses seed+i.")
    var batch: Int = 1

    @Option(help: ArgumentHelp("How the parts of a prompt with AND combine: composable (AUTOMATIC1111's: each part guides, one batched UNet call) or blend (one prompt from the weighted mean of their embeddings).", valueName: "mode"))
    var mix: MixChoice = .composable

    @Option(name: .customLong("variation-seed"), help: "Seed travel: mix in this seed's noise (slerp) at --variation-strength.")
    var variationSeed: UInt64?

    @Option(name: .customLong("variation-strength"), help: "0 = the seed's image, 1 = the variation seed's (default 0.5 with --variation-seed).")
    var variationStrength: Float?

    @Option(name: [.short, .long],
            help: ArgumentHelp("Output PNG. {seed} and {index} (0-based) are replaced; with --batch > 1 and no placeholder, -{index} is added before the extension.",
                               valueName: "path"))
    var output: String = "sdswift-{seed}.png"

    /// The seed to use: the given one, or a random one in A1111's range.
    func resolvedSeed() -> UInt64 {
        if let seed, seed != "-1", let value = UInt64(seed) { return value }
        return UInt64.random(in: 0...UInt64(UInt32.max))
    }

    mutating func validate() throws {
        if let seed, seed != "-1", UInt64(seed) == nil {
            throw ValidationError("--seed must be a whole number from 0 to \(UInt64.max), or -1 for random; got '\(seed)'")
        }
        guard (1...64).contains(batch) else { throw ValidationError("--batch must be 1...64, got \(batch)") }
        if let v = variationStrength {
            guard variationSeed != nil else { throw ValidationError("--variation-strength needs --variation-seed") }
            guard v.isFinite, (0...1).contains(v) else { throw ValidationError("--variation-strength must be in 0...1, got \(v)") }
        }
        guard !output.isEmpty else { throw ValidationError("--output must not be empty") }
    }
}

/// Validates a strength option's value.
func checkStrength(_ s: Float) throws {
    guard s.isFinite, (0...1).contains(s) else { throw ValidationError("--strength must be in 0...1, got \(s)") }
}
