import ArgumentParser
import SDCheckpoint
import SDPipeline
import SDSchedulers

/// The sampling settings shared by every generating command (txt2img, img2img, inpaint, outpaint,
/// animate), with AUTOMATIC1111's defaults.
struct SamplingOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "What not to draw (the negative prompt).")
    var negative: String = ""

    @Option(help: "Sampling steps (1-1000).")
    var steps: Int = 20

    @Option(help: ArgumentHelp("Classifier-free guidance scale (0-100).", valueName: "scale"))
    var cfg: Float = 7.5

    @Option(help: ArgumentHelp("Sampler.", valueName: "name"))
    var sampler: SamplerKind = .euler

    @Flag(help: "Karras noise schedule (euler and dpmpp_2m only).")
    var karras = false

    @Option(name: .customLong("clip-skip"), help: "Stop the text encoder this many layers from the end (1 = last layer).")
    var clipSkip: Int = 1

    @Option(help: rngHelp)
    var rng: RNGChoice = .cpu

    @Option(name: .customLong("vae-tiling"),
            help: ArgumentHelp("Decode in overlapping 512 px tiles (less memory for large images): auto = above 768 px a side.", valueName: "mode"))
    var vaeTiling: TilingChoice = .auto

    @Option(help: "Threads to compute with (default: all cores).")
    var threads: Int?

    @Flag(name: [.short, .long], help: "Print nothing but errors (no progress, no file names).")
    var quiet = false

    func validate() throws {
        guard (1...1000).contains(steps) else { throw ValidationError("--steps must be 1...1000, got \(steps)") }
        guard cfg.isFinite, (0...100).contains(cfg) else { throw ValidationError("--cfg must be a number in 0...100, got \(cfg)") }
        guard clipSkip >= 1 else { throw ValidationError("--clip-skip must be at least 1, got \(clipSkip)") }
        if karras && !sampler.supportsKarras {
            throw ValidationError("--karras works only with the euler and dpmpp_2m samplers, not \(sampler.rawValue)")
        }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be 1...1024, got \(threads)") }
    }

    /// Checks what depends on the model, then sets the request's sampling fields.
    func apply(to r: inout GenerationRequest, config: ModelConfig) throws {
        guard clipSkip <= config.text.numLayers else {
            throw CLIFailure.usage("--clip-skip must be 1...\(config.text.numLayers) for this model, got \(clipSkip)")
        }
        r.negativePrompt = negative
        r.steps = steps
        r.guidanceScale = cfg
        r.sampler = sampler.rawValue
        r.karras = karras
        r.clipSkip = clipSkip
        r.rng = rng.source
        r.vaeTiling = vaeTiling.tiling
    }
}
