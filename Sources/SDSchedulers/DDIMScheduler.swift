import SDCheckpoint

/// diffusers' DDIMScheduler with eta 0 (deterministic), no clipping or thresholding.
public struct DDIMScheduler: Scheduler {
    public let requestedSteps: Int
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let predictionType: PredictionType
    private let intTimesteps: [Int]
    private let alphasCumprod: [Float]
    /// alpha_cumprod used past the end of the schedule: 1 when set_alpha_to_one, else alphas_cumprod[0]
    /// (Stable Diffusion configs say false).
    private let finalAlphaCumprod: Float
    /// How far back each step looks: num_train_timesteps // steps (whatever the spacing, as diffusers does).
    private let stepRatio: Int

    public init(config: NoiseScheduleConfig, steps: Int, setAlphaToOne: Bool = false) throws {
        try checkStepCount(steps, config)
        let schedule = try NoiseSchedule(config)
        let spacing = try TimestepSpacing(config.timestepSpacing)
        intTimesteps = spacing.ddimTimesteps(steps: steps, numTrain: schedule.numTrainTimesteps, offset: config.stepsOffset)
        guard intTimesteps.allSatisfy({ $0 >= -schedule.numTrainTimesteps && $0 < schedule.numTrainTimesteps }) else {
            throw SchedulerError.invalidConfig("steps_offset \(config.stepsOffset) puts timesteps outside the schedule")
        }
        requestedSteps = steps
        timesteps = intTimesteps.map { Float($0) }
        alphasCumprod = schedule.alphasCumprod
        finalAlphaCumprod = setAlphaToOne ? 1 : schedule.alphasCumprod[0]
        stepRatio = schedule.numTrainTimesteps / steps
        predictionType = config.predictionType
    }

    public func modelInputDivisor(step: Int) -> Float { 1 }

    public func needsNoise(atStep step: Int) -> Bool { false }

    public mutating func step(modelOutput: UnsafeBufferPointer<Float>, step: Int,
                              sample: UnsafeMutableBufferPointer<Float>, noise: UnsafeBufferPointer<Float>?) {
        checkStep(step, of: timesteps.count, modelOutput, sample, noise: noise, needed: false)
        if sample.isEmpty { return }
        let t = intTimesteps[step], previous = t - stepRatio
        let alphaT = alphasCumprod[pythonIndex(t, alphasCumprod.count)]
        let alphaPrev = previous >= 0 ? alphasCumprod[previous] : finalAlphaCumprod
        let betaT = 1 - alphaT
        let sqrtAlphaT = alphaT.squareRoot(), sqrtBetaT = betaT.squareRoot()
        // eta = 0: std_dev_t is 0, the direction keeps all of 1 - alpha_prev.
        let direction = (1 - alphaPrev).squareRoot(), sqrtAlphaPrev = alphaPrev.squareRoot()
        let m = modelOutput.baseAddress!, x = sample.baseAddress!
        switch predictionType {
        case .epsilon:
            for i in 0..<sample.count {
                let denoised = (x[i] - sqrtBetaT * m[i]) / sqrtAlphaT
                x[i] = sqrtAlphaPrev * denoised + direction * m[i]
            }
        case .vPrediction:
            for i in 0..<sample.count {
                let s = x[i]
                let denoised = sqrtAlphaT * s - sqrtBetaT * m[i]
                let epsilon = sqrtAlphaT * m[i] + sqrtBetaT * s
                x[i] = sqrtAlphaPrev * denoised + direction * epsilon
            }
        }
    }

    public func addNoise(original: UnsafeBufferPointer<Float>, noise: UnsafeBufferPointer<Float>,
                         into result: UnsafeMutableBufferPointer<Float>, atStep step: Int) {
        alphaAddNoise(alphasCumprod, intTimesteps, original, noise, result, step)
    }
}

/// sqrt(alpha_cumprod[t]) * original + sqrt(1 - alpha_cumprod[t]) * noise (DDIM's and LCM's add_noise).
func alphaAddNoise(_ alphasCumprod: [Float], _ timesteps: [Int], _ original: UnsafeBufferPointer<Float>,
                   _ noise: UnsafeBufferPointer<Float>, _ result: UnsafeMutableBufferPointer<Float>, _ step: Int) {
    checkAddNoise(step, of: timesteps.count, original, noise, result)
    if original.isEmpty { return }
    let alpha = alphasCumprod[pythonIndex(timesteps[step], alphasCumprod.count)]
    let a = alpha.squareRoot(), b = (1 - alpha).squareRoot()
    let o = original.baseAddress!, n = noise.baseAddress!, r = result.baseAddress!
    for i in 0..<original.count { r[i] = a * o[i] + b * n[i] }
}

/// Trailing spacing gives a last timestep of -1 for some step counts (e.g. 61); diffusers then indexes
/// alphas_cumprod[-1], which Python reads as the last entry. Mirrored for parity (it spoils that step).
@inline(__always) func pythonIndex(_ i: Int, _ count: Int) -> Int { i < 0 ? i + count : i }
