import SDModels
import SDTensor

/// When the final decode runs in tiles (bounded memory for large images).
public enum VAETiling: Int, Sendable {
    /// Tiles when the latent is larger than 1.5 tiles on a side (above 768 px for SD: 96 latents).
    case auto = 0
    case on = 1
    case off = 2

    /// Whether a latent of `height` x `width` is decoded in tiles of `tile` latents a side.
    func applies(height: Int, width: Int, tile: Int) -> Bool {
        switch self {
        case .on: return height > tile || width > tile
        case .auto: return 2 * max(height, width) > 3 * tile
        case .off: return false
        }
    }
}

/// The VAE decode in overlapping tiles, as diffusers' AutoencoderKL.tiled_decode does it: tiles of
/// `tile` latents every `tile * (1 - overlap)` latents, each decoded alone; every tile is blended
/// into the one above and the one to its left with linear ramps over `tileSample * overlap`
/// pixels, then cropped to `tileSample * (1 - overlap)` and the crops laid side by side. Memory
/// follows the tile, not the image. Not bit-equal to a whole decode (each tile has its own
/// GroupNorm statistics and attention): the ramps hide the seams.
enum TiledDecode {
    static func decode(_ latents: Tensor, tile: Int, overlap: Float, factor: Int, decode: (Tensor) -> Tensor) -> Tensor {
        let c = latents.shape[1], h = latents.shape[2], w = latents.shape[3]
        let step = max(1, Int(Float(tile) * (1 - overlap)))
        let tileSample = tile * factor
        let blend = Int(Float(tileSample) * overlap)
        let limit = tileSample - blend
        let rowStarts = Array(stride(from: 0, to: h, by: step)), colStarts = Array(stride(from: 0, to: w, by: step))

        // Decode every tile: [1, 3, th*f, tw*f] each.
        let tiles: [[Tensor]] = rowStarts.map { y0 in
            colStarts.map { x0 in
                let th = min(tile, h - y0), tw = min(tile, w - x0)
                let part = Tensor([1, c, th, tw])
                for ch in 0..<c { for y in 0..<th {
                    (part.data + (ch * th + y) * tw).update(from: latents.data + (ch * h + y0 + y) * w + x0, count: tw)
                } }
                return decode(part)
            }
        }
        // Blend in place, in diffusers' order (a tile blends with the already blended tiles above and left).
        for i in tiles.indices {
            for j in tiles[i].indices {
                if i > 0 { blendVertical(tiles[i - 1][j], into: tiles[i][j], extent: blend) }
                if j > 0 { blendHorizontal(tiles[i][j - 1], into: tiles[i][j], extent: blend) }
            }
        }
        // Crop each tile to limit x limit and lay them out.
        let outH = h * factor, outW = w * factor
        let out = Tensor([1, 3, outH, outW])
        var y0 = 0
        for row in tiles {
            var x0 = 0, rowHeight = 0
            for t in row {
                let th = min(limit, t.shape[2]), tw = min(limit, t.shape[3])
                for ch in 0..<3 { for y in 0..<th {
                    (out.data + (ch * outH + y0 + y) * outW + x0).update(from: t.data + (ch * t.shape[2] + y) * t.shape[3], count: tw)
                } }
                x0 += tw
                rowHeight = th
            }
            y0 += rowHeight
        }
        return out
    }

    /// b's first rows fade in over a's last rows: b[y] = a[-e + y] * (1 - y/e) + b[y] * (y/e).
    static func blendVertical(_ a: Tensor, into b: Tensor, extent: Int) {
        let e = min(a.shape[2], b.shape[2], extent)
        guard e > 0 else { return }
        let ah = a.shape[2], bh = b.shape[2], aw = a.shape[3], bw = b.shape[3], width = min(aw, bw)
        for ch in 0..<3 { for y in 0..<e {
            let t = Float(y) / Float(e)
            let src = a.data + (ch * ah + ah - e + y) * aw, dst = b.data + (ch * bh + y) * bw
            for x in 0..<width { dst[x] = src[x] * (1 - t) + dst[x] * t }
        } }
    }

    /// b's first columns fade in over a's last columns.
    static func blendHorizontal(_ a: Tensor, into b: Tensor, extent: Int) {
        let e = min(a.shape[3], b.shape[3], extent)
        guard e > 0 else { return }
        let ah = a.shape[2], bh = b.shape[2], aw = a.shape[3], bw = b.shape[3], height = min(ah, bh)
        for ch in 0..<3 { for y in 0..<height {
            let src = a.data + (ch * ah + y) * aw + aw - e, dst = b.data + (ch * bh + y) * bw
            for x in 0..<e {
                let t = Float(x) / Float(e)
                dst[x] = src[x] * (1 - t) + dst[x] * t
            }
        } }
    }
}
