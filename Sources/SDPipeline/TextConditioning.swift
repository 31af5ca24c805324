import SDKernelsC
import SDModels
import SDTensor
import SDTokenizer

extension StableDiffusionPipeline {
    /// Token windows of a prompt: 77-token windows (75 tokens + BOS/EOS + padding), several for
    /// long prompts, as AUTOMATIC1111 does.
    func tokenWindows(_ prompt: String) -> [[Int32]] {
        CLIPTokenizer.shared.windows(prompt, padTokenID: config.tokenizer.padTokenID)
    }

    /// Encodes prompt and negative prompt to [2, 77*k, hidden] = [negative; prompt], each padded to
    /// the same number of windows with the encoding of an empty window.
    /// (With `includeNegative` false: [1, 77*k, hidden], the prompt only.)
    func encodeConditioning(prompt: String, negative: String, includeNegative: Bool, clipSkip: Int) throws -> Tensor {
        var cond = tokenWindows(prompt)
        var uncond = includeNegative ? tokenWindows(negative) : []
        let windows = max(cond.count, uncond.count)
        let empty = tokenWindows("")[0]
        while cond.count < windows { cond.append(empty) }
        if includeNegative { while uncond.count < windows { uncond.append(empty) } }
        let sequences = (includeNegative ? uncond : []) + cond
        let encoded = try textEncoder(sequences, clipSkip: clipSkip)  // [n*windows, 77, H]
        let hidden = encoded.shape[2], tokens = encoded.shape[1]
        let batch = includeNegative ? 2 : 1
        // Rows are already in order: sample b's windows are consecutive, so only the shape changes.
        encoded.reshape([batch, windows * tokens, hidden])
        return encoded
    }
}
