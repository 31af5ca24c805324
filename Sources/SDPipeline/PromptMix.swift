/// One prompt of a mix, with its weight.
public struct WeightedPrompt: Equatable, Sendable {
    public var text: String
    public var weight: Float
    public init(_ text: String, weight: Float = 1) {
        self.text = text
        self.weight = weight
    }
}

/// How several prompts guide one image.
///
/// - composable: AUTOMATIC1111's `AND` ("composable diffusion"). One unconditional row plus one row per
///   prompt go through the UNet in ONE batched call per step (K prompts: K + 1 rows; one prompt with
///   guidance <= 1: 1 row), and the guided output is
///   `uncond + sum_k (cond_k - uncond) * weight_k * guidance`.
/// - blend: the prompts' text embeddings are mixed, `sum_k weight_k * E_k / sum_k weight_k`, and the
///   mix is one ordinary prompt: 2 rows per step with guidance > 1, 1 without, whatever the number of
///   prompts. This is also how prompt interpolation works (weights 1 - t and t).
public enum PromptMixMode: Int, Sendable {
    case composable = 0
    case blend = 1
}

/// AUTOMATIC1111's multi-prompt syntax: sub-prompts separated by the word `AND` (upper case, a whole
/// word), each optionally ending in `:weight`, e.g. `a castle AND a forest :0.6`. A prompt without
/// `AND` is one sub-prompt; its weight is 1 unless it ends in `:number` (as in A1111, where the weight
/// then scales the guidance). Attention syntax such as `(word:1.3)` ends with `)` and is left alone.
public enum PromptMix {
    public static func parse(_ prompt: String) -> [WeightedPrompt] {
        splitOnAND(prompt).map(parseWeight)
    }

    /// The inverse of `parse`, for the PNG parameters text.
    public static func text(of parts: [WeightedPrompt]) -> String {
        parts.map { $0.weight == 1 ? $0.text : "\($0.text) :\($0.weight)" }.joined(separator: " AND ")
    }

    /// Splits on `AND` with a word boundary on both sides (Python's `\bAND\b`).
    static func splitOnAND(_ s: String) -> [String] {
        let chars = Array(s)
        var parts: [String] = [], start = 0, i = 0
        func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        while i + 3 <= chars.count {
            if chars[i] == "A", chars[i + 1] == "N", chars[i + 2] == "D",
               i == 0 || !isWord(chars[i - 1]), i + 3 == chars.count || !isWord(chars[i + 3]) {
                parts.append(String(chars[start..<i]))
                i += 3
                start = i
            } else {
                i += 1
            }
        }
        parts.append(String(chars[start...]))
        return parts
    }

    /// `text :weight` -> (text, weight); the weight is `[-+]?(\d+\.?|\d*\.\d+)` after a colon at the end.
    static func parseWeight(_ s: String) -> WeightedPrompt {
        let chars = Array(s)
        var end = chars.count
        while end > 0, chars[end - 1].isWhitespace { end -= 1 }
        var numberStart = end
        while numberStart > 0, chars[numberStart - 1].isASCII, chars[numberStart - 1].isNumber || chars[numberStart - 1] == "." {
            numberStart -= 1
        }
        let number = String(chars[numberStart..<end])
        guard isNumberLiteral(number) else { return WeightedPrompt(s) }
        var j = numberStart
        var sign = ""
        if j > 0, chars[j - 1] == "-" || chars[j - 1] == "+" { sign = String(chars[j - 1]); j -= 1 }
        while j > 0, chars[j - 1].isWhitespace { j -= 1 }
        guard j > 0, chars[j - 1] == ":" else { return WeightedPrompt(s) }
        j -= 1
        while j > 0, chars[j - 1].isWhitespace { j -= 1 }
        var literal = number.hasPrefix(".") ? "0" + number : number
        if literal.hasSuffix(".") { literal += "0" }
        guard let value = Double(sign + literal) else { return WeightedPrompt(s) }
        return WeightedPrompt(String(chars[0..<j]), weight: Float(value))
    }

    /// `\d+\.?` or `\d*\.\d+`.
    static func isNumberLiteral(_ s: String) -> Bool {
        let dots = s.filter { $0 == "." }.count
        let digits = s.count - dots
        guard digits > 0, dots <= 1 else { return false }
        if dots == 0 { return true }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return !parts[0].isEmpty || !parts[1].isEmpty
    }
}
