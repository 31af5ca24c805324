import SDCheckpoint
import SDSchedulers
import XCTest

/// The factory's checks, the img2img start index, and the pointer/array forms agreeing.
final class SchedulerAPITests: XCTestCase {
    private let config = NoiseScheduleConfig()

    func testSamplerNames() {
        XCTAssertEqual(SamplerKind.allCases.map(\.rawValue), ["euler", "euler_a", "ddim", "dpmpp_2m", "lcm"])
        XCTAssertEqual(SamplerKind.allCases.filter(\.supportsKarras), [.euler, .dpmpp2m])
    }

    func testFactoryRejectsBadRequests() {
        XCTAssertThrowsError(try makeScheduler(kind: .eulerAncestral, karras: true, config: config, steps: 10)) {
            XCTAssertEqual($0 as? SchedulerError, .karrasUnsupported(.eulerAncestral))
        }
        for steps in [0, -3, 1001] {
            XCTAssertThrowsError(try makeScheduler(kind: .euler, config: config, steps: steps))
        }
        XCTAssertThrowsError(try makeScheduler(kind: .lcm, config: config, steps: 51))
        XCTAssertNoThrow(try makeScheduler(kind: .lcm, config: config, steps: 50))
        var bad = config
        bad.timestepSpacing = "sideways"
        XCTAssertThrowsError(try makeScheduler(kind: .ddim, config: bad, steps: 10))
        bad = config
        bad.betaSchedule = "quadratic"
        XCTAssertThrowsError(try makeScheduler(kind: .dpmpp2m, config: bad, steps: 10))
    }

    func testNoiseNeeds() throws {
        let steps = 5
        for kind in SamplerKind.allCases {
            let s = try makeScheduler(kind: kind, config: config, steps: steps)
            let needs = (0..<steps).map { s.needsNoise(atStep: $0) }
            switch kind {
            case .eulerAncestral: XCTAssertEqual(needs, [true, true, true, true, true])
            case .lcm: XCTAssertEqual(needs, [true, true, true, true, false])
            default: XCTAssertEqual(needs, [false, false, false, false, false], kind.rawValue)
            }
            XCTAssertEqual(s.needsNoise, kind == .eulerAncestral || kind == .lcm)
        }
    }

    func testStartIndexFollowsPythonArithmetic() throws {
        let s = try makeScheduler(kind: .dpmpp2m, karras: true, config: config, steps: 20)
        // Python: int(20 * 0.7) = 14 -> start 6; a naive Double(Float(0.7)) would give 13 -> 7.
        XCTAssertEqual(s.startIndex(strength: Float(0.7)), 6)
        XCTAssertEqual(s.startIndex(strength: 0.7), 6)
        XCTAssertEqual(s.startIndex(strength: Float(1)), 0)
        XCTAssertEqual(s.startIndex(strength: Float(0)), 20)
        XCTAssertEqual(s.startIndex(strength: 0.04), 20)  // int(0.8) = 0: nothing left to do
        XCTAssertEqual(s.startIndex(strength: 0.05), 19)
    }

    func testPointerAndArrayFormsAgree() throws {
        let count = 32
        let sample = (0..<count).map { Float($0) / 7 - 2 }
        let output = (0..<count).map { Float($0 % 5) / 3 - 0.5 }
        let noise = (0..<count).map { Float(($0 * 7) % 11) / 5 - 1 }
        for kind in SamplerKind.allCases {
            var byArray = try makeScheduler(kind: kind, config: config, steps: 4)
            var byPointer = byArray
            var a = sample, p = sample
            for i in 0..<byArray.stepCount {
                let n = byArray.needsNoise(atStep: i) ? noise : nil
                byArray.step(modelOutput: byArray.scaleModelInput(output, step: i), step: i, sample: &a, noise: n)
                var scaled = output
                scaled.withUnsafeMutableBufferPointer { buffer in
                    byPointer.scaleModelInput(UnsafeBufferPointer(buffer), into: buffer, step: i)  // in place
                }
                scaled.withUnsafeBufferPointer { m in
                    p.withUnsafeMutableBufferPointer { x in
                        if let n {
                            n.withUnsafeBufferPointer { byPointer.step(modelOutput: m, step: i, sample: x, noise: $0) }
                        } else {
                            byPointer.step(modelOutput: m, step: i, sample: x, noise: nil)
                        }
                    }
                }
            }
            XCTAssertEqual(a, p, kind.rawValue)
            XCTAssertNotEqual(a, sample, kind.rawValue)
            XCTAssertTrue(a.allSatisfy(\.isFinite), kind.rawValue)
        }
    }

    /// A copy taken mid-run continues independently (value semantics, including DPM++'s history).
    func testCopiesAreIndependent() throws {
        let sample = [Float](repeating: 0.5, count: 8), output = [Float](repeating: 0.25, count: 8)
        var first = try makeScheduler(kind: .dpmpp2m, config: config, steps: 4)
        var x = sample
        first.step(modelOutput: output, step: 0, sample: &x, noise: nil)
        var second = first
        var y = x
        first.step(modelOutput: output, step: 1, sample: &x, noise: nil)
        second.step(modelOutput: output, step: 1, sample: &y, noise: nil)
        XCTAssertEqual(x, y)
    }
}
