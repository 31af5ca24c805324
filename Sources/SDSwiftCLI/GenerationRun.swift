import Foundation
import SDCheckpoint
import SDKernels
import SDPipeline

/// What every generating subcommand does once its inputs are read: find and check the model and the
/// output paths, load, generate (one engine call), write. Everything that can be checked without the
/// model is checked before it is loaded.
struct GenerationRun {
    var options: GenerationOptions
    /// Reads the inputs (called after the model path is checked, before the model is loaded).
    var mode: () throws -> GenerationMode
    /// txt2img's --width/--height (nil: the model's native size). Image modes use the input's size.
    var size: (width: Int?, height: Int?) = (nil, nil)

    func run() throws {
        let modelPath = try ModelLocation.resolve(options.modelOptions.model)
        let mode = try self.mode()
        let seed = options.resolvedSeed()
        let seeds = (0..<options.batch).map { seed &+ UInt64($0) }
        let outputs = try OutputFiles(template: options.output, seeds: seeds)
        BLAS.threads = options.sampling.threads ?? ProcessInfo.processInfo.activeProcessorCount

        let checkpoint = try ModelLoading.open(modelPath, predictionType: options.modelOptions.predictionType?.predictionType)
        var request = GenerationRequest()
        try options.sampling.apply(to: &request, config: checkpoint.config)
        request.mode = mode
        request.prompt = options.prompt
        request.seed = seed
        request.batchCount = options.batch
        request.promptMix = options.mix.mode
        request.variationSeed = options.variationSeed
        request.variationStrength = options.variationSeed == nil ? 0 : options.variationStrength ?? 0.5
        if case .textToImage = mode {
            let native = NativeSize.of(path: modelPath, config: checkpoint.config)
            request.width = size.width ?? native.width
            request.height = size.height ?? native.height
            try Self.checkTextToImageSize(width: request.width, height: request.height, factor: checkpoint.config.vae.downscale)
        }
        let pipeline = try ModelLoading.pipeline(checkpoint, model: options.modelOptions, lora: options.lora)

        let bar = ProgressBar(enabled: !options.sampling.quiet, batch: options.batch)
        let result: GenerationResult
        do {
            result = try pipeline.generate(request, cancel: Interrupt.token, progress: bar.update)
        } catch PipelineError.cancelled {
            bar.abandon()
            throw CLIFailure.cancelled
        } catch {
            bar.abandon()
            throw CLIFailure.general("\(error)")
        }
        bar.finish(images: result.images.count)
        if Interrupt.token.isCancelled { throw CLIFailure.cancelled }
        try outputs.write(result)
        if !options.sampling.quiet {
            for (path, seed) in zip(outputs.paths, result.seeds) {
                print("\(path)  (seed \(seed), \(result.images[0].width)x\(result.images[0].height))")
            }
        }
    }

    /// Multiples of 8 (A1111's rule, and what real SD VAEs need) and of the model's own VAE factor.
    static func checkTextToImageSize(width: Int, height: Int, factor: Int = 8) throws {
        let step = max(8, factor)
        guard width >= step, height >= step, width <= StableDiffusionPipeline.maxSide,
              height <= StableDiffusionPipeline.maxSide, width % step == 0, height % step == 0 else {
            throw CLIFailure.usage("size \(width)x\(height) is not allowed: width and height must be multiples of \(step) "
                + "from \(step) to \(StableDiffusionPipeline.maxSide)")
        }
    }
}

/// Loading, with every failure reported as a model file problem (exit status 3).
enum ModelLoading {
    static func open(_ path: String, predictionType: PredictionType?) throws -> Checkpoint {
        do {
            return try Checkpoint.open(path: path, predictionType: predictionType)
        } catch {
            throw CLIFailure.model("\(error)")
        }
    }

    /// The model with the --vae/--taesd files and the --lora options applied (their files checked first).
    static func pipeline(_ checkpoint: Checkpoint, model: ModelOptions, lora: LoRAOptions) throws -> StableDiffusionPipeline {
        try model.files.checkFiles()
        try lora.checkFiles()
        let pipeline = try self.pipeline(checkpoint, options: model.files.loadOptions)
        try lora.apply(to: pipeline)
        return pipeline
    }

    static func pipeline(_ checkpoint: Checkpoint, options: LoadOptions = LoadOptions()) throws -> StableDiffusionPipeline {
        do {
            let pipeline = try StableDiffusionPipeline(checkpoint: checkpoint, options: options)
            pipeline.modelName = URL(fileURLWithPath: checkpoint.path).deletingPathExtension().lastPathComponent
            return pipeline
        } catch {
            throw CLIFailure.model("cannot load \(checkpoint.path): \(error)")
        }
    }
}
