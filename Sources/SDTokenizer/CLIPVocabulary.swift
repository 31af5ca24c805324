/// The CLIP BPE vocabulary, rebuilt from the merge list alone (as open_clip does):
/// ids 0..<256 are the 256 byte characters in GPT-2 `bytes_to_unicode` order, 256..<512 the same with "</w>",
/// 512 + r is the token made by merge r, then <|startoftext|> and <|endoftext|> (49406, 49407 for CLIP).
/// BPE runs on ids: merge r turns the id pair (left, right) into 512 + r, so no strings are needed after loading.
struct CLIPVocabulary: Sendable {
    /// Vocabulary id of each byte as a word-inner symbol; add `endOfWordOffset` for the "</w>" form.
    let byteIDs: [Int32]
    /// (left id << 32 | right id) -> merge rank.
    let ranks: [UInt64: Int32]
    let mergeCount: Int

    static let endOfWordOffset: Int32 = 256
    static let firstMergeID: Int32 = 512

    var startOfTextID: Int32 { Self.firstMergeID + Int32(mergeCount) }
    var endOfTextID: Int32 { startOfTextID + 1 }
    var count: Int { Int(endOfTextID) + 1 }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    /// GPT-2 `bytes_to_unicode`, in its dictionary order: the printable bytes keep their code point, the others
    /// get 256, 257, ... in byte order. Entry i is (byte, character) of vocabulary id i.
    static let byteCharacters: [(byte: UInt8, character: Unicode.Scalar)] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var table = printable.map { (UInt8($0), Unicode.Scalar(UInt32($0))!) }
        var next: UInt32 = 256
        for b in 0...255 where !printable.contains(b) {
            table.append((UInt8(b), Unicode.Scalar(next)!))
            next += 1
        }
        return table
    }()

    /// Parses merges text: one "left right" pair a line in rank order; empty lines and a diffusers
    /// "#version: ..." header are skipped.
    init(merges text: String) throws {
        var ids = [String: Int32](minimumCapacity: 50_000)
        var byteIDs = [Int32](repeating: 0, count: 256)
        for (id, entry) in Self.byteCharacters.enumerated() {
            let symbol = String(Character(entry.character))
            ids[symbol] = Int32(id)
            ids[symbol + "</w>"] = Int32(id) + Self.endOfWordOffset
            byteIDs[Int(entry.byte)] = Int32(id)
        }
        var ranks = [UInt64: Int32](minimumCapacity: 50_000)
        var rank: Int32 = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#version") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let left = ids[String(parts[0])], let right = ids[String(parts[1])] else {
                throw ParseError(description: "bad merge line \(rank + 1): \"\(line)\"")
            }
            let merged = Self.firstMergeID + rank
            ids[String(parts[0]) + String(parts[1])] = merged
            ranks[UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))] = rank
            rank += 1
        }
        guard rank > 0 else { throw ParseError(description: "no merges") }
        self.byteIDs = byteIDs
        self.ranks = ranks
        self.mergeCount = Int(rank)
    }

    @inline(__always)
    func rank(_ left: Int32, _ right: Int32) -> Int32? {
        ranks[UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))]
    }

    /// BPE of one pre-tokenized word given as UTF-8 bytes; "</w>" goes on the last byte.
    /// Like the reference: repeatedly take the lowest-ranked adjacent pair and merge all its occurrences
    /// left to right (a merged pair always ranks after its parts, so this equals the one-at-a-time merge of
    /// Hugging Face tokenizers).
    func bpe(_ bytes: some Collection<UInt8>) -> [Int32] {
        var word = bytes.map { byteIDs[Int($0)] }
        guard !word.isEmpty else { return [] }
        word[word.count - 1] += Self.endOfWordOffset
        while word.count > 1 {
            var best: Int32 = .max
            var bestLeft: Int32 = 0, bestRight: Int32 = 0
            for i in 0..<(word.count - 1) {
                if let r = rank(word[i], word[i + 1]), r < best {
                    best = r
                    bestLeft = word[i]
                    bestRight = word[i + 1]
                }
            }
            if best == .max { break }
            let merged = Self.firstMergeID + best
            var out: [Int32] = []
            out.reserveCapacity(word.count - 1)
            var i = 0
            while i < word.count {
                if i + 1 < word.count && word[i] == bestLeft && word[i + 1] == bestRight {
                    out.append(merged)
                    i += 2
                } else {
                    out.append(word[i])
                    i += 1
                }
            }
            word = out
        }
        return word
    }
}
