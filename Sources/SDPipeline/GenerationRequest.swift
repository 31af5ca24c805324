import SDCheckpoint

/// How far to extend the canvas on each side (outpainting), in pixels.
public struct Extents: Equatable, Sendable {
    public var left = 0, top = 0, right = 0, bottom = 0
    public init(left: Int = 0, top: Int = 0, right: Int = 0, bottom: Int = 0) {
        self.left = left; self.top = top; self.right = right; self.bottom = bottom
    }
}

/// Mask handling for inpainting and outpainting.
public struct InpaintOptions: Equatable, Sendable {
    /// Blur radius applied to the mask, in pixels (0: as given). Soft values are honoured either way.
    public var featherRadius = 0
    /// Grow (> 0) or shrink (< 0) the mask, in pixels, before feathering.
    public var grow = 0
    /// Work only on the mask's bounding box plus `padding`, scaled so its longer side is
    /// `onlyMaskedSize` (0: the model's native size), then scaled back and pasted in.
    public var onlyMasked = false
    public var padding = 32
    public var onlyMaskedSize = 0
    /// Outpainting: how far the regenerated band reaches into the original image, in pixels.
    public var overlap = 32
    public init() {}
}

public enum GenerationMode: Sendable {
    case textToImage
    case imageToImage(image: Image8, strength: Float)
    /// mask: same size as image, 1 channel (or the first channel is used); 0 keep, 255 repaint.
    case inpaint(image: Image8, mask: Image8, strength: Float, options: InpaintOptions)
    case outpaint(image: Image8, extend: Extents, options: InpaintOptions)
}

/// Everything one generation needs. Defaults are AUTOMATIC1111's.
public struct GenerationRequest: Sendable {
    public var mode = GenerationMode.textToImage
    public var prompt = ""
    public var negativePrompt = ""
    /// Output size for text-to-image (multiples of the VAE factor, 8 for real models).
    /// Image modes take the size from the input image.
    public var width = 512
    public var height = 512
    public var steps = 20
    public var guidanceScale: Float = 7.5
    public var sampler = "euler"
    public var karras = false
    public var seed: UInt64 = 0
    /// Images made one after another; image i uses seed + i.
    public var batchCount = 1
    public var clipSkip = 1
    /// Caller-given starting noise: batchCount x latentChannels x (height/f) x (width/f) standard
    /// normal values (replaces the seed's initial noise; per-step noise still comes from the seed).
    public var initialNoise: [Float]? = nil
    /// Progress events of the denoising steps carry a preview (see ProgressEvent.preview).
    public var previews = false
    /// LoRAs for this request only, on top of the model's (setLoRAs) and the prompt's <lora:name:w> tags.
    public var loras: [LoRAUse] = []
    /// Several prompts with weights, replacing `prompt` when set. Otherwise `prompt` is read with
    /// AUTOMATIC1111's `AND` syntax (PromptMix.parse); a prompt without `AND` is one part.
    public var promptParts: [WeightedPrompt]? = nil
    /// How several prompts combine (PromptMixMode: composable guidance or an embedding blend).
    public var promptMix = PromptMixMode.composable
    /// Seed travel (AUTOMATIC1111's "variation seed"): every random draw is the slerp of the draws of
    /// `seed` and `variationSeed` at `variationStrength` (0: the seed's image, 1: the variation seed's).
    /// Image i of a batch uses seed + i and variationSeed + i.
    public var variationSeed: UInt64? = nil
    public var variationStrength: Float = 0
    /// Which generator turns seeds into noise: PyTorch's CPU generator (diffusers with a CPU generator,
    /// A1111's "CPU") or its CUDA Philox generator (A1111's default "GPU" and its "NV"). Every draw of an
    /// image (starting noise, posterior samples, per-step noise) comes from that image's generator.
    public var rng = RandomSource.cpu
    /// The final VAE decode in overlapping tiles (TiledDecode): bounded memory for large images.
    public var vaeTiling = VAETiling.auto
    /// Tile side in latent pixels (64 = 512 px for SD); auto tiles above 1.5 tiles a side.
    public var vaeTileLatents = 64
    public init() {}

    /// The prompt parts this request stands for.
    public var resolvedPromptParts: [WeightedPrompt] { promptParts ?? PromptMix.parse(prompt) }
}

public enum Stage: Int, Sendable {
    case textEncode = 0, denoise = 1, decode = 2, encode = 3
}

public struct ProgressEvent: Sendable {
    public var stage: Stage
    public var step: Int
    public var total: Int
    /// Which image of the batch (0-based).
    public var imageIndex: Int
    /// Denoising events after the first step, when the request asked for previews: the latents
    /// after `step` steps as a picture: a cheap linear approximation at latent resolution, or, when
    /// the pipeline has a TAESD (LoadOptions.taesdPath), its decode at full size.
    public var preview: Image8? = nil
}

public struct GenerationResult: Sendable {
    public var images: [Image8]
    public var seeds: [UInt64]
    /// The A1111-style parameters text of each image (for the PNG `parameters` chunk).
    public var parameters: [String]
}

public enum PipelineError: Error, CustomStringConvertible, Equatable {
    case cancelled
    case invalidArgument(String)
    case unsupported(String)
    case outOfMemory(String)

    public var description: String {
        switch self {
        case .cancelled: return "cancelled"
        case .invalidArgument(let m): return m
        case .unsupported(let m): return m
        case .outOfMemory(let m): return m
        }
    }
}
