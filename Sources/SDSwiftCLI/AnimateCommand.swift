import ArgumentParser
import Foundation
import SDKernels
import SDPipeline
import SDSchedulers

/// `sdswift animate`: frames walking from one prompt (and seed) to another, as numbered PNGs and one
/// animated GIF. See AnimationRequest for how a frame is made.
struct AnimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "animate",
        abstract: "Morph between prompts and seeds: numbered PNG frames and an animated GIF.",
        discussion: """
        Frame i of N blends the text embeddings of the keyframes around position i/(N-1) and starts from
        the slerp of the two seeds' noise there, so the first and last frames are the plain txt2img images
        of the first and last prompts with --seed-from and --seed-to. --strength S makes every later frame
        an img2img pass over the previous one (less flicker, more drift).
        Example: sdswift animate --from "a red circle" --to "a blue square" --frames 8 -o frame-{frame}.png
        """)

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var lora: LoRAOptions

    @OptionGroup var sampling: SamplingOptions

    @Option(help: "The first prompt.")
    var from: String?

    @Option(help: "The last prompt.")
    var to: String?

    @Option(name: .customLong("keyframe"), help: "A prompt to pass through, in order (repeatable; instead of --from/--to).")
    var keyframes: [String] = []

    @Option(name: .customLong("seed-from"), parsing: .unconditional, help: "Seed of the first frame (-1 or absent: random).")
    var seedFrom: String?

    @Option(name: .customLong("seed-to"), parsing: .unconditional, help: "Seed of the last frame (default: --seed-from).")
    var seedTo: String?

    @Option(help: "Number of frames (2-10000).")
    var frames: Int = 8

    @Option(help: "Chain frames: each frame after the first is img2img of the previous one at this strength (0-1].")
    var strength: Float?

    @Option(help: "Width in pixels, a multiple of 8 (default: the model's native size).")
    var width: Int?

    @Option(help: "Height in pixels, a multiple of 8 (default: the model's native size).")
    var height: Int?

    @Option(name: [.short, .long], help: ArgumentHelp("Frame PNGs; {frame} (0-based, zero-padded) is replaced.", valueName: "path"))
    var output: String = "frame-{frame}.png"

    @Option(help: ArgumentHelp("The animated GIF ('' for none).", valueName: "path"))
    var animation: String = "animation.gif"

    @Option(help: "Frames per second of the GIF.")
    var fps: Double = 8

    var prompts: [String] { keyframes.isEmpty ? [from, to].compactMap { $0 } : keyframes }

    func validate() throws {
        if !keyframes.isEmpty && (from != nil || to != nil) { throw ValidationError("give --keyframe or --from/--to, not both") }
        guard prompts.count >= 2 else { throw ValidationError("give --from and --to (or two or more --keyframe)") }
        for (name, seed) in [("--seed-from", seedFrom), ("--seed-to", seedTo)] {
            if let seed, seed != "-1", UInt64(seed) == nil {
                throw ValidationError("\(name) must be a whole number from 0 to \(UInt64.max), or -1 for random; got '\(seed)'")
            }
        }
        guard (2...10_000).contains(frames) else { throw ValidationError("--frames must be 2...10000, got \(frames)") }
        if let strength, !(strength.isFinite && strength > 0 && strength <= 1) {
            throw ValidationError("--strength must be in (0, 1], got \(strength)")
        }
        guard fps.isFinite, fps > 0, fps <= 100 else { throw ValidationError("--fps must be in (0, 100], got \(fps)") }
        guard output.contains("{frame}") else { throw ValidationError("--output must contain {frame}, got '\(output)'") }
        if width != nil || height != nil {
            do { try GenerationRun.checkTextToImageSize(width: width ?? height!, height: height ?? width!) } catch let f as CLIFailure {
                throw ValidationError(f.message)
            }
        }
    }

    func run() throws {
        let modelPath = try ModelLocation.resolve(modelOptions.model)
        func seed(_ text: String?) -> UInt64? {
            guard let text, text != "-1" else { return nil }
            return UInt64(text)
        }
        let first = seed(seedFrom) ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let last = seed(seedTo) ?? first
        let digits = String(frames - 1).count
        let paths = (0..<frames).map { output.replacingOccurrences(of: "{frame}", with: String(format: "%0\(digits)d", $0)) }
        for path in paths + (animation.isEmpty ? [] : [animation]) { try OutputFiles.checkWritable(path) }
        BLAS.threads = sampling.threads ?? ProcessInfo.processInfo.activeProcessorCount

        let checkpoint = try ModelLoading.open(modelPath, predictionType: modelOptions.predictionType?.predictionType)
        var request = AnimationRequest()
        try sampling.apply(to: &request.base, config: checkpoint.config)
        request.keyframes = prompts
        request.seedFrom = first
        request.seedTo = last
        request.frames = frames
        request.chainStrength = strength
        let native = NativeSize.of(path: modelPath, config: checkpoint.config)
        request.base.width = width ?? native.width
        request.base.height = height ?? native.height
        try GenerationRun.checkTextToImageSize(width: request.base.width, height: request.base.height,
                                               factor: checkpoint.config.vae.downscale)
        let pipeline = try ModelLoading.pipeline(checkpoint, model: modelOptions, lora: lora)

        let bar = ProgressBar(enabled: !sampling.quiet, batch: frames, unit: "frame")
        var images: [Image8] = []
        do {
            try pipeline.animate(request, cancel: Interrupt.token, progress: bar.update) { index, image, parameters in
                do {
                    try PNG.write(image, path: paths[index], text: [("parameters", parameters)])
                } catch {
                    throw CLIFailure.general("cannot write \(paths[index]): \(error)")
                }
                images.append(image)
            }
        } catch PipelineError.cancelled {
            bar.abandon()
            throw CLIFailure.cancelled
        } catch let failure as CLIFailure {
            bar.abandon()
            throw failure
        } catch {
            bar.abandon()
            throw CLIFailure.general("\(error)")
        }
        bar.finish(images: images.count)
        if !animation.isEmpty {
            do {
                try AnimatedGIF.write(images, to: animation, delayCentiseconds: Int((100 / fps).rounded()))
            } catch {
                throw CLIFailure.general("\(error)")
            }
        }
        if !sampling.quiet {
            print("\(paths.first!) ... \(paths.last!)  (\(frames) frames, seeds \(first) -> \(last), \(images[0].width)x\(images[0].height))")
            if !animation.isEmpty { print(animation) }
        }
    }
}
