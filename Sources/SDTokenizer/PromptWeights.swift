/// AUTOMATIC1111's prompt-weight syntax ("attention/emphasis"), parsed as its webui does
/// (modules/prompt_parser.py, parse_prompt_attention):
///   (text)        weight x 1.1, nestable: ((text)) = x 1.21
///   [text]        weight / 1.1
///   (text:1.5)    weight x 1.5
///   \( \) \[ \]   literal brackets;  \\ a literal backslash
///   BREAK         (upper case, a word on its own) ends the current 75-token chunk
/// Unclosed brackets apply to the rest of the prompt; stray closers are plain text.
public enum PromptWeights {
    public enum Piece: Equatable, Sendable {
        case text(String, weight: Float)
        case chunkBreak
    }

    public static func parse(_ prompt: String) -> [Piece] {
        var res: [(text: String, weight: Float, isBreak: Bool)] = []
        var round: [Int] = [], square: [Int] = []
        func multiply(from start: Int, by m: Float) {
            for i in start..<res.count where !res[i].isBreak { res[i].weight *= m }
        }
        let chars = Array(prompt)
        var i = 0
        var plain = ""
        func flushPlain() {
            guard !plain.isEmpty else { return }
            let parts = splitOnBreak(plain)
            for (k, part) in parts.enumerated() {
                if k > 0 { res.append(("", 1, true)) }
                res.append((part, 1, false))
            }
            plain = ""
        }
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                flushPlain()
                // "\(", "\)", "\[", "\]", "\\": the next character literally; a lone "\" stays
                if i + 1 < chars.count, "()[]\\".contains(chars[i + 1]) {
                    res.append((String(chars[i + 1]), 1, false)); i += 2
                } else {
                    res.append(("\\", 1, false)); i += 1
                }
                continue
            }
            if c == "(" { flushPlain(); round.append(res.count); i += 1; continue }
            if c == "[" { flushPlain(); square.append(res.count); i += 1; continue }
            if c == ":", let (weight, end) = explicitWeight(chars, from: i), !round.isEmpty {
                flushPlain(); multiply(from: round.removeLast(), by: weight); i = end; continue
            }
            if c == ")" && !round.isEmpty { flushPlain(); multiply(from: round.removeLast(), by: 1.1); i += 1; continue }
            if c == "]" && !square.isEmpty { flushPlain(); multiply(from: square.removeLast(), by: 1 / 1.1); i += 1; continue }
            if c == ":" || c == ")" || c == "]" {
                // as A1111's regex: these end a text run and stand alone as text
                flushPlain(); res.append((String(c), 1, false)); i += 1; continue
            }
            plain.append(c); i += 1
        }
        flushPlain()
        for start in round { multiply(from: start, by: 1.1) }
        for start in square { multiply(from: start, by: 1 / 1.1) }
        if res.isEmpty { res = [("", 1, false)] }
        // merge neighbours of equal weight (BREAKs stay apart)
        var merged: [(text: String, weight: Float, isBreak: Bool)] = []
        for r in res {
            if let last = merged.last, !last.isBreak, !r.isBreak, last.weight == r.weight {
                merged[merged.count - 1].text += r.text
            } else {
                merged.append(r)
            }
        }
        return merged.map { $0.isBreak ? .chunkBreak : .text($0.text, weight: $0.weight) }
    }

    /// ":" + optional spaces + [+-]?[.\d]+ + optional spaces + ")": (weight, index after ")").
    private static func explicitWeight(_ s: [Character], from colon: Int) -> (Float, Int)? {
        var j = colon + 1
        while j < s.count, s[j].isWhitespace { j += 1 }
        var number = ""
        if j < s.count, s[j] == "+" || s[j] == "-" { number.append(s[j]); j += 1 }
        while j < s.count, s[j] == "." || s[j].isASCII && s[j].isNumber { number.append(s[j]); j += 1 }
        while j < s.count, s[j].isWhitespace { j += 1 }
        guard j < s.count, s[j] == ")", let w = Float(number) else { return nil }
        return (w, j + 1)
    }

    /// Splits on the word BREAK with the whitespace around it (A1111: \s*\bBREAK\b\s*).
    private static func splitOnBreak(_ text: String) -> [String] {
        let chars = Array(text)
        var parts: [String] = [], current = "", i = 0
        func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        while i < chars.count {
            if i + 5 <= chars.count, String(chars[i..<(i + 5)]) == "BREAK",
               i == 0 || !isWord(chars[i - 1]), i + 5 == chars.count || !isWord(chars[i + 5]) {
                while let last = current.last, last.isWhitespace { current.removeLast() }
                parts.append(current); current = ""
                i += 5
                while i < chars.count, chars[i].isWhitespace { i += 1 }
                continue
            }
            current.append(chars[i]); i += 1
        }
        parts.append(current)
        return parts
    }
}

extension CLIPTokenizer {
    /// A weighted prompt as 77-token windows with a weight per token (1 for BOS/EOS/padding), chunked
    /// as AUTOMATIC1111 does: each piece tokenized on its own, 75 tokens a chunk with the comma
    /// backtrack, BREAK closing a chunk early.
    public func weightedWindows(_ text: String, padTokenID: Int32, maxLength: Int = 77,
                                dialect: Dialect = .standard) -> [(ids: [Int32], weights: [Float])] {
        let length = maxLength - 2
        var chunks: [([Int32], [Float])] = []
        var ids: [Int32] = [], weights: [Float] = []
        var lastComma = -1
        func close() {
            chunks.append((ids, weights)); ids = []; weights = []; lastComma = -1
        }
        for piece in PromptWeights.parse(text) {
            guard case .text(let piece, let weight) = piece else { close(); continue }
            for token in encode(piece, dialect: dialect) {
                if token == commaID {
                    lastComma = ids.count
                } else if ids.count == length && lastComma != -1 && ids.count - lastComma <= 20 {
                    let movedIDs = Array(ids[(lastComma + 1)...]), movedWeights = Array(weights[(lastComma + 1)...])
                    ids.removeSubrange((lastComma + 1)...); weights.removeSubrange((lastComma + 1)...)
                    close()
                    ids = movedIDs; weights = movedWeights
                }
                if ids.count == length { close() }
                ids.append(token); weights.append(weight)
            }
        }
        if !ids.isEmpty || chunks.isEmpty { close() }
        return chunks.map { chunk in
            var window = [startOfTextID] + chunk.0 + [endOfTextID]
            window += repeatElement(padTokenID, count: maxLength - window.count)
            let w = [Float(1)] + chunk.1 + [Float](repeating: 1, count: maxLength - 1 - chunk.1.count)
            return (window, w)
        }
    }
}
