/// One sampler for one generation, in the spirit of apple/ml-stable-diffusion's `Scheduler`, matching
/// diffusers' scheduler of the same name to float32 precision.
///
/// Latents are flat float32 buffers (batch x channels x height x width, NCHW contiguous); every per-element
/// operation is elementwise, so any batch size works. Steps are addressed by index into `timesteps`.
/// A denoising loop:
///
///     var scheduler = try makeScheduler(kind: .euler, config: config.schedule, steps: 20)
///     let start = 0                      // or scheduler.startIndex(strength: s) for img2img / inpainting
///     // txt2img: latents = standard normal noise * scheduler.initNoiseSigma
///     // img2img: latents = scheduler.addNoise(original: clean, noise: noise, atStep: start)
///     for i in start..<scheduler.stepCount {
///         scheduler.scaleModelInput(latents, into: modelInput, step: i)
///         let eps = model(modelInput, timestep: scheduler.timesteps[i])        // after guidance
///         let noise = scheduler.needsNoise(atStep: i) ? nextStandardNormal() : nil
///         scheduler.step(modelOutput: eps, step: i, sample: latents, noise: noise)
///     }
///
/// The caller draws all noise, so any RNG (or noise captured from a reference run) can be used. To keep
/// a torch generator's stream in step with diffusers, draw exactly when `needsNoise(atStep:)` says so:
/// Euler ancestral draws on every step (even the last), LCM on every step but the last, the others never.
///
/// Value types: make one per generation (thread safety is one scheduler per request).
public protocol Scheduler: Sendable {
    /// The step count the schedule was made for (what img2img strength is measured against).
    var requestedSteps: Int { get }
    /// The timestep given to the model at each step, in order. Usually `requestedSteps` values; diffusers'
    /// "trailing" spacing yields one more for some counts (e.g. 61), and so does this.
    var timesteps: [Float] { get }
    /// txt2img starts from standard normal noise times this.
    var initNoiseSigma: Float { get }
    /// The model input at `step` is sample / modelInputDivisor (sqrt(sigma^2 + 1) for the Euler family, else 1).
    func modelInputDivisor(step: Int) -> Float
    /// Whether `step(...)` at this index consumes noise (see the type's comment).
    func needsNoise(atStep step: Int) -> Bool
    /// Advances `sample` in place from step `step` to the next, given the (guided) model output for it.
    /// `noise` (same size as sample, standard normal) is required exactly when `needsNoise(atStep: step)`.
    /// Multistep samplers remember earlier outputs: call it for consecutive steps of one run.
    mutating func step(modelOutput: UnsafeBufferPointer<Float>, step: Int, sample: UnsafeMutableBufferPointer<Float>,
                       noise: UnsafeBufferPointer<Float>?)
    /// Noises a clean latent to the level of `step` (diffusers' add_noise at timesteps[step], with the
    /// begin/step index img2img and inpainting set). `result` may be `original` itself.
    func addNoise(original: UnsafeBufferPointer<Float>, noise: UnsafeBufferPointer<Float>,
                  into result: UnsafeMutableBufferPointer<Float>, atStep step: Int)
}

extension Scheduler {
    /// Number of steps a full (txt2img) run takes: timesteps.count.
    public var stepCount: Int { timesteps.count }

    /// Whether any step needs noise.
    public var needsNoise: Bool { (0..<stepCount).contains { needsNoise(atStep: $0) } }

    /// First step index for img2img / inpainting at `strength` in [0, 1] (diffusers' get_timesteps:
    /// init = min(int(steps * strength), steps); start = max(steps - init, 0); every sampler here has
    /// order 1, so it is also the begin index). Returns `stepCount` or more when nothing is left to do.
    public func startIndex(strength: Double) -> Int {
        let initTimestep = min(Int(Double(requestedSteps) * strength), requestedSteps)
        return max(requestedSteps - initTimestep, 0)
    }

    /// The same for a float strength, read as the decimal it was written as (0.7 -> 0.7, not 0.69999999),
    /// so that e.g. 20 steps at 0.7 start at 6 as in Python.
    public func startIndex(strength: Float) -> Int {
        startIndex(strength: pythonDouble(strength))
    }

    /// Writes sample / modelInputDivisor(step:) into `result` (which may be `sample` itself).
    public func scaleModelInput(_ sample: UnsafeBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>,
                                step: Int) {
        precondition(result.count >= sample.count, "scaleModelInput: result is smaller than sample")
        let divisor = modelInputDivisor(step: step)
        guard let s = sample.baseAddress, let r = result.baseAddress else { return }
        for i in 0..<sample.count { r[i] = s[i] / divisor }
    }

    // Array conveniences (tests, simple callers). They copy; hot paths use the pointer forms.

    public func scaleModelInput(_ sample: [Float], step: Int) -> [Float] {
        var result = sample
        sample.withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { scaleModelInput(s, into: $0, step: step) }
        }
        return result
    }

    public mutating func step(modelOutput: [Float], step: Int, sample: inout [Float], noise: [Float]?) {
        precondition(modelOutput.count == sample.count, "step: model output and sample differ in size")
        func run(_ n: UnsafeBufferPointer<Float>?) {
            modelOutput.withUnsafeBufferPointer { m in
                sample.withUnsafeMutableBufferPointer { self.step(modelOutput: m, step: step, sample: $0, noise: n) }
            }
        }
        if let noise { noise.withUnsafeBufferPointer { run($0) } } else { run(nil) }
    }

    public func addNoise(original: [Float], noise: [Float], atStep step: Int) -> [Float] {
        precondition(original.count == noise.count, "addNoise: original and noise differ in size")
        var result = [Float](repeating: 0, count: original.count)
        original.withUnsafeBufferPointer { o in
            noise.withUnsafeBufferPointer { n in
                result.withUnsafeMutableBufferPointer { addNoise(original: o, noise: n, into: $0, atStep: step) }
            }
        }
        return result
    }
}

/// Checks shared by the samplers' step functions.
@inline(__always)
func checkStep(_ step: Int, of count: Int, _ modelOutput: UnsafeBufferPointer<Float>,
               _ sample: UnsafeMutableBufferPointer<Float>, noise: UnsafeBufferPointer<Float>?, needed: Bool) {
    precondition(step >= 0 && step < count, "step index \(step) outside 0..<\(count)")
    precondition(modelOutput.count == sample.count, "model output and sample differ in size")
    if needed {
        precondition(noise != nil, "this step needs noise (needsNoise(atStep:) is true)")
        precondition(noise!.count == sample.count, "noise and sample differ in size")
    }
}

@inline(__always)
func checkAddNoise(_ step: Int, of count: Int, _ original: UnsafeBufferPointer<Float>,
                   _ noise: UnsafeBufferPointer<Float>, _ result: UnsafeMutableBufferPointer<Float>) {
    precondition(step >= 0 && step < count, "step index \(step) outside 0..<\(count)")
    precondition(noise.count == original.count && result.count == original.count,
                 "addNoise: original, noise and result differ in size")
}
