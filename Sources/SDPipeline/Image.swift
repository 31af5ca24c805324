import SDTensor

/// An 8-bit image, rows packed without padding: 1 (gray/mask), 3 (RGB) or 4 (RGBA) channels.
public struct Image8: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "Image8: pixel count")
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: fill, count: width * height * channels))
    }

    /// The same picture as RGB (gray is replicated, alpha dropped).
    public func rgb() -> Image8 {
        if channels == 3 { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            for c in 0..<3 { out[i * 3 + c] = pixels[i * channels + (channels == 1 ? 0 : c)] }
        }
        return Image8(width: width, height: height, channels: 3, pixels: out)
    }

    /// One channel (gray): the first channel of a multi-channel image.
    public func gray() -> Image8 {
        if channels == 1 { return self }
        var out = [UInt8](repeating: 0, count: width * height)
        for i in 0..<(width * height) { out[i] = pixels[i * channels] }
        return Image8(width: width, height: height, channels: 1, pixels: out)
    }
}

/// Conversions between 8-bit images and the model's [-1, 1] float tensors.
public enum ImageTensor {
    /// RGB image -> [1, 3, H, W] in [-1, 1] (x / 127.5 - 1, as diffusers' preprocessing: x/255*2-1).
    public static func tensor(from image: Image8) -> Tensor {
        let rgb = image.rgb(), plane = rgb.width * rgb.height
        let t = Tensor([1, 3, rgb.height, rgb.width])
        for i in 0..<plane {
            for c in 0..<3 { t.data[c * plane + i] = Float(rgb.pixels[i * 3 + c]) / 255 * 2 - 1 }
        }
        return t
    }

    /// Sample `index` of [N, 3, H, W] in about [-1, 1] -> RGB, as diffusers: clamp((x/2+0.5), 0, 1),
    /// then round(x * 255).
    public static func image(from t: Tensor, index: Int = 0) -> Image8 {
        let h = t.shape[2], w = t.shape[3], plane = h * w
        var px = [UInt8](repeating: 0, count: plane * 3)
        let base = t.data + index * 3 * plane
        for i in 0..<plane {
            for c in 0..<3 {
                let x = base[c * plane + i] / 2 + 0.5
                let v = x.isNaN ? 0 : min(max(x, 0), 1)  // NaN would trap in UInt8(_:)
                px[i * 3 + c] = UInt8((v * 255).rounded())
            }
        }
        return Image8(width: w, height: h, channels: 3, pixels: px)
    }
}
