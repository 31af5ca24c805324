import Foundation
import SDCheckpoint

/// diffusers' DPMSolverMultistepScheduler as "DPM++ 2M": algorithm dpmsolver++, solver_order 2, midpoint,
/// lower_order_final, final sigma 0, optionally with Karras sigmas. The first step of a run and the last
/// step are first order; the others use the previous step's denoised estimate too, so steps of one run
/// must be taken in order.
public struct DPMSolverMultistepScheduler: Scheduler {
    public let requestedSteps: Int
    public let timesteps: [Float]
    /// Noise level of each step plus a final 0 (count = timesteps.count + 1).
    public let sigmas: [Float]
    public let initNoiseSigma: Float = 1
    public let predictionType: PredictionType
    /// Denoised estimates (x0) of this step and the previous one, allocated on the first step.
    private var denoised = ContiguousArray<Float>()
    private var previousDenoised = ContiguousArray<Float>()
    /// Steps taken so far, capped at 2 (diffusers' lower_order_nums).
    private var lowerOrderNums = 0

    public init(config: NoiseScheduleConfig, steps: Int, karras: Bool = false) throws {
        try checkStepCount(steps, config)
        let schedule = try NoiseSchedule(config)
        let spacing = try TimestepSpacing(config.timestepSpacing)
        var times = spacing.dpmSolverTimesteps(steps: steps, numTrain: schedule.numTrainTimesteps,
                                               offset: config.stepsOffset)
        let levels: [Double]
        if karras {
            let train = schedule.trainSigmas
            levels = karrasSigmas(sigmaMin: Double(train[0]), sigmaMax: Double(train[train.count - 1]), count: steps)
            let logSigmas = schedule.logTrainSigmas
            let round = config.betaSchedule != "squaredcos_cap_v2"
            times = levels.map { sigma in
                let t = sigmaToTimestep(sigma, logSigmas: logSigmas)
                return Int(round ? npRound(t) : t)
            }
        } else {
            levels = times.map { npInterp(Double($0), schedule.trainSigmas) }
        }
        requestedSteps = steps
        timesteps = times.map { Float($0) }
        sigmas = levels.map { Float($0) } + [0]
        predictionType = config.predictionType
    }

    public func modelInputDivisor(step: Int) -> Float { 1 }

    public func needsNoise(atStep step: Int) -> Bool { false }

    public mutating func step(modelOutput: UnsafeBufferPointer<Float>, step: Int,
                              sample: UnsafeMutableBufferPointer<Float>, noise: UnsafeBufferPointer<Float>?) {
        checkStep(step, of: timesteps.count, modelOutput, sample, noise: noise, needed: false)
        if sample.isEmpty { return }
        let count = sample.count
        if denoised.count != count {
            denoised = ContiguousArray(repeating: 0, count: count)
            previousDenoised = ContiguousArray(repeating: 0, count: count)
        }
        let (alphaS0, sigmaS0) = alphaSigma(sigmas[step])
        let (alphaT, sigmaT) = alphaSigma(sigmas[step + 1])
        let lambdaT = log(alphaT) - log(sigmaT), lambdaS0 = log(alphaS0) - log(sigmaS0)
        let h = lambdaT - lambdaS0
        let sampleScale = sigmaT / sigmaS0
        let c0 = alphaT * (exp(-h) - 1)
        let m = modelOutput.baseAddress!, x = sample.baseAddress!
        let firstOrder = lowerOrderNums < 1 || step == timesteps.count - 1
        // Second order: D1 = (1 / r0) * (d0 - d1), r0 = h_0 / h, weighted by 0.5 * c0 (midpoint).
        var inverseR0: Float = 0
        if !firstOrder {
            let (alphaS1, sigmaS1) = alphaSigma(sigmas[step - 1])
            let lambdaS1 = log(alphaS1) - log(sigmaS1)
            inverseR0 = 1 / ((lambdaS0 - lambdaS1) / h)
        }
        let c1 = 0.5 * c0
        let prediction = predictionType
        // Distinct stored properties of self may be accessed at once (SE-0176).
        denoised.withUnsafeMutableBufferPointer { d0buffer in
            previousDenoised.withUnsafeMutableBufferPointer { d1buffer in
                let d0 = d0buffer.baseAddress!, d1 = d1buffer.baseAddress!
                // convert_model_output: the denoised estimate at this step.
                switch prediction {
                case .epsilon:
                    for i in 0..<count { d0[i] = (x[i] - sigmaS0 * m[i]) / alphaS0 }
                case .vPrediction:
                    for i in 0..<count { d0[i] = alphaS0 * x[i] - sigmaS0 * m[i] }
                }
                if firstOrder {
                    for i in 0..<count { x[i] = sampleScale * x[i] - c0 * d0[i] }
                } else {
                    for i in 0..<count {
                        let derivative = inverseR0 * (d0[i] - d1[i])
                        x[i] = sampleScale * x[i] - c0 * d0[i] - c1 * derivative
                    }
                }
            }
        }
        swap(&denoised, &previousDenoised)
        lowerOrderNums = min(lowerOrderNums + 1, 2)
    }

    public func addNoise(original: UnsafeBufferPointer<Float>, noise: UnsafeBufferPointer<Float>,
                         into result: UnsafeMutableBufferPointer<Float>, atStep step: Int) {
        checkAddNoise(step, of: timesteps.count, original, noise, result)
        if original.isEmpty { return }
        let (alpha, sigma) = alphaSigma(sigmas[step])
        let o = original.baseAddress!, n = noise.baseAddress!, r = result.baseAddress!
        for i in 0..<original.count { r[i] = alpha * o[i] + sigma * n[i] }
    }

    /// diffusers' _sigma_to_alpha_sigma_t: alpha = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha.
    private func alphaSigma(_ sigma: Float) -> (Float, Float) {
        let alpha = 1 / (sigma * sigma + 1).squareRoot()
        return (alpha, sigma * alpha)
    }
}
