/// Splits a long prompt's BPE ids into fixed-size chunks the way AUTOMATIC1111's webui does
/// (modules/sd_hijack_clip.py, `tokenize_line`, with `comma_padding_backtrack` = 20, no BREAK keyword).
///
/// Tokens fill a chunk of `length` (75). When the chunk is full and the next token is not a comma, and the
/// chunk's last comma (",</w>") is at most `backtrack` tokens from its end, the tokens after that comma move
/// to the next chunk, so a phrase cut at the boundary stays whole. A1111 does this whenever such a comma
/// exists (it does not look at word boundaries), and so does this port, quirks included: a comma that
/// arrives when the chunk is full opens the next chunk but is not remembered as its last comma.
/// The chunks concatenated are always the input.
enum PromptChunker {
    static func chunks(_ tokens: [Int32], length: Int, commaID: Int32, backtrack: Int = 20) -> [[Int32]] {
        var chunks: [[Int32]] = []
        var chunk: [Int32] = []
        var lastComma = -1
        for token in tokens {
            if token == commaID {
                lastComma = chunk.count
            } else if backtrack != 0 && chunk.count == length && lastComma != -1
                        && chunk.count - lastComma <= backtrack {
                let moved = Array(chunk[(lastComma + 1)...])
                chunk.removeSubrange((lastComma + 1)...)
                chunks.append(chunk)
                chunk = moved
                lastComma = -1
            }
            if chunk.count == length {
                chunks.append(chunk)
                chunk = []
                lastComma = -1
            }
            chunk.append(token)
        }
        if !chunk.isEmpty || chunks.isEmpty { chunks.append(chunk) }
        return chunks
    }
}
