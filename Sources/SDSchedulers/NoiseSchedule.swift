import Foundation
import SDCheckpoint

/// The training noise schedule, computed exactly as diffusers' scheduler constructors do in float32
/// (torch.linspace, `** 2`, `1 - betas`, torch.cumprod), so every sampler starts from the same numbers.
struct NoiseSchedule: Sendable {
    let numTrainTimesteps: Int
    /// alphas_cumprod[t] for t in 0..<numTrainTimesteps (float32, as torch holds it).
    let alphasCumprod: [Float]
    /// ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5, in float32, ascending with t.
    let trainSigmas: [Float]

    init(_ config: NoiseScheduleConfig) throws {
        let n = config.numTrainTimesteps
        guard n >= 2 else { throw SchedulerError.invalidConfig("num_train_timesteps must be at least 2, got \(n)") }
        let betas: [Float]
        switch config.betaSchedule {
        case "linear":
            betas = torchLinspace(config.betaStart, config.betaEnd, n)
        case "scaled_linear":
            // diffusers takes beta_start ** 0.5 of the Python (double) value; recover that double from the
            // shortest decimal of the float so the square roots match to the last bit.
            let start = pythonDouble(config.betaStart).squareRoot(), end = pythonDouble(config.betaEnd).squareRoot()
            betas = torchLinspace(Float(start), Float(end), n).map { $0 * $0 }
        case "squaredcos_cap_v2":
            betas = cosineBetas(n)
        default:
            throw SchedulerError.invalidConfig("unsupported beta_schedule \"\(config.betaSchedule)\"")
        }
        numTrainTimesteps = n
        // torch.cumprod on CPU accumulates float32 in double and rounds each partial product.
        var product = 1.0
        var cumprod = [Float](repeating: 0, count: n)
        for i in 0..<n {
            product *= Double(1 - betas[i])
            cumprod[i] = Float(product)
        }
        alphasCumprod = cumprod
        trainSigmas = cumprod.map { ((1 - $0) / $0).squareRoot() }
    }

    /// np.log of the float32 training sigmas (used to map sigmas back to timesteps).
    var logTrainSigmas: [Float] { trainSigmas.map { Foundation.log($0) } }
}

/// The double a Python literal would have held, given the float32 it was stored as.
func pythonDouble(_ value: Float) -> Double {
    Double("\(value)") ?? Double(value)
}

/// torch.linspace(start, end, steps, dtype=float32) on CPU: a float32 step, filled from the start for the
/// first half and from the end for the second, each value one fused multiply-add (as the kernel compiles).
func torchLinspace(_ start: Float, _ end: Float, _ steps: Int) -> [Float] {
    if steps == 1 { return [start] }
    let step = (end - start) / Float(steps - 1)
    let halfway = steps / 2
    return (0..<steps).map { i in
        i < halfway ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(steps - i - 1))
    }
}

/// diffusers' betas_for_alpha_bar with the cosine transform (squaredcos_cap_v2), in double, then float32.
func cosineBetas(_ n: Int, maxBeta: Double = 0.999) -> [Float] {
    func alphaBar(_ t: Double) -> Double {
        let c = cos((t + 0.008) / 1.008 * Double.pi / 2)
        return c * c
    }
    return (0..<n).map { i in
        let t1 = Double(i) / Double(n), t2 = Double(i + 1) / Double(n)
        return Float(min(1 - alphaBar(t2) / alphaBar(t1), maxBeta))
    }
}
