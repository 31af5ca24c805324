import Foundation

/// Turns a request's mode into a denoising job on a working canvas, and the generated canvas back
/// into the user's picture. Any input size works: the canvas is padded on the right and bottom
/// (edge pixels repeated) to a multiple of the VAE factor, and the result is cropped back, so the
/// output has exactly the input's size (outpainting: input plus extensions).
struct EditPlan {
    var job: DenoiseJob
    /// The user's input image (image modes).
    var original: Image8?
    /// Strength 0, an empty mask: nothing to do, the input is the answer.
    var returnsInputUnchanged = false
    /// Size of the visible canvas (before padding).
    var canvasWidth: Int, canvasHeight: Int
    /// What the generated pixels are blended onto, with which mask (inpaint, outpaint).
    var compositeBase: Image8?
    var compositeMask: SoftMask?
    /// "Only masked": where the working crop sits in compositeBase, and the size it is worked at.
    var crop: (x: Int, y: Int, width: Int, height: Int)?
    var workSize: (width: Int, height: Int)?

    /// nativeSide: the longer side "only masked" works at unless the options say otherwise
    /// (0: the crop's own size).
    init(request r: GenerationRequest, downscale f: Int, nativeSide: Int = 0) throws {
        let maxSide = StableDiffusionPipeline.maxSide
        func checkImage(_ img: Image8, _ what: String) throws {
            guard img.width >= 1, img.height >= 1, img.width <= maxSide, img.height <= maxSide else {
                throw PipelineError.invalidArgument("\(what) is \(img.width)x\(img.height); sides must be 1...\(maxSide)")
            }
            guard [1, 3, 4].contains(img.channels), img.pixels.count == img.width * img.height * img.channels else {
                throw PipelineError.invalidArgument("\(what) has an unsupported pixel layout")
            }
        }
        func checkStrength(_ s: Float) throws {
            guard s.isFinite, s >= 0, s <= 1 else { throw PipelineError.invalidArgument("strength must be in 0...1, got \(s)") }
        }
        switch r.mode {
        case .textToImage:
            guard r.width >= f, r.height >= f, r.width <= maxSide, r.height <= maxSide,
                  r.width % f == 0, r.height % f == 0 else {
                throw PipelineError.invalidArgument("size \(r.width)x\(r.height) is not allowed: width and height must be multiples of \(f) in \(f)...\(maxSide)")
            }
            job = DenoiseJob(kind: .fromNoise, width: r.width, height: r.height)
            canvasWidth = r.width; canvasHeight = r.height

        case .imageToImage(let image, let strength):
            try checkImage(image, "image")
            try checkStrength(strength)
            original = image
            canvasWidth = image.width; canvasHeight = image.height
            job = Self.canvasJob(.fromImage, image: image.rgb(), mask: nil, f: f)
            job.strength = strength
            returnsInputUnchanged = Int(Double(r.steps) * Double(String(strength))!) == 0

        case .inpaint(let image, let maskImage, let strength, let options):
            try checkImage(image, "image")
            try checkImage(maskImage, "mask")
            guard maskImage.width == image.width, maskImage.height == image.height else {
                throw PipelineError.invalidArgument("mask is \(maskImage.width)x\(maskImage.height) but the image is \(image.width)x\(image.height): they must be the same size")
            }
            try checkStrength(strength)
            original = image
            let mask = Self.prepare(SoftMask(maskImage), options)
            canvasWidth = image.width; canvasHeight = image.height
            compositeBase = image.rgb(); compositeMask = mask
            returnsInputUnchanged = mask.isEmpty || Int(Double(r.steps) * Double(String(strength))!) == 0
            if options.onlyMasked, let box = mask.boundingBox() {
                let x0 = max(0, box.x - options.padding), y0 = max(0, box.y - options.padding)
                let x1 = min(image.width, box.x + box.width + options.padding)
                let y1 = min(image.height, box.y + box.height + options.padding)
                let (cw, ch) = (x1 - x0, y1 - y0)
                // scale the crop so its longer side is the working side, to whole latent pixels
                let side = options.onlyMaskedSize > 0 ? options.onlyMaskedSize : nativeSide
                let scale = side > 0 ? Double(min(side, StableDiffusionPipeline.maxSide)) / Double(max(cw, ch)) : 1
                let ww = max(f, Int((Double(cw) * scale / Double(f)).rounded()) * f)
                let wh = max(f, Int((Double(ch) * scale / Double(f)).rounded()) * f)
                let (ow, oh) = side > 0 ? (ww, wh) : (cw, ch)
                crop = (x0, y0, cw, ch)
                workSize = (ow, oh)
                job = Self.canvasJob(.inpaint, image: compositeBase!.cropped(x: x0, y: y0, width: cw, height: ch).resized(width: ow, height: oh),
                                     mask: mask.cropped(x: x0, y: y0, width: cw, height: ch).resized(width: ow, height: oh), f: f)
            } else {
                job = Self.canvasJob(.inpaint, image: compositeBase!, mask: mask, f: f)
            }
            job.strength = strength

        case .outpaint(let image, let e, let options):
            try checkImage(image, "image")
            guard e.left >= 0, e.top >= 0, e.right >= 0, e.bottom >= 0, e.left + e.top + e.right + e.bottom > 0,
                  image.width + e.left + e.right <= maxSide, image.height + e.top + e.bottom <= maxSide else {
                throw PipelineError.invalidArgument("outpaint extents must be >= 0, not all 0, and the result at most \(maxSide) px a side")
            }
            original = image
            let (canvas, mask) = Self.outpaintCanvas(image.rgb(), e, overlap: max(0, options.overlap), seed: r.seed)
            let prepared = Self.prepare(mask, InpaintOptions.with(featherRadius: options.featherRadius))
            canvasWidth = canvas.width; canvasHeight = canvas.height
            compositeBase = canvas; compositeMask = prepared
            job = Self.canvasJob(.inpaint, image: canvas, mask: prepared, f: f)
            job.strength = 1
        }
    }

    /// Grow/shrink then feather, as the options say.
    static func prepare(_ mask: SoftMask, _ o: InpaintOptions) -> SoftMask {
        mask.grown(by: o.grow).feathered(radius: max(0, o.featherRadius))
    }

    /// Pads image (and mask, with zeros) to multiples of f and makes the job.
    static func canvasJob(_ kind: DenoiseJob.Kind, image: Image8, mask: SoftMask?, f: Int) -> DenoiseJob {
        let w = (image.width + f - 1) / f * f, h = (image.height + f - 1) / f * f
        let padded = image.paddedByRepeatingEdges(width: w, height: h)
        var job = DenoiseJob(kind: kind, width: w, height: h, image: ImageTensor.tensor(from: padded))
        if let mask {
            var values = [Float](repeating: 0, count: w * h)
            for y in 0..<mask.height { for x in 0..<mask.width { values[y * w + x] = mask.values[y * mask.width + x] } }
            job.mask = SoftMask(width: w, height: h, values: values)
        }
        return job
    }

    /// The extended canvas: new area filled by stretching the nearest edge pixels plus a little noise
    /// (a start the model can work from), and the mask: 1 on the new area, falling linearly to 0
    /// over `overlap` pixels into the original, so the seam is regenerated.
    static func outpaintCanvas(_ image: Image8, _ e: Extents, overlap: Int, seed: UInt64) -> (Image8, SoftMask) {
        let w = image.width + e.left + e.right, h = image.height + e.top + e.bottom
        var px = [UInt8](repeating: 0, count: w * h * 3)
        var maskValues = [Float](repeating: 0, count: w * h)
        let rng = TorchCPUGenerator(seed: seed ^ 0x5D_0A7F)
        for y in 0..<h {
            let sy = min(max(y - e.top, 0), image.height - 1)
            for x in 0..<w {
                let sx = min(max(x - e.left, 0), image.width - 1)
                let inside = x >= e.left && x < e.left + image.width && y >= e.top && y < e.top + image.height
                for c in 0..<3 {
                    var v = Int(image.pixels[(sy * image.width + sx) * 3 + c])
                    if !inside { v += Int(rng.next32() % 33) - 16 }
                    px[(y * w + x) * 3 + c] = UInt8(min(max(v, 0), 255))
                }
                if inside {
                    // distance to the nearest side that was extended
                    var d = Int.max
                    if e.left > 0 { d = min(d, x - e.left) }
                    if e.right > 0 { d = min(d, e.left + image.width - 1 - x) }
                    if e.top > 0 { d = min(d, y - e.top) }
                    if e.bottom > 0 { d = min(d, e.top + image.height - 1 - y) }
                    maskValues[y * w + x] = d < overlap ? 1 - Float(d + 1) / Float(overlap + 1) : 0
                } else {
                    maskValues[y * w + x] = 1
                }
            }
        }
        return (Image8(width: w, height: h, channels: 3, pixels: px), SoftMask(width: w, height: h, values: maskValues))
    }

    /// The generated working canvas -> the user's picture.
    func finish(_ generated: Image8) -> Image8 {
        guard let base = compositeBase, let mask = compositeMask else {
            return generated.cropped(x: 0, y: 0, width: canvasWidth, height: canvasHeight)
        }
        if let crop, let workSize {
            // the worked crop, back to its place and size, then blended with the mask
            let worked = generated.cropped(x: 0, y: 0, width: workSize.width, height: workSize.height)
                .resized(width: crop.width, height: crop.height)
            var full = base
            for y in 0..<crop.height { for x in 0..<crop.width { for c in 0..<3 {
                full.pixels[((crop.y + y) * base.width + crop.x + x) * 3 + c] = worked.pixels[(y * crop.width + x) * 3 + c]
            } } }
            return Composite.blend(original: base, generated: full, mask: mask)
        }
        return Composite.blend(original: base, generated: generated.cropped(x: 0, y: 0, width: base.width, height: base.height), mask: mask)
    }
}

extension InpaintOptions {
    static func with(featherRadius: Int) -> InpaintOptions {
        var o = InpaintOptions()
        o.featherRadius = featherRadius
        return o
    }
}

extension Image8 {
    func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image8 {
        if x == 0 && y == 0 && w == width && h == height { return self }
        var px = [UInt8](repeating: 0, count: w * h * channels)
        for row in 0..<h {
            let src = ((y + row) * width + x) * channels
            px.replaceSubrange((row * w * channels)..<((row + 1) * w * channels), with: pixels[src..<(src + w * channels)])
        }
        return Image8(width: w, height: h, channels: channels, pixels: px)
    }

    func paddedByRepeatingEdges(width w: Int, height h: Int) -> Image8 {
        if w == width && h == height { return self }
        var px = [UInt8](repeating: 0, count: w * h * channels)
        for y in 0..<h { for x in 0..<w {
            let s = (min(y, height - 1) * width + min(x, width - 1)) * channels
            for c in 0..<channels { px[(y * w + x) * channels + c] = pixels[s + c] }
        } }
        return Image8(width: w, height: h, channels: channels, pixels: px)
    }
}

extension SoftMask {
    func cropped(x: Int, y: Int, width w: Int, height h: Int) -> SoftMask {
        var v = [Float](repeating: 0, count: w * h)
        for row in 0..<h { for col in 0..<w { v[row * w + col] = values[(y + row) * width + x + col] } }
        return SoftMask(width: w, height: h, values: v)
    }
}
