import SDCheckpoint

/// The samplers on offer, named as in the CLI / C API.
public enum SamplerKind: String, Sendable, CaseIterable {
    /// EulerDiscreteScheduler (Karras sigmas optional).
    case euler
    /// EulerAncestralDiscreteScheduler.
    case eulerAncestral = "euler_a"
    /// DDIMScheduler with eta 0.
    case ddim
    /// DPMSolverMultistepScheduler: dpmsolver++, order 2, midpoint, lower_order_final (Karras optional).
    case dpmpp2m = "dpmpp_2m"
    /// LCMScheduler.
    case lcm

    /// Whether `karras: true` is meaningful (diffusers' use_karras_sigmas exists for it).
    public var supportsKarras: Bool { self == .euler || self == .dpmpp2m }
}

public enum SchedulerError: Error, Equatable, CustomStringConvertible {
    case invalidSteps(String)
    case invalidConfig(String)
    case karrasUnsupported(SamplerKind)

    public var description: String {
        switch self {
        case .invalidSteps(let m), .invalidConfig(let m): return m
        case .karrasUnsupported(let k): return "Karras sigmas are not available for sampler \(k.rawValue)"
        }
    }
}

/// A fresh scheduler for one generation of `steps` steps.
/// DDIM and LCM take diffusers' defaults for Stable Diffusion configs (set_alpha_to_one false, no clipping,
/// LCM original_inference_steps 50); their initialisers offer the rest.
public func makeScheduler(kind: SamplerKind, karras: Bool = false, config: NoiseScheduleConfig,
                          steps: Int) throws -> any Scheduler {
    if karras && !kind.supportsKarras { throw SchedulerError.karrasUnsupported(kind) }
    switch kind {
    case .euler: return try EulerScheduler(config: config, steps: steps, karras: karras)
    case .eulerAncestral: return try EulerAncestralScheduler(config: config, steps: steps)
    case .ddim: return try DDIMScheduler(config: config, steps: steps)
    case .dpmpp2m: return try DPMSolverMultistepScheduler(config: config, steps: steps, karras: karras)
    case .lcm: return try LCMScheduler(config: config, steps: steps)
    }
}

func checkStepCount(_ steps: Int, _ config: NoiseScheduleConfig) throws {
    guard steps >= 1 && steps <= config.numTrainTimesteps else {
        throw SchedulerError.invalidSteps("steps must be in 1...\(config.numTrainTimesteps), got \(steps)")
    }
}
