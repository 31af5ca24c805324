import SDCheckpoint
import SDPipeline
import XCTest

/// The promises of the editing modes that hold for any model: sizes, kept pixels, no-ops, errors.
final class EditModesTests: XCTestCase {
    static let pipe = try! StableDiffusionPipeline(path: Fixtures.model("sd1-tiny.safetensors"))
    static let inpaintPipe = try! StableDiffusionPipeline(path: Fixtures.model("sd1-inpaint-tiny.safetensors"))

    /// A deterministic test picture of any size.
    func picture(_ w: Int, _ h: Int) -> Image8 {
        var px = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w {
            px[(y * w + x) * 3] = UInt8((x * 255) / max(1, w - 1))
            px[(y * w + x) * 3 + 1] = UInt8((y * 255) / max(1, h - 1))
            px[(y * w + x) * 3 + 2] = UInt8(((x + y) * 37) % 256)
        } }
        return Image8(width: w, height: h, channels: 3, pixels: px)
    }

    func request(_ mode: GenerationMode) -> GenerationRequest {
        var r = GenerationRequest()
        r.mode = mode
        r.prompt = "a green square"
        r.steps = 4
        r.seed = 3
        return r
    }

    func testStrengthZeroReturnsInput() throws {
        let img = picture(20, 12)
        let out = try Self.pipe.generate(request(.imageToImage(image: img, strength: 0)))
        XCTAssertEqual(out.images[0], img)
    }

    func testImg2ImgOddSizeKeepsSizeAndChanges() throws {
        let img = picture(19, 13)
        let out = try Self.pipe.generate(request(.imageToImage(image: img, strength: 0.75)))
        XCTAssertEqual(out.images[0].width, 19)
        XCTAssertEqual(out.images[0].height, 13)
        XCTAssertNotEqual(out.images[0], img)
    }

    func testAllZeroMaskReturnsInput() throws {
        let img = picture(16, 16)
        let mask = Image8(width: 16, height: 16, channels: 1, fill: 0)
        let out = try Self.pipe.generate(request(.inpaint(image: img, mask: mask, strength: 1, options: InpaintOptions())))
        XCTAssertEqual(out.images[0], img)
    }

    /// Pixels where the mask is 0 are byte-identical; pixels under the mask change.
    func assertKeptOutsideMask(_ pipe: StableDiffusionPipeline, _ w: Int, _ h: Int, options: InpaintOptions) throws {
        let img = picture(w, h)
        var mask = Image8(width: w, height: h, channels: 1, fill: 0)
        for y in (h / 4)..<(h / 2 + 2) { for x in (w / 4)..<(w / 2 + 3) { mask.pixels[y * w + x] = 255 } }
        let out = try pipe.generate(request(.inpaint(image: img, mask: mask, strength: 1, options: options))).images[0]
        XCTAssertEqual(out.width, w); XCTAssertEqual(out.height, h)
        // the feathered mask reaches beyond the drawn one: compare only pixels it leaves at 0
        let effective = SoftMask(mask).grown(by: options.grow).feathered(radius: options.featherRadius)
        var changed = 0
        for i in 0..<(w * h) {
            if effective.values[i] == 0 {
                XCTAssertEqual(Array(out.pixels[(i * 3)..<(i * 3 + 3)]), Array(img.pixels[(i * 3)..<(i * 3 + 3)]), "pixel \(i)")
            } else if mask.pixels[i] == 255, out.pixels[(i * 3)..<(i * 3 + 3)] != img.pixels[(i * 3)..<(i * 3 + 3)] {
                changed += 1
            }
        }
        XCTAssertGreaterThan(changed, 0, "nothing under the mask changed")
    }

    func testInpaintKeepsUnmaskedPixels4Channel() throws {
        try assertKeptOutsideMask(Self.pipe, 24, 16, options: InpaintOptions())
    }

    func testInpaintKeepsUnmaskedPixels9ChannelOddSizeFeathered() throws {
        var o = InpaintOptions(); o.featherRadius = 2
        try assertKeptOutsideMask(Self.inpaintPipe, 21, 18, options: o)
    }

    func testOnlyMaskedKeepsUnmaskedPixels() throws {
        // (the fixture model's native size is 512: too slow for a debug-build test, so explicit sizes)
        var o = InpaintOptions(); o.onlyMasked = true; o.padding = 2
        o.onlyMaskedSize = 24
        try assertKeptOutsideMask(Self.pipe, 40, 32, options: o)       // scaled up to 24 px
        o.onlyMaskedSize = 8
        try assertKeptOutsideMask(Self.pipe, 40, 32, options: o)       // scaled down
    }

    func testOutpaintSizeAndPreservedOriginal() throws {
        let img = picture(16, 16)
        var o = InpaintOptions(); o.overlap = 4
        let e = Extents(left: 8, top: 0, right: 5, bottom: 3)
        let out = try Self.pipe.generate(request(.outpaint(image: img, extend: e, options: o))).images[0]
        XCTAssertEqual(out.width, 16 + 8 + 5)
        XCTAssertEqual(out.height, 16 + 3)
        // the original outside the overlap band is byte-identical
        for y in 0..<(16 - o.overlap) { for x in o.overlap..<(16 - o.overlap) {
            let src = (y * 16 + x) * 3, dst = (y * out.width + x + 8) * 3
            XCTAssertEqual(Array(out.pixels[dst..<(dst + 3)]), Array(img.pixels[src..<(src + 3)]))
        } }
    }

    func testWrongSizeMaskIsAnError() {
        let img = picture(16, 16)
        let mask = Image8(width: 8, height: 16, channels: 1, fill: 255)
        XCTAssertThrowsError(try Self.pipe.generate(request(.inpaint(image: img, mask: mask, strength: 1, options: InpaintOptions())))) {
            XCTAssertTrue("\($0)".contains("same size"), "\($0)")
        }
    }

    func testTxt2ImgSizeMustBeMultipleOfFactor() {
        var r = request(.textToImage)
        r.width = 17
        XCTAssertThrowsError(try Self.pipe.generate(r))
    }

    func testSameSeedSameImageDifferentSeedDifferent() throws {
        var r = request(.textToImage); r.width = 16; r.height = 16
        let a = try Self.pipe.generate(r), b = try Self.pipe.generate(r)
        XCTAssertEqual(a.images, b.images)
        r.seed = 4
        XCTAssertNotEqual(try Self.pipe.generate(r).images, a.images)
    }

    func testCancelFromProgressStopsTheRun() {
        var r = request(.textToImage); r.width = 16; r.height = 16; r.steps = 10
        var seen = 0
        XCTAssertThrowsError(try Self.pipe.generate(r, progress: { e in
            if e.stage == .denoise { seen = e.step }
            return !(e.stage == .denoise && e.step == 2)
        })) { XCTAssertEqual($0 as? PipelineError, .cancelled) }
        XCTAssertEqual(seen, 2)
    }
}

final class PNGAndHashTests: XCTestCase {
    func testPNGRoundTripWithParameters() throws {
        var img = Image8(width: 5, height: 3, channels: 3)
        for i in 0..<img.pixels.count { img.pixels[i] = UInt8((i * 17) % 256) }
        let text = "a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler, CFG scale: 7.5, Seed: 1, Size: 5x3"
        let bytes = try PNG.encode(img, text: [("parameters", text)])
        XCTAssertEqual(try PNG.decode(bytes), img)
        XCTAssertEqual(PNG.textChunks(bytes)["parameters"], text)
        XCTAssertThrowsError(try PNG.decode(Array(bytes.prefix(40))))
        XCTAssertThrowsError(try PNG.decode([1, 2, 3]))
    }

    func testParametersTextHasA1111Fields() throws {
        let pipe = EditModesTests.pipe
        var r = GenerationRequest()
        r.prompt = "a red circle"; r.negativePrompt = "blue"; r.width = 16; r.height = 16; r.steps = 2; r.seed = 99
        let p = try pipe.generate(r).parameters[0]
        XCTAssertTrue(p.hasPrefix("a red circle\nNegative prompt: blue\nSteps: 2, Sampler: Euler, CFG scale: 7.5, Seed: 99, Size: 16x16, Model hash: "), p)
    }
}

final class PreviewTests: XCTestCase {
    func testEveryDenoisingStepCarriesAPreviewWhenAsked() throws {
        var r = GenerationRequest()
        r.prompt = "a red circle"; r.width = 16; r.height = 16; r.steps = 5; r.seed = 2
        var previews: [Image8] = [], steps: [Int] = []
        r.previews = true
        let withPreviews = try EditModesTests.pipe.generate(r, progress: { e in
            if let p = e.preview { previews.append(p); steps.append(e.step) }
            return true
        })
        XCTAssertEqual(steps, [1, 2, 3, 4, 5])  // step k's event carries the latents after k steps
        XCTAssertTrue(previews.allSatisfy { $0.width == 8 && $0.height == 8 && $0.channels == 3 })
        XCTAssertNotEqual(previews.first, previews.last)
        r.previews = false
        var none = 0
        let without = try EditModesTests.pipe.generate(r, progress: { e in if e.preview != nil { none += 1 }; return true })
        XCTAssertEqual(none, 0)
        XCTAssertEqual(withPreviews.images, without.images)  // previews never change the result
    }
}
