import Foundation
import SDCheckpoint
import SDModels
import SDSchedulers
import SDTensor

extension StableDiffusionPipeline {
    /// Largest image side accepted (pixels); larger requests are refused before any work.
    public static let maxSide = 4096

    /// `generate` (LoRAPipeline.swift) with the request's LoRAs already in force.
    func generateWithCurrentWeights(_ request: GenerationRequest, cancel: CancelToken? = nil,
                         progress: ((ProgressEvent) -> Bool)? = nil,
                         noiseFor: ((Int) -> NoiseSource)? = nil) throws -> GenerationResult {
        guard let sampler = SamplerKind(rawValue: request.sampler) else {
            throw PipelineError.invalidArgument("unknown sampler '\(request.sampler)' (known: \(Self.supportedSamplers.joined(separator: ", ")))")
        }
        guard request.steps >= 1 && request.steps <= 1000 else { throw PipelineError.invalidArgument("steps must be 1...1000, got \(request.steps)") }
        guard request.guidanceScale.isFinite, request.guidanceScale >= 0, request.guidanceScale <= 100 else {
            throw PipelineError.invalidArgument("guidance scale must be a number in 0...100")
        }
        guard request.batchCount >= 1 && request.batchCount <= 64 else { throw PipelineError.invalidArgument("batch count must be 1...64") }
        guard request.clipSkip >= 1 && request.clipSkip <= config.text.numLayers else {
            throw PipelineError.invalidArgument("clip skip must be 1...\(config.text.numLayers)")
        }
        guard request.vaeTileLatents >= 4 && request.vaeTileLatents <= 1024 else {
            throw PipelineError.invalidArgument("VAE tile size must be 4...1024 latent pixels, got \(request.vaeTileLatents)")
        }
        guard request.variationStrength.isFinite, (0...1).contains(request.variationStrength) else {
            throw PipelineError.invalidArgument("variation strength must be in 0...1, got \(request.variationStrength)")
        }
        let parts = request.resolvedPromptParts
        guard !parts.isEmpty, parts.count <= 16 else { throw PipelineError.invalidArgument("1...16 prompts can be mixed, got \(parts.count)") }
        guard parts.allSatisfy({ $0.weight.isFinite }) else { throw PipelineError.invalidArgument("prompt weights must be finite numbers") }
        let plan = try EditPlan(request: request, downscale: downscale, nativeSide: max(nativeSize.width, nativeSize.height))
        if !plan.returnsInputUnchanged {
            try MemoryLimit.check(MemoryEstimate.peakBytes(config: config, width: plan.job.width, height: plan.job.height,
                                                           unetBatch: Self.unetBatch(request, parts: parts.count),
                                                           vaeTile: decodesInTiles(request, plan: plan) ? request.vaeTileLatents : nil),
                                  width: plan.job.width, height: plan.job.height)
        }
        let settings = DenoiseSettings(steps: request.steps, guidance: request.guidanceScale, sampler: sampler,
                                       karras: request.karras, previews: request.previews && progress != nil,
                                       vaeTiling: request.vaeTiling, vaeTileLatents: request.vaeTileLatents)
        let lc = config.vae.latentChannels
        let latentCount = lc * (plan.job.height / downscale) * (plan.job.width / downscale)
        if let given = request.initialNoise, given.count != latentCount * request.batchCount {
            throw PipelineError.invalidArgument("initial noise has \(given.count) values, expected \(latentCount * request.batchCount) (batch x \(lc) x \(plan.job.height / downscale) x \(plan.job.width / downscale))")
        }

        var images: [Image8] = [], seeds: [UInt64] = [], parameters: [String] = []
        var conditioning: Conditioning? = nil  // the same prompts for every image: encoded once
        for index in 0..<request.batchCount {
            let seed = request.seed &+ UInt64(index)
            func report(_ stage: Stage, _ step: Int, _ total: Int, _ preview: Image8? = nil) throws {
                if cancel?.isCancelled == true { throw PipelineError.cancelled }
                if let progress, !progress(ProgressEvent(stage: stage, step: step, total: total, imageIndex: index,
                                                         preview: preview)) {
                    throw PipelineError.cancelled
                }
            }
            if plan.returnsInputUnchanged {
                images.append(plan.original!.rgb())
            } else {
                if conditioning == nil {
                    try report(.textEncode, 0, 1)
                    conditioning = try encodeConditioning(parts: parts, mode: request.promptMix, negative: request.negativePrompt,
                                                          guidance: request.guidanceScale, clipSkip: request.clipSkip)
                    releaseWeightPages(.text)
                    try report(.textEncode, 1, 1)
                }
                let noise: NoiseSource
                if let given = noiseFor?(index) {
                    noise = given
                } else if let variation = request.variationSeed {
                    noise = SlerpNoise(seed: seed, seed: variation &+ UInt64(index), t: request.variationStrength,
                                       source: request.rng)
                } else {
                    noise = request.rng.noise(seed: seed)
                }
                let initial = request.initialNoise.map { Array($0[(index * latentCount)..<((index + 1) * latentCount)]) }
                let (latents, decoded) = try denoise(plan.job, conditioning: conditioning!, settings: settings, noise: noise,
                                                     initialNoise: initial, report: report)
                try NonFiniteCheck.outputs(latents: latents, image: decoded)
                images.append(plan.finish(ImageTensor.image(from: decoded)))
            }
            seeds.append(seed)
            parameters.append(parametersText(request, seed: seed, size: (images.last!.width, images.last!.height)))
        }
        return GenerationResult(images: images, seeds: seeds, parameters: parameters)
    }

    /// Whether the final decode will run in tiles (the rule of decodeFinal).
    func decodesInTiles(_ r: GenerationRequest, plan: EditPlan) -> Bool {
        r.vaeTiling.applies(height: plan.job.height / downscale, width: plan.job.width / downscale, tile: r.vaeTileLatents)
    }

    /// Rows of each UNet call: [uncond?] + one per composable prompt, or [uncond?] + the blend.
    static func unetBatch(_ r: GenerationRequest, parts: Int) -> Int {
        let guided = r.guidanceScale > 1
        switch r.promptMix {
        case .composable: return parts > 1 ? parts + 1 : (guided ? 2 : 1)
        case .blend: return guided ? 2 : 1
        }
    }

    /// AUTOMATIC1111's generation-parameters text (what its PNG Info tab reads).
    func parametersText(_ r: GenerationRequest, seed: UInt64, size: (Int, Int)) -> String {
        let samplerNames = ["euler": "Euler", "euler_a": "Euler a", "ddim": "DDIM", "dpmpp_2m": "DPM++ 2M", "lcm": "LCM"]
        var text = r.promptParts.map(PromptMix.text(of:)) ?? r.prompt
        if !r.negativePrompt.isEmpty { text += "\nNegative prompt: \(r.negativePrompt)" }
        var fields = ["Steps: \(r.steps)", "Sampler: \(samplerNames[r.sampler] ?? r.sampler)"]
        if r.karras { fields.append("Schedule type: Karras") }
        fields += ["CFG scale: \(r.guidanceScale)", "Seed: \(seed)"]
        if let v = r.variationSeed {
            fields += ["Variation seed: \(v &+ (seed &- r.seed))", "Variation seed strength: \(r.variationStrength)"]
        }
        fields.append("Size: \(size.0)x\(size.1)")
        if let hash = modelHash { fields.append("Model hash: \(hash)") }
        if let name = modelName { fields.append("Model: \(name)") }
        switch r.mode {
        case .textToImage: break
        case .imageToImage(_, let s): fields.append("Denoising strength: \(s)")
        case .inpaint(_, _, let s, let o): fields.append("Denoising strength: \(s)"); if o.featherRadius > 0 { fields.append("Mask blur: \(o.featherRadius)") }
        case .outpaint(_, let e, _): fields.append("Outpaint: \(e.left),\(e.top),\(e.right),\(e.bottom)")
        }
        if r.clipSkip > 1 { fields.append("Clip skip: \(r.clipSkip)") }
        if r.promptMix == .blend && r.resolvedPromptParts.count > 1 { fields.append("Prompt mix: blend") }
        // A1111 writes "RNG: <source>" unless it is its default "GPU"; "NV" is its exact CPU rendition of
        // the CUDA generator, which is what PhiloxGenerator computes.
        if r.rng == .philox { fields.append("RNG: NV") }
        fields.append("Version: sdswift")
        return text + "\n" + fields.joined(separator: ", ")
    }
}
