/// Text clean-up and pre-tokenization of Hugging Face's CLIPTokenizer (transformers 5, the tokenizer diffusers'
/// Stable Diffusion pipelines use; it does not use ftfy):
///  1. the exact special tokens "<|startoftext|>" / "<|endoftext|>" are cut out of the raw text (case-sensitive);
///  2. each remaining piece: NFC, then lower-case scalar by scalar (no final-sigma rule, as Rust's char lower-casing);
///  3. split with `'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`, whitespace (Unicode White_Space)
///     only separates. The reference's `\s+` -> " " step therefore needs no code.
/// The reference regex also lists the special tokens; after step 1 such a match can only come from a case
/// variant ("<|EndOfText|>"), which its byte-level pre-tokenizer splits again into "<|", "endoftext", "|>":
/// exactly what this scanner yields without those alternatives.
enum CLIPTextSplitter {
    enum Piece {
        case word([UInt8])  // UTF-8 of the normalized word
        case special(Int32)
    }

    private static let specials: [(text: [UInt8], isStart: Bool)] = [
        (Array("<|startoftext|>".utf8), true), (Array("<|endoftext|>".utf8), false),
    ]

    /// Pieces in order: words (normalized, for BPE) and special tokens.
    static func split(_ text: String, startID: Int32, endID: Int32) -> [Piece] {
        var pieces: [Piece] = []
        let bytes = Array(text.utf8)
        var segmentStart = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<"), let match = specials.first(where: { bytes[i...].starts(with: $0.text) }) {
                appendWords(of: bytes[segmentStart..<i], to: &pieces)
                pieces.append(.special(match.isStart ? startID : endID))
                i += match.text.count
                segmentStart = i
            } else {
                i += 1
            }
        }
        appendWords(of: bytes[segmentStart..<bytes.count], to: &pieces)
        return pieces
    }

    private static func appendWords(of utf8: ArraySlice<UInt8>, to pieces: inout [Piece]) {
        guard !utf8.isEmpty else { return }
        let scalars = normalize(String(decoding: utf8, as: UTF8.self))
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if isSpace(c) {
                i += 1
                continue
            }
            var end = i + 1
            if c == "'", let length = contractionLength(scalars, at: i) {
                end = i + length
            } else if isLetter(c) {
                while end < scalars.count && isLetter(scalars[end]) { end += 1 }
            } else if isNumber(c) {
                // one digit a word
            } else {
                while end < scalars.count && !isSpace(scalars[end]) && !isLetter(scalars[end])
                    && !isNumber(scalars[end]) { end += 1 }
            }
            var word: [UInt8] = []
            for s in scalars[i..<end] { UTF8.encode(s) { word.append($0) } }
            pieces.append(.word(word))
            i = end
        }
    }

    /// NFC, then per-scalar lower-case mapping.
    static func normalize(_ text: String) -> [Unicode.Scalar] {
        let nfc = text.utf8.allSatisfy { $0 < 0x80 } ? text : String(decoding: text._nfcCodeUnits, as: UTF8.self)
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(nfc.unicodeScalars.count)
        for s in nfc.unicodeScalars {
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
    private static func contractionLength(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        guard i + 1 < s.count else { return nil }
        switch s[i + 1] {
        case "s", "t", "m", "d": return 2
        case "r", "v":
            return i + 2 < s.count && s[i + 2] == "e" ? 3 : nil
        case "l":
            return i + 2 < s.count && s[i + 2] == "l" ? 3 : nil
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
