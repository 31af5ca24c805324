import Foundation
import SDCheckpoint

/// The size a model was trained at: txt2img's default size, and the working size of inpainting's
/// "only masked" mode.
/// Single file: the `sdswift.native_size` entry of the safetensors `__metadata__` ("64" or "64x48").
/// Diffusers folder: unet/config.json `sample_size` times the VAE factor (what diffusers uses).
/// Otherwise 768 for SD2 v-prediction models (SD 2.x 768-v), else 512.
public enum NativeSize {
    public static let metadataKey = "sdswift.native_size"

    public static func of(path: String, config: ModelConfig) -> (width: Int, height: Int) {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        if isFolder.boolValue {
            if let size = folderSampleSize(path) { return (size.width * config.vae.downscale, size.height * config.vae.downscale) }
        } else if let file = try? SafeTensorsFile(path: path), let text = file.metadata[metadataKey],
                  let size = parse(text) {
            return size
        }
        let side = config.family == .sd2 && config.schedule.predictionType == .vPrediction ? 768 : 512
        return (side, side)
    }

    /// "64" -> 64x64, "64x48" -> 64 wide, 48 high; nil when not positive numbers.
    public static func parse(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.lowercased().split(separator: "x").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return (parts[0]!, parts.last!!)
    }

    /// `sample_size` in latent pixels: an integer, or [height, width].
    private static func folderSampleSize(_ folder: String) -> (width: Int, height: Int)? {
        let url = URL(fileURLWithPath: folder).appendingPathComponent("unet/config.json")
        guard let data = try? Data(contentsOf: url),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        if let n = json["sample_size"] as? Int, n > 0 { return (n, n) }
        if let hw = json["sample_size"] as? [Int], hw.count == 2, hw[0] > 0, hw[1] > 0 { return (hw[1], hw[0]) }
        return nil
    }
}
