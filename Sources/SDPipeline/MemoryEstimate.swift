import Foundation
import SDCheckpoint
import Synchronization

/// A generation's peak working memory (activations and buffers, beyond the loaded weights),
/// estimated from the model's configuration and the canvas size, so that a request the machine
/// cannot hold fails at once with PipelineError.outOfMemory instead of being killed half-way.
/// The terms follow the engine's allocations: UNet skip connections and per-level temporaries
/// (x2 with classifier-free guidance), attention scores (1024-row tiles, SDTensor.Attention),
/// VAE feature maps at full resolution, im2col bands (64 MB, SDTensor.Conv2d). Calibrated against
/// measured peak RSS of the tiny fixtures (docs/RELIABILITY.md); it errs on the high side.
public enum MemoryEstimate {
    public static func peakBytes(config: ModelConfig, width: Int, height: Int, guided: Bool) -> Int {
        peakBytes(config: config, width: width, height: height, unetBatch: guided ? 2 : 1)
    }

    /// `unetBatch`: the rows of one UNet call (2 with guidance; 1 + K for K composable prompts).
    /// `vaeTile`: the decode runs in tiles of this many latents a side (TiledDecode), so its feature
    /// maps are a tile's, plus the output image.
    public static func peakBytes(config: ModelConfig, width: Int, height: Int, unetBatch: Int, vaeTile: Int? = nil) -> Int {
        let f = max(1, config.vae.downscale)
        let lw = (width + f - 1) / f, lh = (height + f - 1) / f
        let batch = max(1, unetBatch)
        let floats = 4

        // UNet: every level's skips stay alive; the deepest working set is level 0's.
        let unet = config.unet
        var skips = 0, working = 0
        for (level, channels) in unet.blockOutChannels.enumerated() {
            let tokens = max(1, (lw >> level) * (lh >> level))
            skips += (unet.layersPerBlock + 1) * channels * tokens * batch
            let scores = min(tokens, 1024) * tokens
            working = max(working, 16 * channels * tokens * batch + scores)
        }
        let unetBytes = (skips + working) * floats

        // VAE: ~8 feature maps of the top level's channels at full resolution, plus the mid-block's
        // single-head attention over the latent tokens.
        let vaeChannels = config.vae.blockOutChannels.first ?? 128
        let tileW = min(lw, vaeTile ?? lw), tileH = min(lh, vaeTile ?? lh)
        let pixels = tileW * f * tileH * f
        let tokens = tileW * tileH
        let vaeBytes = (8 * vaeChannels * pixels + min(tokens, 1024) * tokens + 4 * (config.vae.blockOutChannels.last ?? 512) * tokens) * floats

        let tiles = vaeTile == nil ? 0 : 3 * lw * f * lh * f * floats * 2  // decoded tiles kept for blending + output
        let buffers = 64 << 20 + 32 << 20 + tiles  // im2col band + images, latents, text context
        return max(unetBytes, vaeBytes) + buffers
    }
}

/// The limit generations are checked against: set by the caller (sdswift_set_memory_limit), or by
/// default the memory the machine has available now (/proc/meminfo MemAvailable).
public enum MemoryLimit {
    private static let configured = Atomic<Int>(0)

    /// 0: automatic (available memory at the start of each generation).
    public static var bytes: Int {
        get { configured.load(ordering: .relaxed) }
        set { configured.store(max(0, newValue), ordering: .relaxed) }
    }

    /// The limit in force now.
    public static var effective: Int {
        let set = bytes
        return set > 0 ? set : available()
    }

    /// MemAvailable from /proc/meminfo, else free physical pages; Int.max when neither is known.
    public static func available() -> Int {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kb = Int(line.split(separator: " ").dropFirst().first ?? "") {
            return kb * 1024
        }
        let pages = sysconf(Int32(_SC_AVPHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? pages * size : Int.max
    }

    static func check(_ needed: Int, width: Int, height: Int) throws {
        let limit = effective
        guard needed <= limit else {
            let mib = { (b: Int) in "\(b >> 20) MiB" }
            throw PipelineError.outOfMemory("a \(width)x\(height) generation needs about \(mib(needed)) of working memory, "
                                            + "more than the \(bytes > 0 ? "limit of" : "available") \(mib(limit)); "
                                            + "use a smaller size or raise the limit")
        }
    }
}
