/// Text clean-up and pre-tokenization of Hugging Face's CLIPTokenizer (transformers 5, the tokenizer diffusers'
/// Stable Diffusion pipelines use; it does not use ftfy), in its order:
///  1. added tokens that are matched on raw text are cut out (SD1 folders: "<|endoftext|>"; diffusers SD2
///     folders: "!", their pad token);
///  2. each remaining piece: NFC, then lower-case scalar by scalar (no final-sigma rule, as Rust's char
///     lower-casing);
///  3. added tokens matched on normalized text are cut out ("<|startoftext|>", and "<|endoftext|>" for SD2
///     folders), so their upper-case spellings count too;
///  4. split with `'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`; whitespace (Unicode White_Space)
///     only separates, so the reference's `\s+` -> " " step needs no code.
/// The reference regex also lists the special tokens; after steps 1 and 3 such a match can only come from a
/// case variant of "<|endoftext|>" in SD1 folders, which its byte-level pre-tokenizer splits again into "<|",
/// "endoftext", "|>": exactly what this scanner yields without those alternatives.
enum CLIPTextSplitter {
    enum Piece: Equatable {
        case word([UInt8])  // UTF-8 of the normalized word
        case special(Int32)
    }

    struct SpecialToken {
        let scalars: [Unicode.Scalar]
        let id: Int32
        init(_ text: String, _ id: Int32) {
            scalars = Array(text.unicodeScalars)
            self.id = id
        }
    }

    /// Cuts the text at raw special tokens, then each piece at normalized special tokens, then into words.
    static func split(_ text: String, raw: [SpecialToken], normalized: [SpecialToken]) -> [Piece] {
        var pieces: [Piece] = []
        for segment in cut(Array(text.unicodeScalars), at: raw) {
            switch segment {
            case .special(let id): pieces.append(.special(id))
            case .text(let scalars):
                for inner in cut(normalize(scalars), at: normalized) {
                    switch inner {
                    case .special(let id): pieces.append(.special(id))
                    case .text(let normal): appendWords(of: normal, to: &pieces)
                    }
                }
            }
        }
        return pieces
    }

    private enum Segment {
        case text(ArraySlice<Unicode.Scalar>)
        case special(Int32)
    }

    /// Leftmost-first occurrences of `tokens` in `scalars` (none of them is a prefix of another).
    private static func cut(_ scalars: [Unicode.Scalar], at tokens: [SpecialToken]) -> [Segment] {
        var segments: [Segment] = []
        var start = 0
        var i = 0
        while i < scalars.count {
            if let token = tokens.first(where: { scalars[i...].starts(with: $0.scalars) }) {
                if start < i { segments.append(.text(scalars[start..<i])) }
                segments.append(.special(token.id))
                i += token.scalars.count
                start = i
            } else {
                i += 1
            }
        }
        if start < scalars.count { segments.append(.text(scalars[start...])) }
        return segments
    }

    private static func appendWords(of scalars: ArraySlice<Unicode.Scalar>, to pieces: inout [Piece]) {
        var i = scalars.startIndex
        while i < scalars.endIndex {
            let c = scalars[i]
            if isSpace(c) {
                i += 1
                continue
            }
            var end = i + 1
            if c == "'", let length = contractionLength(scalars, at: i) {
                end = i + length
            } else if isLetter(c) {
                while end < scalars.endIndex && isLetter(scalars[end]) { end += 1 }
            } else if isNumber(c) {
                // one digit a word
            } else {
                while end < scalars.endIndex && !isSpace(scalars[end]) && !isLetter(scalars[end])
                    && !isNumber(scalars[end]) { end += 1 }
            }
            var word: [UInt8] = []
            for s in scalars[i..<end] { UTF8.encode(s) { word.append($0) } }
            pieces.append(.word(word))
            i = end
        }
    }

    /// NFC, then per-scalar lower-case mapping.
    static func normalize(_ scalars: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var nfc = Array(scalars)
        if !scalars.allSatisfy(\.isASCII) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            nfc = Array(String(decoding: String(view)._nfcCodeUnits, as: UTF8.self).unicodeScalars)
        }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(nfc.count)
        for s in nfc {
            if s.isASCII {
                out.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
            } else if s.properties.changesWhenLowercased {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(s)
            }
        }
        return out
    }

    /// Length of "'s", "'t", "'m", "'d", "'re", "'ve", "'ll" at `i` (text already lower-case), else nil.
    private static func contractionLength(_ s: ArraySlice<Unicode.Scalar>, at i: Int) -> Int? {
        guard i + 1 < s.endIndex else { return nil }
        switch s[i + 1] {
        case "s", "t", "m", "d": return 2
        case "r", "v":
            return i + 2 < s.endIndex && s[i + 2] == "e" ? 3 : nil
        case "l":
            return i + 2 < s.endIndex && s[i + 2] == "l" ? 3 : nil
        default: return nil
        }
    }

    @inline(__always)
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return s == " " || (s.value >= 9 && s.value <= 13) }
        return s.properties.isWhitespace
    }

    @inline(__always)
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return (s.value | 0x20) >= 97 && (s.value | 0x20) <= 122 }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    @inline(__always)
    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return s.value >= 48 && s.value <= 57 }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
