import SDCheckpoint

/// diffusers' EulerAncestralDiscreteScheduler: an Euler step down to sigma_down, then fresh noise of
/// size sigma_up. Needs noise on every step (diffusers draws it even on the last, where sigma_up is 0).
public struct EulerAncestralScheduler: Scheduler {
    public let requestedSteps: Int
    public let timesteps: [Float]
    /// Noise level of each step plus a final 0 (count = timesteps.count + 1).
    public let sigmas: [Float]
    public let initNoiseSigma: Float
    public let predictionType: PredictionType

    public init(config: NoiseScheduleConfig, steps: Int) throws {
        try checkStepCount(steps, config)
        let schedule = try NoiseSchedule(config)
        let spacing = try TimestepSpacing(config.timestepSpacing)
        let spaced = spacing.eulerTimesteps(steps: steps, numTrain: schedule.numTrainTimesteps, offset: config.stepsOffset)
        requestedSteps = steps
        timesteps = spaced
        sigmas = spaced.map { Float(npInterp(Double($0), schedule.trainSigmas)) } + [0]
        initNoiseSigma = eulerInitNoiseSigma(sigmas, spacing: spacing)
        predictionType = config.predictionType
    }

    public func modelInputDivisor(step: Int) -> Float {
        let sigma = sigmas[step]
        return (sigma * sigma + 1).squareRoot()
    }

    public func needsNoise(atStep step: Int) -> Bool { true }

    public mutating func step(modelOutput: UnsafeBufferPointer<Float>, step: Int,
                              sample: UnsafeMutableBufferPointer<Float>, noise: UnsafeBufferPointer<Float>?) {
        checkStep(step, of: timesteps.count, modelOutput, sample, noise: noise, needed: true)
        if sample.isEmpty { return }
        let sigma = sigmas[step], sigmaTo = sigmas[step + 1]
        let sigmaUp = (sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma)).squareRoot()
        let sigmaDown = (sigmaTo * sigmaTo - sigmaUp * sigmaUp).squareRoot()
        let dt = sigmaDown - sigma
        let m = modelOutput.baseAddress!, x = sample.baseAddress!, z = noise!.baseAddress!
        switch predictionType {
        case .epsilon:
            for i in 0..<sample.count {
                let s = x[i]
                let denoised = s - sigma * m[i]
                let derivative = (s - denoised) / sigma
                x[i] = (s + derivative * dt) + z[i] * sigmaUp
            }
        case .vPrediction:
            let c = -sigma / (sigma * sigma + 1).squareRoot(), d = sigma * sigma + 1
            for i in 0..<sample.count {
                let s = x[i]
                let denoised = m[i] * c + s / d
                let derivative = (s - denoised) / sigma
                x[i] = (s + derivative * dt) + z[i] * sigmaUp
            }
        }
    }

    public func addNoise(original: UnsafeBufferPointer<Float>, noise: UnsafeBufferPointer<Float>,
                         into result: UnsafeMutableBufferPointer<Float>, atStep step: Int) {
        sigmaAddNoise(sigmas, original, noise, result, step)
    }
}
