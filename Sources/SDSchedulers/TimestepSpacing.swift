/// How inference timesteps are spread over the training range (diffusers' `timestep_spacing`; see
/// "Common Diffusion Noise Schedules and Sample Steps are Flawed", table 2).
enum TimestepSpacing: String, Sendable {
    case leading, trailing, linspace

    init(_ name: String) throws {
        guard let spacing = TimestepSpacing(rawValue: name) else {
            throw SchedulerError.invalidConfig("unsupported timestep_spacing \"\(name)\"")
        }
        self = spacing
    }

    /// The float timesteps of EulerDiscreteScheduler / EulerAncestralDiscreteScheduler (not rounded for
    /// linspace), descending. Trailing spacing can give steps + 1 values, as numpy's arange does there.
    func eulerTimesteps(steps: Int, numTrain: Int, offset: Int) -> [Float] {
        switch self {
        case .linspace:
            return npLinspace(0, Double(numTrain - 1), steps).reversed().map { Float($0) }
        case .leading:
            let ratio = numTrain / steps
            return (0..<steps).reversed().map { Float($0 * ratio) + Float(offset) }
        case .trailing:
            return trailing(steps: steps, numTrain: numTrain).map { Float($0) }
        }
    }

    /// The integer timesteps of DDIMScheduler (linspace rounded to integers), descending.
    func ddimTimesteps(steps: Int, numTrain: Int, offset: Int) -> [Int] {
        switch self {
        case .linspace:
            return npLinspace(0, Double(numTrain - 1), steps).reversed().map { Int(npRound($0)) }
        case .leading:
            let ratio = numTrain / steps
            return (0..<steps).reversed().map { $0 * ratio + offset }
        case .trailing:
            return trailing(steps: steps, numTrain: numTrain).map { Int($0) }
        }
    }

    /// The integer timesteps of DPMSolverMultistepScheduler: steps + 1 points with the last (0) dropped
    /// for linspace and leading. (lambda_min_clipped is -inf, so the range ends at numTrain.)
    func dpmSolverTimesteps(steps: Int, numTrain: Int, offset: Int) -> [Int] {
        switch self {
        case .linspace:
            return npLinspace(0, Double(numTrain - 1), steps + 1).reversed().dropLast().map { Int(npRound($0)) }
        case .leading:
            let ratio = numTrain / (steps + 1)
            return (1...steps).reversed().map { $0 * ratio + offset }
        case .trailing:
            return trailing(steps: steps, numTrain: numTrain).map { Int($0) }
        }
    }

    /// np.arange(numTrain, 0, -numTrain / steps).round() - 1
    private func trailing(steps: Int, numTrain: Int) -> [Double] {
        npArange(Double(numTrain), 0, -(Double(numTrain) / Double(steps))).map { npRound($0) - 1 }
    }
}
