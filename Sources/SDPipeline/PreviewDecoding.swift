import SDModels
import SDTensor

/// Latents -> pictures for the denoising loop: progress previews and the final decode, through TAESD
/// when the pipeline has one (LoadOptions.taesdPath / fastDecode), else the linear map and the VAE.
extension StableDiffusionPipeline {
    /// The preview of `latents` (model scale, 1 x latentC x height x width) after a step, divided by
    /// the sampler's input scale first (so noisy early steps are shown at unit variance).
    /// TAESD: a full-size image (height*f x width*f); without it: latent size, no network run.
    func previewImage(_ latents: [Float], width: Int, height: Int, divisor: Float) -> Image8 {
        guard let tiny = tinyAutoencoder else {
            return LatentPreview.image(latents, width: width, height: height, divisor: divisor)
        }
        let input = Tensor([1, latents.count / (width * height), height, width], values: latents.map { $0 / divisor })
        return ImageTensor.image(from: tiny.decode(input))
    }

    /// The final latents (model scale, [1, latentC, h, w]) -> image [1, 3, H, W] about [-1, 1]: the VAE
    /// (on latents / scaling factor), or TAESD with fast decode (on the latents as they are, as
    /// diffusers' pipeline with an AutoencoderTiny, whose scaling factor is 1).
    /// With tiling (.on, or .auto above 1.5 tiles a side) the VAE runs in tiles (TiledDecode).
    func decodeFinal(_ latents: Tensor, tiling: VAETiling = .off, tile: Int = 64) -> Tensor {
        if loadOptions.fastDecode, let tiny = tinyAutoencoder { return tiny.decode(latents) }
        let scaling = config.vae.scalingFactor
        let scaled = Tensor(latents.shape)
        for i in 0..<latents.count { scaled.data[i] = latents.data[i] / scaling }
        guard tiling.applies(height: latents.shape[2], width: latents.shape[3], tile: tile) else { return vae.decode(scaled) }
        return TiledDecode.decode(scaled, tile: tile, overlap: 0.25, factor: downscale, decode: vae.decode)
    }
}
