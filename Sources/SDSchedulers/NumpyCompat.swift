import Foundation

// The few numpy routines diffusers' set_timesteps uses, reproduced operation for operation in double
// precision, so timesteps and sigmas come out bit-identical (or within an ulp of a float32 log).

/// np.linspace(start, stop, num, endpoint): i * step + start, the last value set to stop.
func npLinspace(_ start: Double, _ stop: Double, _ num: Int, endpoint: Bool = true) -> [Double] {
    guard num > 0 else { return [] }
    let div = endpoint ? num - 1 : num
    let delta = stop - start
    var y: [Double]
    if div > 0 {
        let step = delta / Double(div)
        y = step == 0 ? (0..<num).map { Double($0) / Double(div) * delta } : (0..<num).map { Double($0) * step }
    } else {
        y = (0..<num).map { Double($0) * delta }
    }
    for i in y.indices { y[i] += start }
    if endpoint && num > 1 { y[num - 1] = stop }
    return y
}

/// np.arange(start, stop, step) for floats: length ceil((stop - start) / step); values start + i * d,
/// where d = (start + step) - start, exactly as numpy's fill routine derives it.
func npArange(_ start: Double, _ stop: Double, _ step: Double) -> [Double] {
    let length = Int(((stop - start) / step).rounded(.up))
    guard length > 0 else { return [] }
    let second = start + step
    let d = second - start
    return (0..<length).map { i in i == 0 ? start : (i == 1 ? second : start + Double(i) * d) }
}

/// np.round: halves to even.
@inline(__always) func npRound(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

/// np.interp(x, arange(0, fp.count), fp).
func npInterp(_ x: Double, _ fp: [Float]) -> Double {
    let last = fp.count - 1
    if x >= Double(last) { return Double(fp[last]) }
    if x <= 0 { return Double(fp[0]) }
    let j = Int(x.rounded(.down))
    if Double(j) == x { return Double(fp[j]) }
    let slope = (Double(fp[j + 1]) - Double(fp[j])) / 1.0
    return slope * (x - Double(j)) + Double(fp[j])
}

/// Karras et al. (2022) noise levels between sigmaMax and sigmaMin (diffusers' _convert_to_karras, rho 7).
func karrasSigmas(sigmaMin: Double, sigmaMax: Double, count: Int) -> [Double] {
    let rho = 7.0
    let minInvRho = pow(sigmaMin, 1 / rho), maxInvRho = pow(sigmaMax, 1 / rho)
    return npLinspace(0, 1, count).map { pow(maxInvRho + $0 * (minInvRho - maxInvRho), rho) }
}

/// diffusers' _sigma_to_t: the fractional training timestep whose (log-interpolated) sigma is `sigma`.
/// `logSigmas` is np.log of the float32 training sigmas (float32, ascending).
func sigmaToTimestep(_ sigma: Double, logSigmas: [Float]) -> Double {
    let logSigma = Foundation.log(max(sigma, 1e-10))
    // low index: the last i with log_sigma - log_sigmas[i] >= 0 (0 when there is none), at most count - 2.
    var lowIndex = 0
    for i in logSigmas.indices where logSigma - Double(logSigmas[i]) >= 0 { lowIndex = i }
    lowIndex = min(lowIndex, logSigmas.count - 2)
    let low = logSigmas[lowIndex], high = logSigmas[lowIndex + 1]
    // (low - log_sigma) in double over (low - high) in float32, as numpy's scalar types combine them.
    var w = (Double(low) - logSigma) / Double(low - high)
    w = min(max(w, 0), 1)
    return (1 - w) * Double(lowIndex) + w * Double(lowIndex + 1)
}
