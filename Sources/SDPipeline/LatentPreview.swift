/// A picture of the latents without the VAE: a fixed linear map from the 4 latent channels to RGB
/// (the approximation fitted for Stable Diffusion 1.x/2.x's VAE that ComfyUI and others use for live
/// previews). One pixel per latent pixel: 64x64 for a 512x512 image.
enum LatentPreview {
    static let factors: [[Float]] = [   // latent channel -> (R, G, B)
        [0.3512, 0.2297, 0.3227],
        [0.3250, 0.4974, 0.2350],
        [-0.2829, 0.1762, 0.2721],
        [-0.2120, -0.2616, -0.7177],
    ]

    /// latents: 4 x height x width (model scale); divided by `divisor` (the sampler's input scale,
    /// so noisy early steps are shown at unit variance).
    static func image(_ latents: [Float], width: Int, height: Int, divisor: Float) -> Image8 {
        let plane = width * height
        var px = [UInt8](repeating: 0, count: plane * 3)
        for p in 0..<plane {
            for c in 0..<3 {
                var v: Float = 0
                for k in 0..<4 { v += latents[k * plane + p] / divisor * factors[k][c] }
                px[p * 3 + c] = UInt8(min(max((v + 1) / 2, 0), 1) * 255)
            }
        }
        return Image8(width: width, height: height, channels: 3, pixels: px)
    }
}
