import CSDSwift
import SDPipeline

/// Limits every generation is checked against before the engine sees it.
enum Limits {
    static let maxSide = 4096
    static let maxSteps = 1000
    static let maxGuidance: Float = 100
    static let maxBatch = 64
    static let maxMaskRadius = 256
}

/// The sampler names in sdswift_sampler order.
private let samplerEnumNames = ["euler", "euler_a", "ddim", "dpmpp_2m", "lcm"]

func defaultGenerateParams() -> sdswift_generate_params {
    var p = sdswift_generate_params()
    let r = GenerationRequest(), o = InpaintOptions()
    p.struct_size = MemoryLayout<sdswift_generate_params>.stride
    p.prompt = nil
    p.negative_prompt = nil
    p.width = Int32(r.width)
    p.height = Int32(r.height)
    p.steps = Int32(r.steps)
    p.guidance = r.guidanceScale
    p.sampler = SDSWIFT_SAMPLER_EULER
    p.sampler_name = nil
    p.karras = r.karras ? 1 : 0
    p.seed = r.seed
    p.random_seed = 0
    p.batch_count = Int32(r.batchCount)
    p.clip_skip = Int32(r.clipSkip)
    p.strength = 0.75
    p.initial_noise = nil
    p.initial_noise_count = 0
    p.mask_feather = Int32(o.featherRadius)
    p.mask_grow = Int32(o.grow)
    p.only_masked = o.onlyMasked ? 1 : 0
    p.only_masked_padding = Int32(o.padding)
    p.outpaint_overlap = Int32(o.overlap)
    p.prompt_parts = nil
    p.prompt_part_count = 0
    p.prompt_mix = SDSWIFT_PROMPT_MIX_COMPOSABLE
    p.use_variation_seed = 0
    p.variation_seed = 0
    p.variation_strength = 0
    p.vae_tiling = SDSWIFT_VAE_TILING_AUTO
    p.rng = SDSWIFT_RNG_CPU
    return p
}

@_cdecl("sdswift_generate_params_init")
public func capiGenerateParamsInit(_ p: UnsafeMutablePointer<sdswift_generate_params>?) {
    p?.pointee = defaultGenerateParams()
}

/// Which generation function is running, with its already copied and checked images.
enum CMode {
    case txt2img
    case img2img(Image8)
    case inpaint(Image8, mask: Image8)
    case outpaint(Image8)
}

/// Builds the engine request from the caller's params, checking every field first.
func makeRequest(_ p: sdswift_generate_params, mode: CMode, model: ModelBox) throws -> GenerationRequest {
    let config = model.pipeline.config
    let factor = max(1, config.vae.downscale)
    var r = GenerationRequest()

    r.prompt = try utf8(p.prompt, "prompt")
    r.negativePrompt = try utf8(p.negative_prompt, "negative_prompt")
    try readPromptMix(p, into: &r)
    switch p.vae_tiling {
    case SDSWIFT_VAE_TILING_AUTO: r.vaeTiling = .auto
    case SDSWIFT_VAE_TILING_ON: r.vaeTiling = .on
    case SDSWIFT_VAE_TILING_OFF: r.vaeTiling = .off
    default: throw invalid("vae_tiling \(Int32(bitPattern: p.vae_tiling.rawValue)) is not an sdswift_vae_tiling")
    }
    r.rng = try randomSource(p.rng)

    guard (1...Limits.maxSteps).contains(Int(p.steps)) else { throw invalid("steps \(p.steps) is not in 1..\(Limits.maxSteps)") }
    r.steps = Int(p.steps)
    guard p.guidance.isFinite, p.guidance >= 0, p.guidance <= Limits.maxGuidance else {
        throw invalid("guidance \(p.guidance) is not a number in 0..\(Limits.maxGuidance)")
    }
    r.guidanceScale = p.guidance

    if let name = p.sampler_name {
        let s = try utf8(name, "sampler_name")
        guard StableDiffusionPipeline.supportedSamplers.contains(s) else {
            throw invalid("unknown sampler '\(s)'; known: \(StableDiffusionPipeline.supportedSamplers.joined(separator: ", "))")
        }
        r.sampler = s
    } else {
        let i = Int(p.sampler.rawValue)
        guard i >= 0, i < samplerEnumNames.count else { throw invalid("sampler \(Int32(bitPattern: p.sampler.rawValue)) is not an sdswift_sampler") }
        r.sampler = samplerEnumNames[i]
    }
    r.karras = p.karras != 0

    guard (1...Limits.maxBatch).contains(Int(p.batch_count)) else {
        throw invalid("batch_count \(p.batch_count) is not in 1..\(Limits.maxBatch)")
    }
    r.batchCount = Int(p.batch_count)
    r.seed = p.random_seed != 0 ? UInt64.random(in: 0..<(1 << 32)) : p.seed
    guard p.clip_skip >= 1, Int(p.clip_skip) <= config.text.numLayers else {
        throw invalid("clip_skip \(p.clip_skip) is not in 1..\(config.text.numLayers) (the text encoder's layers)")
    }
    r.clipSkip = Int(p.clip_skip)

    let options = try inpaintOptions(p)
    var outW: Int, outH: Int
    switch mode {
    case .txt2img:
        outW = Int(p.width); outH = Int(p.height)
        try checkSize(outW, outH, factor: factor, what: "width x height")
        r.mode = .textToImage
    case .img2img(let image):
        outW = image.width; outH = image.height
        r.mode = .imageToImage(image: image, strength: try strength(p))
    case .inpaint(let image, let mask):
        guard mask.width == image.width, mask.height == image.height else {
            throw CAPIError(SDSWIFT_MASK_SIZE_MISMATCH,
                            "mask is \(mask.width)x\(mask.height) but image is \(image.width)x\(image.height)")
        }
        outW = image.width; outH = image.height
        r.mode = .inpaint(image: image, mask: mask.gray(), strength: try strength(p), options: options)
    case .outpaint(let image):
        let e = [p.extend_left, p.extend_top, p.extend_right, p.extend_bottom].map(Int.init)
        guard e.allSatisfy({ (0...Limits.maxSide).contains($0) }) else {
            throw invalid("extend_left/top/right/bottom (\(e)) must each be in 0..\(Limits.maxSide)")
        }
        guard e.contains(where: { $0 > 0 }) else { throw invalid("outpainting needs at least one positive extend_* value") }
        outW = image.width + e[0] + e[2]; outH = image.height + e[1] + e[3]
        guard outW <= Limits.maxSide, outH <= Limits.maxSide else {
            throw CAPIError(SDSWIFT_BAD_IMAGE_SIZE, "the extended image would be \(outW)x\(outH); at most \(Limits.maxSide) a side")
        }
        r.mode = .outpaint(image: image, extend: Extents(left: e[0], top: e[1], right: e[2], bottom: e[3]),
                           options: options)
    }
    r.width = outW
    r.height = outH

    r.initialNoise = try initialNoise(p, width: outW, height: outH, channels: config.vae.latentChannels,
                                      factor: factor, batch: r.batchCount)
    return r
}

/// prompt_parts, prompt_mix and the variation seed (fields of version 0.2).
private func readPromptMix(_ p: sdswift_generate_params, into r: inout GenerationRequest) throws {
    switch p.prompt_mix {
    case SDSWIFT_PROMPT_MIX_COMPOSABLE: r.promptMix = .composable
    case SDSWIFT_PROMPT_MIX_BLEND: r.promptMix = .blend
    default: throw invalid("prompt_mix \(Int32(bitPattern: p.prompt_mix.rawValue)) is not an sdswift_prompt_mix")
    }
    if p.prompt_part_count > 0 {
        guard p.prompt_part_count <= 16 else { throw invalid("prompt_part_count \(p.prompt_part_count) is not in 0..16") }
        guard let parts = p.prompt_parts else { throw nullPointer("prompt_parts (with prompt_part_count > 0)") }
        r.promptParts = try (0..<p.prompt_part_count).map { i in
            let part = parts[i]
            guard part.weight.isFinite else { throw invalid("prompt_parts[\(i)].weight is \(part.weight), not a finite number") }
            return WeightedPrompt(try utf8(part.text, "prompt_parts[\(i)].text"), weight: part.weight)
        }
        if r.promptMix == .blend {
            let sum = r.promptParts!.reduce(Float(0)) { $0 + $1.weight }
            guard sum.isFinite, sum > 0 else { throw invalid("blended prompt_parts weights add up to \(sum); they must add up to a positive number") }
        }
    }
    if p.use_variation_seed != 0 {
        guard p.variation_strength.isFinite, (0...1).contains(p.variation_strength) else {
            throw invalid("variation_strength \(p.variation_strength) is not in [0, 1]")
        }
        r.variationSeed = p.variation_seed
        r.variationStrength = p.variation_strength
    }
}

/// An sdswift_rng value as the engine's RandomSource.
func randomSource(_ rng: sdswift_rng) throws -> RandomSource {
    switch rng {
    case SDSWIFT_RNG_CPU: return .cpu
    case SDSWIFT_RNG_PHILOX: return .philox
    default: throw invalid("rng \(Int32(bitPattern: rng.rawValue)) is not an sdswift_rng")
    }
}

private func utf8(_ s: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let s else { return "" }
    guard let v = String(validatingCString: s) else { throw invalid("\(name) is not valid UTF-8") }
    return v
}

private func checkSize(_ w: Int, _ h: Int, factor: Int, what: String) throws {
    guard w > 0, h > 0, w <= Limits.maxSide, h <= Limits.maxSide, w % factor == 0, h % factor == 0 else {
        throw CAPIError(SDSWIFT_BAD_IMAGE_SIZE, "\(what) is \(w)x\(h); each side must be a positive multiple of "
                        + "\(factor) (the model's downscale factor), at most \(Limits.maxSide)")
    }
}

private func strength(_ p: sdswift_generate_params) throws -> Float {
    guard p.strength.isFinite, p.strength >= 0, p.strength <= 1 else {
        throw invalid("strength \(p.strength) is not in [0, 1]")
    }
    return p.strength
}

private func inpaintOptions(_ p: sdswift_generate_params) throws -> InpaintOptions {
    let r = Limits.maxMaskRadius, side = Limits.maxSide
    guard (0...r).contains(Int(p.mask_feather)) else { throw invalid("mask_feather \(p.mask_feather) is not in 0..\(r)") }
    guard (-r...r).contains(Int(p.mask_grow)) else { throw invalid("mask_grow \(p.mask_grow) is not in -\(r)..\(r)") }
    guard (0...side).contains(Int(p.only_masked_padding)) else {
        throw invalid("only_masked_padding \(p.only_masked_padding) is not in 0..\(side)")
    }
    guard (0...side).contains(Int(p.outpaint_overlap)) else {
        throw invalid("outpaint_overlap \(p.outpaint_overlap) is not in 0..\(side)")
    }
    var o = InpaintOptions()
    o.featherRadius = Int(p.mask_feather)
    o.grow = Int(p.mask_grow)
    o.onlyMasked = p.only_masked != 0
    o.padding = Int(p.only_masked_padding)
    o.overlap = Int(p.outpaint_overlap)
    return o
}

/// A copy of the caller's noise, whose length must be batch x C x ceil(H/f) x ceil(W/f) (image modes pad
/// the canvas to multiples of f). With only_masked the engine works on a crop and checks the length
/// itself.
private func initialNoise(_ p: sdswift_generate_params, width: Int, height: Int, channels: Int,
                          factor: Int, batch: Int) throws -> [Float]? {
    guard p.initial_noise != nil || p.initial_noise_count != 0 else { return nil }
    guard let src = p.initial_noise else { throw nullPointer("initial_noise (with initial_noise_count > 0)") }
    let lh = (height + factor - 1) / factor, lw = (width + factor - 1) / factor
    let expected = batch * channels * lh * lw  // bounded: 64 * C * 4096 * 4096
    let count = p.initial_noise_count
    if p.only_masked == 0 {
        guard count == expected else {
            throw invalid("initial_noise_count is \(count), expected batch_count x \(channels) x \(lh) x \(lw) = \(expected)")
        }
    } else {
        let most = batch * channels * (Limits.maxSide / factor) * (Limits.maxSide / factor)
        guard count > 0, count <= most else { throw invalid("initial_noise_count \(count) is not in 1..\(most)") }
    }
    let values = Array(UnsafeBufferPointer(start: src, count: count))
    if let i = values.firstIndex(where: { !$0.isFinite }) { throw invalid("initial_noise[\(i)] is \(values[i]), not a finite number") }
    return values
}
