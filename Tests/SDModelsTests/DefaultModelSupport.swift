import Foundation
import XCTest
@testable import SDPipeline

/// The embedded default model: where it is, what its captions say (Tools/train_default/drawings.py).
enum DefaultModel {
    static let path = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Models/default/sdswift-default.safetensors").path
    static let shapes = ["circle", "square", "triangle", "star"]
    static let colours = ["red", "green", "blue", "yellow", "purple"]
    static let positions = ["left", "center", "right"]
    static let phrases = ["left": "on the left", "center": "in the center", "right": "on the right"]
    static let backgrounds = ["white", "black", "gray"]

    /// Every (shape, colour, position, background) in drawings.all_combinations() order.
    static let combinations: [ShapeChecker.Verdict] = shapes.flatMap { s in colours.flatMap { c in positions.flatMap { p in
        backgrounds.map { b in ShapeChecker.Verdict(shape: s, colour: c, position: p, background: b) } } } }

    /// A txt2img request as the model card recommends: 64x64, Euler, guidance 6.
    static func request(_ prompt: String, seed: UInt64, steps: Int = 20) -> GenerationRequest {
        var r = GenerationRequest()
        r.prompt = prompt
        r.width = 64; r.height = 64; r.steps = steps; r.guidanceScale = 6; r.seed = seed
        return r
    }

    static func caption(_ v: ShapeChecker.Verdict) -> String {
        "a \(v.colour) \(v.shape) \(phrases[v.position]!), \(v.background) background"
    }

    /// Image i of a horizontal strip of 64x64 tiles.
    static func tile(_ strip: Image8, _ i: Int) -> Image8 {
        var pixels = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for y in 0..<64 { for x in 0..<64 { for c in 0..<3 {
            pixels[(y * 64 + x) * 3 + c] = strip.pixels[(y * strip.width + i * 64 + x) * 3 + c]
        } } }
        return Image8(width: 64, height: 64, channels: 3, pixels: pixels)
    }
}
