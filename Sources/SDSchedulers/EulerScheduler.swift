import SDCheckpoint

/// diffusers' EulerDiscreteScheduler (s_churn 0, linear interpolation, final sigma 0), optionally with
/// Karras sigmas (then the timesteps are fractional, mapped back from the sigmas).
public struct EulerScheduler: Scheduler {
    public let requestedSteps: Int
    public let timesteps: [Float]
    /// Noise level of each step plus a final 0 (count = timesteps.count + 1).
    public let sigmas: [Float]
    public let initNoiseSigma: Float
    public let predictionType: PredictionType

    public init(config: NoiseScheduleConfig, steps: Int, karras: Bool = false) throws {
        try checkStepCount(steps, config)
        let schedule = try NoiseSchedule(config)
        let spacing = try TimestepSpacing(config.timestepSpacing)
        let spaced = spacing.eulerTimesteps(steps: steps, numTrain: schedule.numTrainTimesteps, offset: config.stepsOffset)
        var levels = spaced.map { npInterp(Double($0), schedule.trainSigmas) }
        var times = spaced
        if karras {
            levels = karrasSigmas(sigmaMin: levels[levels.count - 1], sigmaMax: levels[0], count: steps)
            let logSigmas = schedule.logTrainSigmas
            times = levels.map { Float(sigmaToTimestep($0, logSigmas: logSigmas)) }
        }
        requestedSteps = steps
        timesteps = times
        sigmas = levels.map { Float($0) } + [0]
        initNoiseSigma = eulerInitNoiseSigma(sigmas, spacing: spacing)
        predictionType = config.predictionType
    }

    public func modelInputDivisor(step: Int) -> Float {
        let sigma = sigmas[step]
        return (sigma * sigma + 1).squareRoot()
    }

    public func needsNoise(atStep step: Int) -> Bool { false }

    public mutating func step(modelOutput: UnsafeBufferPointer<Float>, step: Int,
                              sample: UnsafeMutableBufferPointer<Float>, noise: UnsafeBufferPointer<Float>?) {
        checkStep(step, of: timesteps.count, modelOutput, sample, noise: noise, needed: false)
        if sample.isEmpty { return }
        let sigma = sigmas[step]            // sigma_hat = sigma * (gamma + 1) with gamma 0
        let dt = sigmas[step + 1] - sigma
        let m = modelOutput.baseAddress!, x = sample.baseAddress!
        switch predictionType {
        case .epsilon:
            for i in 0..<sample.count {
                let s = x[i]
                let denoised = s - sigma * m[i]
                let derivative = (s - denoised) / sigma
                x[i] = s + derivative * dt
            }
        case .vPrediction:
            let c = -sigma / (sigma * sigma + 1).squareRoot(), d = sigma * sigma + 1
            for i in 0..<sample.count {
                let s = x[i]
                let denoised = m[i] * c + s / d
                let derivative = (s - denoised) / sigma
                x[i] = s + derivative * dt
            }
        }
    }

    public func addNoise(original: UnsafeBufferPointer<Float>, noise: UnsafeBufferPointer<Float>,
                         into result: UnsafeMutableBufferPointer<Float>, atStep step: Int) {
        sigmaAddNoise(sigmas, original, noise, result, step)
    }
}

/// max(sigmas), or sqrt(max^2 + 1) for leading spacing (diffusers' init_noise_sigma of the Euler family).
func eulerInitNoiseSigma(_ sigmas: [Float], spacing: TimestepSpacing) -> Float {
    let maxSigma = sigmas.max() ?? 0
    return spacing == .leading ? (maxSigma * maxSigma + 1).squareRoot() : maxSigma
}

/// original + noise * sigmas[step] (the Euler family's add_noise).
func sigmaAddNoise(_ sigmas: [Float], _ original: UnsafeBufferPointer<Float>, _ noise: UnsafeBufferPointer<Float>,
                   _ result: UnsafeMutableBufferPointer<Float>, _ step: Int) {
    checkAddNoise(step, of: sigmas.count - 1, original, noise, result)
    if original.isEmpty { return }
    let sigma = sigmas[step]
    let o = original.baseAddress!, n = noise.baseAddress!, r = result.baseAddress!
    for i in 0..<original.count { r[i] = o[i] + n[i] * sigma }
}
