import XCTest
@testable import SDPipeline

/// Seed travel (slerp of noise) and animations.
final class InterpolationTests: XCTestCase {
    func testSlerpEndpointsNormAndSymmetry() {
        let a = TorchCPUGenerator(seed: 1).randn(4 * 64 * 64), b = TorchCPUGenerator(seed: 2).randn(4 * 64 * 64)
        XCTAssertEqual(Slerp.interpolate(a, b, t: 0), a)
        XCTAssertEqual(Slerp.interpolate(a, b, t: 1), b)
        func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let na = norm(a), nb = norm(b)
        for k in 0...20 {
            let n = norm(Slerp.interpolate(a, b, t: Float(k) / 20))
            XCTAssertLessThanOrEqual(abs(n - na) / na, 0.01, "t=\(Double(k) / 20): norm \(n) vs \(na)")
            XCTAssertLessThanOrEqual(abs(n - nb) / nb, 0.01, "t=\(Double(k) / 20): norm \(n) vs \(nb)")
        }
        // A straight line would lose about 29% of the norm halfway; slerp keeps it.
        let lerp = zip(a, b).map { 0.5 * $0 + 0.5 * $1 }
        XCTAssertLessThan(norm(lerp) / na, 0.75)
        XCTAssertEqual(Slerp.interpolate(a, b, t: 0.5), Slerp.interpolate(b, a, t: 0.5), "t = 0.5 is symmetric")
        let x = Slerp.interpolate(a, b, t: 0.3), y = Slerp.interpolate(b, a, t: 0.7)
        XCTAssertLessThan(zip(x, y).map { abs($0 - $1) }.max()!, 1e-5)
        // Parallel and zero vectors do not divide by zero.
        XCTAssertEqual(Slerp.interpolate([1, 2], [2, 4], t: 0.5), [1.5, 3])
        XCTAssertEqual(Slerp.interpolate([0, 0], [2, 4], t: 0.5), [1, 2])
    }

    func testVariationSeedEndpointsAreTheSeeds() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        var r = GenerationRequest()
        r.prompt = "a red circle"; r.width = 16; r.height = 16; r.steps = 3; r.sampler = "euler_a"
        r.seed = 11
        let first = try pipe.generate(r).images
        r.seed = 12
        let second = try pipe.generate(r).images
        r.seed = 11; r.variationSeed = 12
        r.variationStrength = 0
        XCTAssertEqual(try pipe.generate(r).images, first)
        r.variationStrength = 1
        XCTAssertEqual(try pipe.generate(r).images, second, "every draw, incl. ancestral step noise, is the variation seed's")
        r.variationStrength = 0.5
        let middle = try pipe.generate(r)
        XCTAssertNotEqual(middle.images, first)
        XCTAssertNotEqual(middle.images, second)
        XCTAssertTrue(middle.parameters[0].contains("Variation seed: 12, Variation seed strength: 0.5"))
    }

    func testAnimationFramesAndEndpoints() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny"))
        var animation = AnimationRequest()
        animation.base.width = 16; animation.base.height = 16; animation.base.steps = 3
        animation.keyframes = ["a red circle", "a blue square", "a green star"]
        animation.seedFrom = 3; animation.seedTo = 4; animation.frames = 5
        var frames: [Image8] = [], texts: [String] = [], eventsPerFrame = [Int](repeating: 0, count: 5)
        try pipe.animate(animation, progress: { eventsPerFrame[$0.imageIndex] += 1; return true }) { index, image, text in
            XCTAssertEqual(index, frames.count)
            frames.append(image); texts.append(text)
        }
        XCTAssertEqual(frames.count, 5)
        XCTAssertTrue(eventsPerFrame.allSatisfy { $0 > 0 })
        // Frames 0, 2 and 4 sit on keyframes: plain generations of those prompts.
        var plain = animation.base
        plain.prompt = "a red circle"; plain.seed = 3
        XCTAssertEqual(try pipe.generate(plain).images[0], frames[0])
        plain.prompt = "a green star"; plain.seed = 4
        XCTAssertEqual(try pipe.generate(plain).images[0], frames[4])
        XCTAssertTrue(texts[1].hasPrefix("a red circle :0.5 AND a blue square :0.5\n"), texts[1])
        XCTAssertTrue(texts[1].contains("Prompt mix: blend"))
        XCTAssertEqual(Set(frames.map(\.pixels)).count, 5, "every frame differs")

        // Chaining: frame 0 is unchanged, later frames start from the previous one.
        animation.chainStrength = 0.5
        var chained: [Image8] = []
        try pipe.animate(animation) { _, image, _ in chained.append(image) }
        XCTAssertEqual(chained[0], frames[0])
        XCTAssertNotEqual(chained[1], frames[1])

        animation.keyframes = ["only one"]
        XCTAssertThrowsError(try pipe.animate(animation) { _, _, _ in })
    }
}

/// Seed travel through caller-given noise: a seed's first draws are its starting noise.
final class SeedNoiseTests: XCTestCase {
    func testInitialNoiseOfASeedReproducesTheSeed() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny.safetensors"))
        var r = GenerationRequest()
        r.prompt = "a red circle"; r.width = 16; r.height = 16; r.steps = 3; r.seed = 8
        let a = try pipe.generate(r).images
        let count = pipe.config.vae.latentChannels * (16 / pipe.downscale) * (16 / pipe.downscale)
        r.seed = 123  // Euler draws nothing after the starting noise
        r.initialNoise = Slerp.interpolate(SeededNoise(seed: 7).next(count), SeededNoise(seed: 8).next(count), t: 1)
        XCTAssertEqual(try pipe.generate(r).images, a)
    }
}
