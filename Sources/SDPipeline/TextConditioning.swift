import SDKernelsC
import SDModels
import SDTensor
import SDTokenizer

extension StableDiffusionPipeline {
    /// Token windows of a prompt with a weight per token: 77-token windows (75 tokens + BOS/EOS +
    /// padding), several for long prompts, AUTOMATIC1111's weight syntax applied when `weighting`.
    func tokenWindows(_ prompt: String, weighting: Bool) -> [(ids: [Int32], weights: [Float])] {
        let pad = config.tokenizer.padTokenID
        let prompt = LoRAPromptTags.strip(prompt)  // <lora:name:w> tags are applied as weights, not text
        if weighting { return CLIPTokenizer.shared.weightedWindows(prompt, padTokenID: pad) }
        return CLIPTokenizer.shared.windows(prompt, padTokenID: pad).map { ($0, [Float](repeating: 1, count: $0.count)) }
    }

    /// Encodes prompt and negative prompt to [2, 77*k, hidden] = [negative; prompt], each padded to
    /// the same number of windows with the encoding of an empty window.
    /// (With `includeNegative` false: [1, 77*k, hidden], the prompt only.)
    /// Weighted tokens scale their embeddings, then each window is rescaled to keep its mean
    /// (AUTOMATIC1111's "original" emphasis). The prompt is used as written (no `AND` parsing).
    func encodeConditioning(prompt: String, negative: String, includeNegative: Bool, clipSkip: Int,
                            weighting: Bool = true) throws -> Tensor {
        try encodeRows([prompt], negative: includeNegative ? negative : nil, clipSkip: clipSkip, weighting: weighting)
    }

    /// The conditioning of a (possibly mixed) prompt; see PromptMixMode for what each mode costs.
    func encodeConditioning(parts: [WeightedPrompt], mode: PromptMixMode, negative: String, guidance: Float,
                            clipSkip: Int, weighting: Bool = true) throws -> Conditioning {
        guard !parts.isEmpty else { throw PipelineError.invalidArgument("no prompt given") }
        guard parts.allSatisfy({ $0.weight.isFinite }) else { throw PipelineError.invalidArgument("prompt weights must be finite numbers") }
        switch mode {
        case .composable:
            // One prompt without guidance needs no unconditional row; several always do (their deltas are taken from it).
            let withUncond = guidance > 1 || parts.count > 1
            let context = try encodeRows(parts.map(\.text), negative: withUncond ? negative : nil, clipSkip: clipSkip,
                                         weighting: weighting)
            return Conditioning(context: context, weights: parts.map(\.weight), hasUncond: withUncond)
        case .blend:
            let sum = parts.reduce(Float(0)) { $0 + $1.weight }
            guard sum.isFinite, sum > 0 else {
                throw PipelineError.invalidArgument("blended prompt weights must add up to a positive number, got \(sum)")
            }
            let withUncond = guidance > 1
            let rows = try encodeRows(parts.map(\.text), negative: withUncond ? negative : nil, clipSkip: clipSkip,
                                      weighting: weighting)
            let first = withUncond ? 1 : 0
            let rowSize = rows.shape[1] * rows.shape[2]
            let context = Tensor([first + 1, rows.shape[1], rows.shape[2]])
            if withUncond { context.data.update(from: rows.data, count: rowSize) }
            let mixed = context.data + first * rowSize
            for (k, part) in parts.enumerated() {
                let w = part.weight / sum, src = rows.data + (first + k) * rowSize
                if k == 0 {
                    for j in 0..<rowSize { mixed[j] = w * src[j] }
                } else {
                    for j in 0..<rowSize { mixed[j] += w * src[j] }
                }
            }
            return Conditioning(context: context, weights: [1], hasUncond: withUncond)
        }
    }

    /// [negative?; prompt 0; prompt 1; ...] as [rows, 77*k, hidden], every row padded to the same
    /// number of 77-token windows with the encoding of an empty window. One text-encoder call.
    func encodeRows(_ prompts: [String], negative: String?, clipSkip: Int, weighting: Bool) throws -> Tensor {
        let rows = (negative.map { [$0] } ?? []) + prompts
        var windowed = rows.map { tokenWindows($0, weighting: weighting) }
        let windows = windowed.map(\.count).max() ?? 1
        let empty = tokenWindows("", weighting: false)[0]
        for r in windowed.indices { while windowed[r].count < windows { windowed[r].append(empty) } }
        let sequences = windowed.flatMap { $0 }
        let encoded = try textEncoder(sequences.map(\.ids), clipSkip: clipSkip)  // [rows*windows, 77, H]
        let hidden = encoded.shape[2], tokens = encoded.shape[1]
        for (w, seq) in sequences.enumerated() where seq.weights.contains(where: { $0 != 1 }) {
            Self.emphasize(encoded.data + w * tokens * hidden, tokens: tokens, hidden: hidden, weights: seq.weights)
        }
        // Rows are already in order: a row's windows are consecutive, so only the shape changes.
        encoded.reshape([windowed.count, windows * tokens, hidden])
        return encoded
    }

    /// z *= weight per token, then z *= old mean / new mean (over the whole window).
    static func emphasize(_ z: UnsafeMutablePointer<Float>, tokens: Int, hidden: Int, weights: [Float]) {
        let n = tokens * hidden
        var before: Double = 0, after: Double = 0
        for i in 0..<n { before += Double(z[i]) }
        for t in 0..<tokens { for j in 0..<hidden { z[t * hidden + j] *= weights[t] } }
        for i in 0..<n { after += Double(z[i]) }
        guard after != 0 else { return }
        sdk_scale(z, Float(before / after), n)
    }
}

/// What the UNet is conditioned on: `context` rows [uncond?, cond 0, cond 1, ...], all in one batch.
/// The guided prediction is `uncond + sum_k (cond_k - uncond) * weights[k] * guidance` (one cond row
/// with weight 1 is ordinary classifier-free guidance), or cond 0 itself without an uncond row.
struct Conditioning {
    var context: Tensor
    var weights: [Float]
    var hasUncond: Bool

    /// The classic [negative; prompt] (2 rows) or [prompt] (1 row) context.
    init(context: Tensor) {
        self.init(context: context, weights: [1], hasUncond: context.shape[0] == 2)
    }

    init(context: Tensor, weights: [Float], hasUncond: Bool) {
        self.context = context
        self.weights = weights
        self.hasUncond = hasUncond
    }

    var rows: Int { context.shape[0] }
}
