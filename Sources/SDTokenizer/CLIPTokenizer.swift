import Synchronization

/// CLIP byte-level BPE tokenizer, id-for-id the one Stable Diffusion pipelines use (Hugging Face CLIPTokenizer;
/// see CLIPTextSplitter for the text clean-up, docs/tokenizer.md for known divergences from other tokenizers).
/// Thread-safe: the per-word BPE cache sits behind a mutex.
public final class CLIPTokenizer: Sendable {
    /// The CLIP vocabulary compiled into the library (CLIPMergesData.swift), shared by SD1 and SD2.
    public static let shared = CLIPTokenizer(merges: clipMergesText)

    /// Which tokenizer folder's special-token handling `encode` reproduces; the BPE is the same.
    public enum Dialect: Sendable {
        /// SD1 folders (pad token "<|endoftext|>"); also what open_clip, A1111 and ComfyUI do with "!".
        /// "<|endoftext|>" is recognized only in lower case, "<|startoftext|>" in any case.
        case standard
        /// diffusers' SD2 / SDXL second-encoder folders, whose pad token is "!": every "!" in the prompt becomes
        /// id 0 instead of joining the BPE of its word (diffusers issue #4153; the OpenCLIP model was trained
        /// with "!" as ordinary text), and "<|endoftext|>" is recognized in any case.
        case diffusersSD2
    }

    private let vocabulary: CLIPVocabulary
    private let cache = Mutex<[[UInt8]: [Int32]]>([:])
    private static let cacheLimit = 20_000

    /// <|startoftext|> (49406 for CLIP).
    public var startOfTextID: Int32 { vocabulary.startOfTextID }
    /// <|endoftext|> (49407 for CLIP); also SD1's padding token.
    public var endOfTextID: Int32 { vocabulary.endOfTextID }
    /// Number of token ids (49408 for CLIP).
    public var vocabularySize: Int { vocabulary.count }
    /// ",</w>", the token the long-prompt chunking backs off to (267 for CLIP).
    public var commaID: Int32 { vocabulary.byteIDs[Int(UInt8(ascii: ","))] + CLIPVocabulary.endOfWordOffset }

    /// Merges text: one "left right" pair a line in rank order (a diffusers tokenizer/merges.txt with its
    /// "#version" header works too). Traps on malformed text; use `init(mergesFile:)` for untrusted input.
    public convenience init(merges: String) {
        do {
            self.init(vocabulary: try CLIPVocabulary(merges: merges))
        } catch {
            fatalError("CLIPTokenizer: \(error)")
        }
    }

    /// Loads merges from a file, e.g. a diffusers folder's tokenizer/merges.txt. The vocabulary is rebuilt
    /// from the merges (vocab.json is not needed: for CLIP it is exactly that construction).
    public convenience init(mergesFile path: String) throws {
        self.init(vocabulary: try CLIPVocabulary(merges: try readTextFile(path)))
    }

    private init(vocabulary: CLIPVocabulary) {
        self.vocabulary = vocabulary
    }

    /// BPE ids of `text`, without <|startoftext|>/<|endoftext|> around it and without truncation.
    /// Literal "<|startoftext|>"/"<|endoftext|>" in the text become their special ids, as in the reference.
    public func encode(_ text: String, dialect: Dialect = .standard) -> [Int32] {
        let start = CLIPTextSplitter.SpecialToken("<|startoftext|>", startOfTextID)
        let end = CLIPTextSplitter.SpecialToken("<|endoftext|>", endOfTextID)
        let pieces = switch dialect {
        case .standard:
            CLIPTextSplitter.split(text, raw: [end], normalized: [start])
        case .diffusersSD2:
            CLIPTextSplitter.split(text, raw: [.init("!", vocabulary.byteIDs[Int(UInt8(ascii: "!"))])],
                                   normalized: [start, end])
        }
        var ids: [Int32] = []
        for piece in pieces {
            switch piece {
            case .special(let id): ids.append(id)
            case .word(let bytes): ids.append(contentsOf: bpe(bytes))
            }
        }
        return ids
    }

    /// Text-encoder inputs for a prompt of any length, AUTOMATIC1111 style: the BPE ids are cut into chunks of
    /// `maxLength - 2` tokens (see `PromptChunker` for the comma back-off), each becoming
    /// [BOS] + chunk + [EOS] + `padTokenID` up to `maxLength`. Always at least one window (an empty prompt gives
    /// [BOS, EOS, pad, ...]). For prompts of at most 75 tokens the single window equals the diffusers pipeline's
    /// `tokenizer(prompt, padding="max_length", max_length=77)` ids (SD1: pad 49407; SD2: pad 0 and, for
    /// id-exact diffusers parity, `dialect: .diffusersSD2`).
    public func windows(_ text: String, padTokenID: Int32, maxLength: Int = 77,
                        dialect: Dialect = .standard) -> [[Int32]] {
        precondition(maxLength >= 3, "a window needs room for BOS, EOS and one token")
        return PromptChunker.chunks(encode(text, dialect: dialect), length: maxLength - 2, commaID: commaID).map { chunk in
            var window = [startOfTextID]
            window.reserveCapacity(maxLength)
            window.append(contentsOf: chunk)
            window.append(endOfTextID)
            window.append(contentsOf: repeatElement(padTokenID, count: maxLength - window.count))
            return window
        }
    }

    private func bpe(_ word: [UInt8]) -> [Int32] {
        if let hit = cache.withLock({ $0[word] }) { return hit }
        let ids = vocabulary.bpe(word)
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[word] = ids
        }
        return ids
    }
}
