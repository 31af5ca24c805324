import SDCheckpoint

/// diffusers' LCMScheduler (latent consistency models): each step predicts x0, applies the consistency
/// boundary-condition scalings (c_skip, c_out), and, except on the last step, re-noises the result to the
/// next timestep with fresh noise. Its timesteps come from the original_inference_steps (50) skipping
/// schedule, so timestep_spacing and steps_offset do not apply.
public struct LCMScheduler: Scheduler {
    public let requestedSteps: Int
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let predictionType: PredictionType
    private let intTimesteps: [Int]
    private let alphasCumprod: [Float]
    private let timestepScaling: Float

    /// - Parameters:
    ///   - originalInferenceSteps: the distillation schedule's step count (diffusers' default 50).
    ///   - timestepScaling: scales the timestep in the boundary condition (diffusers' default 10).
    public init(config: NoiseScheduleConfig, steps: Int, originalInferenceSteps: Int = 50,
                timestepScaling: Float = 10) throws {
        try checkStepCount(steps, config)
        let schedule = try NoiseSchedule(config)
        let n = schedule.numTrainTimesteps
        guard originalInferenceSteps >= 1 && originalInferenceSteps <= n else {
            throw SchedulerError.invalidConfig("original_inference_steps must be in 1...\(n)")
        }
        guard steps <= originalInferenceSteps else {
            throw SchedulerError.invalidSteps("LCM takes at most \(originalInferenceSteps) steps, got \(steps)")
        }
        // lcm_origin_timesteps = [1 ... original] * (n // original) - 1, reversed, then `steps` of them
        // at floor(linspace(0, original, steps, endpoint: false)).
        let k = n / originalInferenceSteps
        let origin = (1...originalInferenceSteps).reversed().map { $0 * k - 1 }
        intTimesteps = npLinspace(0, Double(origin.count), steps, endpoint: false).map { origin[Int($0.rounded(.down))] }
        requestedSteps = steps
        timesteps = intTimesteps.map { Float($0) }
        alphasCumprod = schedule.alphasCumprod
        self.timestepScaling = timestepScaling
        predictionType = config.predictionType
    }

    public func modelInputDivisor(step: Int) -> Float { 1 }

    /// Every step but the last re-noises (diffusers compares with num_inference_steps - 1).
    public func needsNoise(atStep step: Int) -> Bool { step != requestedSteps - 1 }

    public mutating func step(modelOutput: UnsafeBufferPointer<Float>, step: Int,
                              sample: UnsafeMutableBufferPointer<Float>, noise: UnsafeBufferPointer<Float>?) {
        let renoise = needsNoise(atStep: step)
        checkStep(step, of: timesteps.count, modelOutput, sample, noise: noise, needed: renoise)
        if sample.isEmpty { return }
        let t = intTimesteps[step]
        let previous = step + 1 < intTimesteps.count ? intTimesteps[step + 1] : t
        let alphaT = alphasCumprod[t], alphaPrev = alphasCumprod[previous]
        let betaT = 1 - alphaT, betaPrev = 1 - alphaPrev
        let sqrtAlphaT = alphaT.squareRoot(), sqrtBetaT = betaT.squareRoot()
        // get_scalings_for_boundary_condition_discrete, sigma_data 0.5.
        let scaled = Float(t) * timestepScaling
        let cSkip = 0.25 / (scaled * scaled + 0.25)
        let cOut = scaled / (scaled * scaled + 0.25).squareRoot()
        let m = modelOutput.baseAddress!, x = sample.baseAddress!
        for i in 0..<sample.count {
            let s = x[i]
            let predicted: Float
            switch predictionType {
            case .epsilon: predicted = (s - sqrtBetaT * m[i]) / sqrtAlphaT
            case .vPrediction: predicted = sqrtAlphaT * s - sqrtBetaT * m[i]
            }
            x[i] = cOut * predicted + cSkip * s
        }
        if renoise {
            let a = alphaPrev.squareRoot(), b = betaPrev.squareRoot()
            let z = noise!.baseAddress!
            for i in 0..<sample.count { x[i] = a * x[i] + b * z[i] }
        }
    }

    public func addNoise(original: UnsafeBufferPointer<Float>, noise: UnsafeBufferPointer<Float>,
                         into result: UnsafeMutableBufferPointer<Float>, atStep step: Int) {
        alphaAddNoise(alphasCumprod, intTimesteps, original, noise, result, step)
    }
}
