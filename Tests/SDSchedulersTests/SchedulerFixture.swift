import Foundation
import SDCheckpoint
@testable import SDSchedulers

/// Tests/Fixtures/schedulers.json, made by Tools/reference/scheduler_fixtures.py (see its docstring).
struct SchedulerFixture: Decodable {
    struct Schedule: Decodable {
        var beta_start: Double
        var beta_end: Double
        var alphas_cumprod: String
    }

    struct Case: Decodable {
        var name: String
        var sampler: String
        var karras: Bool
        var beta_schedule: String
        var beta_start: Double
        var beta_end: Double
        var timestep_spacing: String
        var steps_offset: Int
        var prediction_type: String
        var set_alpha_to_one: Bool
        var steps: Int
        var strength: Double
        var start_index: Int
        var timesteps: [Double]
        var sigmas: [Double]?
        var init_noise_sigma: Double
        var noise_draws: Int
        var final: String

        var config: NoiseScheduleConfig {
            var c = NoiseScheduleConfig()
            c.numTrainTimesteps = 1000
            c.betaStart = Float(beta_start)
            c.betaEnd = Float(beta_end)
            c.betaSchedule = beta_schedule
            c.predictionType = PredictionType(rawValue: prediction_type)!
            c.stepsOffset = steps_offset
            c.timestepSpacing = timestep_spacing
            return c
        }

        func makeScheduler() throws -> any Scheduler {
            if sampler == "ddim" { return try DDIMScheduler(config: config, steps: steps, setAlphaToOne: set_alpha_to_one) }
            return try SDSchedulers.makeScheduler(kind: SamplerKind(rawValue: sampler)!, karras: karras,
                                                  config: config, steps: steps)
        }
    }

    struct AddNoise: Decodable {
        var sampler: String
        var karras: Bool
        var steps: Int
        var step_index: Int
        var result: String
    }

    var diffusers: String
    var shape: [Int]
    var schedules: [String: Schedule]
    var cases: [Case]
    var add_noise: [AddNoise]

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/schedulers.json")

    static func load() throws -> SchedulerFixture {
        try JSONDecoder().decode(SchedulerFixture.self, from: Data(contentsOf: url))
    }
}

/// Little-endian float32 values stored as base64.
func decodeFloats(_ base64: String) -> [Float] {
    let data = Data(base64Encoded: base64)!
    return data.withUnsafeBytes { raw in
        (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
    }
}

/// The fixture's inputs, computed exactly as the Python script computes them.
enum FixtureInputs {
    static let count = 1 * 4 * 8 * 8

    static func splitmix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform values with unit variance. Streams: 1 initial noise, 2 clean latent, 3 model bias,
    /// 100 + k the k-th per-step noise.
    static func pseudo(_ stream: UInt64, count: Int = count) -> [Float] {
        (0..<count).map { i in
            let z = splitmix64((stream << 32) | UInt64(i))
            return Float((Double(z >> 40) / 16_777_216.0 - 0.5) * 3.4641016151377544)
        }
    }

    static let bias = pseudo(3)

    /// out = 0.6 * x_in + float32(0.3 * cos(t / 100)) * bias, in float32.
    static func fakeModel(_ input: [Float], timestep: Float) -> [Float] {
        let c = Float(0.3 * cos(Double(timestep) / 100.0))
        return (0..<input.count).map { Float(0.6) * input[$0] + c * bias[$0] }
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
