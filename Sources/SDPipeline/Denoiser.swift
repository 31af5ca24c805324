import SDCheckpoint
import SDKernelsC
import SDModels
import SDSchedulers
import SDTensor

/// What one image's denoising starts from: the only thing that differs between the modes.
struct DenoiseJob {
    enum Kind { case fromNoise, fromImage, inpaint }
    var kind: Kind
    /// Working canvas in pixels (multiples of the VAE factor).
    var width: Int
    var height: Int
    /// [1, 3, H, W] in [-1, 1] (image modes).
    var image: Tensor?
    /// Working-canvas mask (inpaint): 0 keep, 1 repaint.
    var mask: SoftMask?
    var strength: Float = 1
}

/// The settings shared by every image of a request.
struct DenoiseSettings {
    var steps: Int
    var guidance: Float
    var sampler: SamplerKind
    var karras: Bool
    var previews = false
    var vaeTiling = VAETiling.auto
    var vaeTileLatents = 64
}

extension StableDiffusionPipeline {
    /// The one denoising loop behind every mode. Returns the final latents (unscaled by the VAE
    /// factor, as diffusers' `latents` output) and the decoded image tensor [1, 3, H, W].
    func denoise(_ job: DenoiseJob, context: Tensor, settings: DenoiseSettings, noise: NoiseSource,
                 initialNoise: [Float]?, report: (Stage, Int, Int, Image8?) throws -> Void) throws -> (latents: Tensor, image: Tensor) {
        try denoise(job, conditioning: Conditioning(context: context), settings: settings, noise: noise,
                    initialNoise: initialNoise, report: report)
    }

    func denoise(_ job: DenoiseJob, conditioning: Conditioning, settings: DenoiseSettings, noise: NoiseSource,
                 initialNoise: [Float]?, report: (Stage, Int, Int, Image8?) throws -> Void) throws -> (latents: Tensor, image: Tensor) {
        let context = conditioning.context
        let f = downscale, lc = config.vae.latentChannels, lh = job.height / f, lw = job.width / f
        let count = lc * lh * lw
        let scaling = config.vae.scalingFactor
        var scheduler = try makeScheduler(kind: settings.sampler, karras: settings.karras, config: config.schedule,
                                          steps: settings.steps)
        var start = 0

        // A posterior sample of the VAE, scaled: diffusers' retrieve_latents(sample_mode="sample").
        func encodeSample(_ image: Tensor) throws -> [Float] {
            try report(.encode, 0, 1, nil)
            let (mean, std) = vae.encode(image)
            let eps = noise.next(count)
            var out = [Float](repeating: 0, count: count)
            for i in 0..<count { out[i] = (mean.data[i] + std.data[i] * eps[i]) * scaling }
            try report(.encode, 1, 1, nil)
            return out
        }
        func startNoise() -> [Float] { initialNoise ?? noise.next(count) }

        var latents: [Float]
        var imageLatents: [Float]? = nil, blendNoise: [Float]? = nil
        var latentMask: SoftMask? = nil, maskChannels: Tensor? = nil
        switch job.kind {
        case .fromNoise:
            latents = startNoise().map { $0 * scheduler.initNoiseSigma }
        case .fromImage:
            let clean = try encodeSample(job.image!)
            start = scheduler.startIndex(strength: job.strength)
            let n = startNoise()
            latents = start < scheduler.stepCount ? scheduler.addNoise(original: clean, noise: n, atStep: start) : clean
        case .inpaint:
            let image = job.image!, mask = job.mask!
            let fullStrength = job.strength >= 1
            start = scheduler.startIndex(strength: job.strength)
            // Same draws in the same order as diffusers' inpaint pipeline.
            if !config.isInpainting || !fullStrength { imageLatents = try encodeSample(image) }
            let n = startNoise()
            blendNoise = n
            if fullStrength || start >= scheduler.stepCount {
                latents = fullStrength ? n.map { $0 * scheduler.initNoiseSigma } : imageLatents!
            } else {
                latents = scheduler.addNoise(original: imageLatents!, noise: n, atStep: start)
            }
            let masked = image.copy()
            let plane = job.width * job.height
            for i in 0..<plane where mask.values[i] >= 0.5 { for c in 0..<3 { masked.data[c * plane + i] = 0 } }
            let maskedLatents = try encodeSample(masked)
            latentMask = mask.downsampled(by: f)
            if config.isInpainting {
                // The model's extra input: the (binarised) mask and the masked image's latents.
                let extra = Tensor([1, 1 + lc, lh, lw])
                for i in 0..<(lh * lw) { extra.data[i] = latentMask!.values[i] >= 0.5 ? 1 : 0 }
                (extra.data + lh * lw).update(from: maskedLatents, count: count)
                maskChannels = extra
            }
        }

        let total = scheduler.stepCount - start
        let batch = conditioning.rows  // every row in one UNet call per step
        let inChannels = config.unet.inChannels
        let modelInput = Tensor([batch, inChannels, lh, lw])
        var guidedOutput = [Float](repeating: 0, count: count)
        var preview: Image8? = nil  // of the latents after the last step, sent with the next event
        releaseWeightPages(.vae)  // the encoder's, when an input image was encoded
        for i in start..<scheduler.stepCount {
            try report(.denoise, i - start, total, preview)
            let divisor = scheduler.modelInputDivisor(step: i)
            for b in 0..<batch {
                let dst = modelInput.data + b * inChannels * lh * lw
                for j in 0..<count { dst[j] = latents[j] / divisor }
                if let extra = maskChannels { (dst + count).update(from: extra.data, count: extra.count) }
            }
            let t = scheduler.timesteps[i]
            let out = unet(modelInput, timesteps: [Float](repeating: t, count: batch), context: context)
            if conditioning.hasUncond {
                // uncond + sum_k (cond_k - uncond) * (weight_k * guidance), in AUTOMATIC1111's order
                guidedOutput.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: out.data, count: count) }
                for (k, weight) in conditioning.weights.enumerated() {
                    let scale = weight * settings.guidance, cond = out.data + (k + 1) * count
                    for j in 0..<count { guidedOutput[j] += (cond[j] - out.data[j]) * scale }
                }
            } else {
                guidedOutput.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: out.data, count: count) }
            }
            let stepNoise = scheduler.needsNoise(atStep: i) ? noise.next(count) : nil
            scheduler.step(modelOutput: guidedOutput, step: i, sample: &latents, noise: stepNoise)
            if settings.previews && lc == 4 {
                let next = i + 1 < scheduler.stepCount ? scheduler.modelInputDivisor(step: i + 1) : 1
                preview = previewImage(latents, width: lw, height: lh, divisor: next)  // TAESD or linear (PreviewDecoding.swift)
            }
            if let imageLatents, let latentMask, !config.isInpainting {
                // Keep the known region on the original's noise path; a soft mask value m frees its
                // pixel after a fraction (1 - m) of the steps (per-pixel strength, "differential diffusion").
                let proper = i + 1 < scheduler.stepCount
                    ? scheduler.addNoise(original: imageLatents, noise: blendNoise!, atStep: i + 1) : imageLatents
                let progress = Float(i - start) / Float(total)
                let plane = lh * lw
                for p in 0..<plane where latentMask.values[p] < 1 - progress {
                    for c in 0..<lc { latents[c * plane + p] = proper[c * plane + p] }
                }
            }
        }
        try report(.denoise, total, total, preview)
        try report(.decode, 0, 1, nil)
        releaseWeightPages(.unet)
        let final = Tensor([1, lc, lh, lw], values: latents)
        let decoded = decodeFinal(final, tiling: settings.vaeTiling, tile: settings.vaeTileLatents)  // the VAE, or TAESD with LoadOptions.fastDecode
        releaseWeightPages(.vae)
        try report(.decode, 1, 1, nil)
        return (final, decoded)
    }
}
