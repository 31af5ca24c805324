import Foundation
import XCTest
@testable import SDPipeline

/// The CUDA-compatible generator: Philox4x32-10 against the algorithm's published known answers, and
/// the seed -> normal values mapping against AUTOMATIC1111's "NV" source (Tests/Fixtures/philox_randn.json,
/// written by Tools/reference/philox_table.py from A1111's documented algorithm).
final class PhiloxTests: XCTestCase {
    /// Random123 tests/kat_vectors, the three "philox4x32 10" lines (DEShawResearch/random123 commit
    /// 9545ff64, lines 27-29): counter (4 words), key (2 words), expected output (4 words).
    func testKnownAnswerVectors() {
        let kat: [([UInt32], [UInt32], [UInt32])] = [
            ([0, 0, 0, 0], [0, 0], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]),
            ([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff], [0xffff_ffff, 0xffff_ffff],
             [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]),
            ([0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0],
             [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]),
        ]
        for (c, k, want) in kat {
            let got = Philox4x32.block(counter: SIMD4(c[0], c[1], c[2], c[3]), key: SIMD2(k[0], k[1]))
            XCTAssertEqual([got.x, got.y, got.z, got.w], want, "counter \(c) key \(k)")
        }
    }

    /// Every value of each fixture case: first 16, last 4, the exact sum of the whole first draw and the
    /// start of the second draw (offset 1). Values must be equal or one float32 ulp apart: the fixture's
    /// float64 log/sin come from numpy, ours from glibc; both are within an ulp of the true float64 result,
    /// and only when that lands next to a float32 rounding boundary can the rounded value differ (never
    /// seen; a different formula, float32 arithmetic or cos instead of sin is off by many ulps).
    func testMatchesA1111NVSource() throws {
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("philox_randn.json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let cases = json["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 10)
        for c in cases {
            let seed = (c["seed"] as! NSNumber).uint64Value
            let count = (c["shape"] as! [Int]).reduce(1, *)
            let generator = PhiloxGenerator(seed: seed)
            let first = generator.randn(count)
            XCTAssertEqual(generator.offset, 1)
            let second = generator.randn(count)
            let what = "seed \(seed) count \(count)"
            assertUlps(Array(first.prefix(16)), c["first16"] as! [Double], what + " first16")
            assertUlps(Array(first.suffix(4)), c["last4"] as! [Double], what + " last4")
            assertUlps(Array(second.prefix(4)), c["second_first4"] as! [Double], what + " second draw")
            // The fixture's sum is exactly rounded; ours adds in order in float64, which loses at most
            // about 1e-12 here. One ulp of change in any value of magnitude above 0.01 moves it by more than 1e-9.
            let sum = first.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(sum, (c["sum"] as! NSNumber).doubleValue, accuracy: 1e-9, what + " sum of all values")
        }
    }

    /// The expected output printed in the docstring of A1111's modules/rng_philox.py for
    /// Generator(seed=0).randn((3, 4)); it rounds like torch.randn(3, 4, device="cuda") after
    /// torch.manual_seed(0) (-0.9247, -0.4253, -2.6438, 0.1452, ...). A1111's own code reproduces it only to
    /// about 3e-7 (it looks like real CUDA output, float32 logf and fast __sincosf), hence 1e-6 here.
    func testA1111DocstringExample() {
        let doc: [Float] = [-0.92466259, -0.42534415, -2.6438457, 0.14518388, -0.12086647, -0.57972564,
                            -0.62285122, -0.32838709, -1.07454231, -0.36314407, -1.67105067, 2.26550497]
        assertClose(PhiloxGenerator(seed: 0).randn(12), doc, tolerance: 1e-6, "A1111 docstring, seed 0")
    }

    /// Values depend on (seed, offset, index) only: a longer draw starts with a shorter one, draws after
    /// the first differ from it, and the noise source continues the generator draw after draw.
    func testCounterLayout() {
        XCTAssertEqual(PhiloxGenerator(seed: 5).randn(7), Array(PhiloxGenerator(seed: 5).randn(300).prefix(7)))
        XCTAssertEqual(PhiloxGenerator(seed: 5, offset: 3).randn(9), {
            let g = PhiloxGenerator(seed: 5); for _ in 0..<3 { _ = g.randn(2) }; return g.randn(9)
        }())
        let noise = PhiloxNoise(seed: 9)
        let a = noise.next(64), b = noise.next(64)
        XCTAssertEqual(a, PhiloxGenerator(seed: 9).randn(64))
        XCTAssertEqual(b, PhiloxGenerator(seed: 9, offset: 1).randn(64))
        XCTAssertNotEqual(a, b)
        // Key: low word then high word of the 64-bit seed.
        let words = Philox4x32.block(counter: SIMD4(0, 0, 3, 0), key: SIMD2(7, 1))
        XCTAssertEqual(PhiloxGenerator(seed: (1 << 32) | 7).randn(4)[3], PhiloxGenerator.normal(words.x, words.y))
        // Not the CPU generator.
        XCTAssertNotEqual(RandomSource.philox.noise(seed: 42).next(16), RandomSource.cpu.noise(seed: 42).next(16))
        XCTAssertEqual(RandomSource.cpu.noise(seed: 42).next(16), SeededNoise(seed: 42).next(16))
    }

    /// The normal values are standard normal (a sanity check on the transform, not a proof).
    func testMoments() {
        let v = PhiloxGenerator(seed: 1234).randn(1 << 16)
        let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
        let variance = v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count)
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
        XCTAssertTrue(v.allSatisfy { $0.isFinite })
    }

    /// request.rng = .philox: the starting noise is the Philox draw of the seed (Euler draws nothing else),
    /// the image differs from the CPU generator's, the parameters say "RNG: NV", and seed travel slerps
    /// two Philox draws.
    func testGenerationUsesTheSource() throws {
        let pipe = try StableDiffusionPipeline(path: Fixtures.model("sd1-tiny.safetensors"))
        var r = GenerationRequest()
        r.prompt = "a red circle"; r.width = 16; r.height = 16; r.steps = 3; r.seed = 8
        let cpu = try pipe.generate(r)
        r.rng = .philox
        let philox = try pipe.generate(r)
        XCTAssertNotEqual(philox.images, cpu.images)
        XCTAssertFalse(cpu.parameters[0].contains("RNG:"))
        XCTAssertTrue(philox.parameters[0].contains(", RNG: NV, "), philox.parameters[0])
        let count = pipe.config.vae.latentChannels * (16 / pipe.downscale) * (16 / pipe.downscale)
        var given = r
        given.rng = .cpu; given.seed = 123
        given.initialNoise = PhiloxGenerator(seed: 8).randn(count)
        XCTAssertEqual(try pipe.generate(given).images, philox.images)

        r.variationSeed = 9; r.variationStrength = 0.3
        given.initialNoise = Slerp.interpolate(PhiloxGenerator(seed: 8).randn(count), PhiloxGenerator(seed: 9).randn(count), t: 0.3)
        XCTAssertEqual(try pipe.generate(r).images, try pipe.generate(given).images)
    }

    private func assertUlps(_ got: [Float], _ want: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, file: file, line: line)
        for (g, w) in zip(got, want) {
            let expected = Float(w)  // (Foundation's JSON parser may be a double ulp off; rounding to float32 undoes it)
            XCTAssertTrue(g == expected || g == expected.nextUp || g == expected.nextDown,
                          "\(what): \(g) vs \(expected)", file: file, line: line)
        }
    }
}
