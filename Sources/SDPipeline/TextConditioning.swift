import SDKernelsC
import SDModels
import SDTensor
import SDTokenizer

extension StableDiffusionPipeline {
    /// Token windows of a prompt with a weight per token: 77-token windows (75 tokens + BOS/EOS +
    /// padding), several for long prompts, AUTOMATIC1111's weight syntax applied when `weighting`.
    func tokenWindows(_ prompt: String, weighting: Bool) -> [(ids: [Int32], weights: [Float])] {
        let pad = config.tokenizer.padTokenID
        if weighting { return CLIPTokenizer.shared.weightedWindows(prompt, padTokenID: pad) }
        return CLIPTokenizer.shared.windows(prompt, padTokenID: pad).map { ($0, [Float](repeating: 1, count: $0.count)) }
    }

    /// Encodes prompt and negative prompt to [2, 77*k, hidden] = [negative; prompt], each padded to
    /// the same number of windows with the encoding of an empty window.
    /// (With `includeNegative` false: [1, 77*k, hidden], the prompt only.)
    /// Weighted tokens scale their embeddings, then each window is rescaled to keep its mean
    /// (AUTOMATIC1111's "original" emphasis).
    func encodeConditioning(prompt: String, negative: String, includeNegative: Bool, clipSkip: Int,
                            weighting: Bool = true) throws -> Tensor {
        var cond = tokenWindows(prompt, weighting: weighting)
        var uncond = includeNegative ? tokenWindows(negative, weighting: weighting) : []
        let windows = max(cond.count, uncond.count)
        let empty = tokenWindows("", weighting: false)[0]
        while cond.count < windows { cond.append(empty) }
        if includeNegative { while uncond.count < windows { uncond.append(empty) } }
        let sequences = (includeNegative ? uncond : []) + cond
        let encoded = try textEncoder(sequences.map(\.ids), clipSkip: clipSkip)  // [n*windows, 77, H]
        let hidden = encoded.shape[2], tokens = encoded.shape[1]
        for (w, seq) in sequences.enumerated() where seq.weights.contains(where: { $0 != 1 }) {
            Self.emphasize(encoded.data + w * tokens * hidden, tokens: tokens, hidden: hidden, weights: seq.weights)
        }
        let batch = includeNegative ? 2 : 1
        // Rows are already in order: sample b's windows are consecutive, so only the shape changes.
        encoded.reshape([batch, windows * tokens, hidden])
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
