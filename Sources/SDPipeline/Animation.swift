/// A walk through prompt space and seed space, one generation per frame.
///
/// Frame i of N sits at position p = i / (N - 1) along the path. The prompt is the embedding blend
/// of the two keyframes around p (weights 1 - t and t inside that segment); the noise is the slerp
/// of the two seeds' noise at p (SlerpNoise, over the whole path). Frames at a keyframe use that
/// keyframe's prompt alone, so the first and last frames are exactly the plain generations of the
/// first and last keyframes with seedFrom and seedTo. With `chainStrength`, every frame after the
/// first is an image-to-image pass over the previous frame at that strength (less flicker, at the
/// cost of drifting from the plain generation).
public struct AnimationRequest: Sendable {
    /// Settings of every frame (size, steps, guidance, sampler, negative prompt, clip skip...).
    /// Its mode, prompt, seed and batch are replaced per frame.
    public var base = GenerationRequest()
    /// Two or more prompts visited in order.
    public var keyframes: [String] = []
    public var seedFrom: UInt64 = 0
    public var seedTo: UInt64 = 0
    public var frames = 8
    /// nil: every frame starts from noise; s: frames after the first start from the previous frame at strength s.
    public var chainStrength: Float? = nil
    public init() {}

    /// The generation of frame `index`, given the previous frame's image when chaining.
    public func frameRequest(_ index: Int, previous: Image8?) -> GenerationRequest {
        var r = base
        r.batchCount = 1
        let p = Slerp.positions(frames: frames)[index]
        let segments = keyframes.count - 1
        let scaled = p * Float(segments)
        let s = min(Int(scaled), segments - 1)
        let t = scaled - Float(s)
        if t == 0 {
            r.promptParts = [WeightedPrompt(keyframes[s])]
        } else if t == 1 {
            r.promptParts = [WeightedPrompt(keyframes[s + 1])]
        } else {
            r.promptParts = [WeightedPrompt(keyframes[s], weight: 1 - t), WeightedPrompt(keyframes[s + 1], weight: t)]
        }
        r.promptMix = .blend
        r.prompt = PromptMix.text(of: r.promptParts!)
        r.seed = seedFrom
        if seedTo != seedFrom {
            r.variationSeed = seedTo
            r.variationStrength = p
        }
        if let strength = chainStrength, let previous, index > 0 {
            r.mode = .imageToImage(image: previous, strength: strength)
        } else {
            r.mode = .textToImage
        }
        return r
    }

    func validate() throws {
        guard keyframes.count >= 2 else { throw PipelineError.invalidArgument("an animation needs at least 2 keyframe prompts") }
        guard (2...10_000).contains(frames) else { throw PipelineError.invalidArgument("frames must be 2...10000, got \(frames)") }
        if let s = chainStrength, !(s.isFinite && s > 0 && s <= 1) {
            throw PipelineError.invalidArgument("chaining strength must be in (0, 1], got \(s)")
        }
    }
}

extension StableDiffusionPipeline {
    /// Generates the frames in order; `frameDone` receives each (index, image, parameters text) as
    /// soon as it exists. Progress events carry the frame index as `imageIndex`.
    public func animate(_ animation: AnimationRequest, cancel: CancelToken? = nil,
                        progress: ((ProgressEvent) -> Bool)? = nil,
                        frameDone: (Int, Image8, String) throws -> Void) throws {
        try animation.validate()
        var previous: Image8? = nil
        for index in 0..<animation.frames {
            let request = animation.frameRequest(index, previous: previous)
            let result = try generate(request, cancel: cancel, progress: progress.map { report in
                { event in var e = event; e.imageIndex = index; return report(e) }
            })
            previous = result.images[0]
            try frameDone(index, result.images[0], result.parameters[0])
        }
    }
}
