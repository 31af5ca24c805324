import XCTest
@testable import SDPipeline

/// `sdswift animate`'s engine path on the embedded default model: 8 frames from "a red circle" to
/// "a blue square" (the CLI calls exactly this; Tests/CLI checks the files it writes).
final class DefaultModelAnimationTests: XCTestCase {
    static let modelPath = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Models/default/sdswift-default.safetensors").path

    /// Mean of (red - blue) over the image, in 0...255 units.
    func redMinusBlue(_ image: Image8) -> Double {
        var sum = 0
        for i in 0..<(image.width * image.height) { sum += Int(image.pixels[3 * i]) - Int(image.pixels[3 * i + 2]) }
        return Double(sum) / Double(image.width * image.height)
    }

    func testRedCircleToBlueSquare() throws {
        let pipe = try StableDiffusionPipeline(path: Self.modelPath)
        var animation = AnimationRequest()
        animation.base.width = 64; animation.base.height = 64; animation.base.steps = 20
        animation.keyframes = ["a red circle", "a blue square"]
        animation.seedFrom = 3; animation.seedTo = 3; animation.frames = 8
        var frames: [Image8] = []
        try pipe.animate(animation) { _, image, _ in frames.append(image) }
        XCTAssertEqual(frames.count, 8)

        var single = animation.base
        single.seed = 3
        single.prompt = "a red circle"
        XCTAssertEqual(try pipe.generate(single).images[0], frames[0], "first frame == txt2img 'a red circle'")
        single.prompt = "a blue square"
        XCTAssertEqual(try pipe.generate(single).images[0], frames[7], "last frame == txt2img 'a blue square'")

        let values = frames.map(redMinusBlue)
        let total = values[0] - values[7]
        print("red - blue per frame: \(values.map { String(format: "%.1f", $0) }.joined(separator: " ")); total change \(String(format: "%.1f", total))")
        XCTAssertGreaterThan(total, 10, "the colour moves from red toward blue")
        for i in 0..<7 {
            XCTAssertGreaterThanOrEqual(values[i] - values[i + 1], -0.1 * total,
                                        "frame \(i) -> \(i + 1) goes back by more than 10% of the total change")
        }
    }
}
