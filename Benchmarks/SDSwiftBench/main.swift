// sdswift-bench: times the engine's parts on one checkpoint and prints a table.
//   swift run -c release sdswift-bench MODEL [--size 512] [--threads 2] [--repeat 3] [--steps 20] [--only unet,vae,...]
// The PyTorch side of the comparison is Benchmarks/reference_bench.py (same sizes, same threads);
// Benchmarks/compare.sh runs both in one go and prints the ratios.
import Foundation
import SDCheckpoint
import SDKernels
import SDKernelsC
import SDModels
import SDPipeline
import SDTensor

func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

/// Reproducible inputs: a 64-bit LCG giving values in [-scale, scale] in steps of scale / 1000.
struct Inputs {
    var seed: UInt64
    mutating func next(_ scale: Float = 1) -> Float {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int(seed >> 40) % 2001 - 1000) / 1000 * scale
    }
    mutating func fill(_ t: Tensor, _ scale: Float = 1) { for i in 0..<t.count { t[i] = next(scale) } }
}

/// FLOPs of one run of the last time(...) call (FLOPCount: convolutions counted as direct ones).
var lastFLOPs = 0.0

/// Median of `repeats` runs. With --profile, also prints where the last run spent its time.
func time(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var runs: [Double] = []
    let f0 = FLOPCount.value
    for _ in 0..<repeats {
        OpProfile.reset()
        let t0 = now(); try body(); runs.append(now() - t0)
    }
    lastFLOPs = Double(FLOPCount.value - f0) / Double(max(repeats, 1))
    if profile { printProfile(total: runs.last!) }
    return median(runs)
}

/// Wall time per op kind of the last run (nested labels, such as "conv3x3 gemm" inside "conv3x3",
/// are indented and not counted again in "other").
func printProfile(total: Double) {
    let ops = OpProfile.report()
    func line(_ label: String, _ seconds: Double, _ calls: Int?) {
        print("    " + pad(label, 30) + String(format: " %8.3f s %5.1f%%", seconds, 100 * seconds / total)
              + (calls.map { String(format: " %6d calls", $0) } ?? ""))
    }
    let top = ops.filter { !$0.label.contains(" ") }
    for op in top {
        line(op.label, op.seconds, op.calls)
        for sub in ops where sub.label.hasPrefix(op.label + " ") { line("  " + sub.label, sub.seconds, sub.calls) }
    }
    line("other (linear, geglu, ...)", total - top.reduce(0) { $0 + $1.seconds }, nil)
}

var args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ def: String) -> String {
    if let i = args.firstIndex(of: name), i + 1 < args.count { let v = args[i + 1]; args.removeSubrange(i...(i + 1)); return v }
    return def
}
let size = Int(option("--size", "512"))!
let threads = Int(option("--threads", "\(ProcessInfo.processInfo.activeProcessorCount)"))!
let repeats = Int(option("--repeat", "3"))!
let steps = Int(option("--steps", "20"))!
let attentionRows = Int(option("--attention-rows", "0"))!  // query rows per attention tile (comparisons)
let winogradBlockMB = Int(option("--wino-block-mb", "0"))!  // Winograd V+M working set (tuning)
let profile = args.contains("--profile")
let portable = args.contains("--portable")  // the portable C kernels even where AVX2 exists (comparisons)
let perImage = args.contains("--per-image")  // one product per image for small maps too (comparisons)
let unfusedNorm = args.contains("--unfused-norm")  // GroupNorm+SiLU as its own pass before each conv (comparisons)
let noAVX512 = args.contains("--no-avx512")  // the AVX2 kernels where AVX-512 ones exist (comparisons)
args.removeAll { ["--profile", "--portable", "--per-image", "--unfused-norm", "--no-avx512"].contains($0) }
let only = Set(option("--only", "sgemm,load,text,unet,vae,txt2img").split(separator: ",").map(String.init))
let usage = "usage: sdswift-bench MODEL [--size N] [--threads N] [--repeat N] [--steps N] [--only a,b] [--profile] [--portable] [--per-image] [--unfused-norm] [--no-avx512]\n"
    + "  --only: sgemm,load,text,unet,vae,txt2img (default), convs, attention, accuracy\n"
if args.contains("--help") || args.contains("-h") { print(usage, terminator: ""); exit(0) }
guard let modelPath = args.first, !modelPath.hasPrefix("-") else {
    FileHandle.standardError.write(usage.data(using: .utf8)!)
    exit(2)
}
BLAS.threads = threads
OpProfile.enabled = profile
if portable { sdk_force_portable_kernels(1) }
if perImage { Conv2d.batchedPlaneLimit = 0 }
if unfusedNorm { Conv2d.fuseNormalization = false }
if noAVX512 { sdk_disable_avx512_kernels(1) }
if attentionRows > 0 { ScaledDotProductAttention.rowsPerTile = attentionRows }
if winogradBlockMB > 0 { Conv2d.maxWinogradBytes = winogradBlockMB << 20 }
print("sdswift-bench: \(modelPath), \(size)x\(size), \(threads) threads, AVX2/FMA kernels: \(sdk_use_avx2() != 0), AVX-512 kernels: \(sdk_use_avx512() != 0), OpenBLAS kernels: \(BLAS.coreName)")
func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, n - s.count))
    return right ? fill + s : s + fill
}
print(pad("work", 34) + " " + pad("seconds", 10, right: true) + " " + pad("GFLOP/s", 10, right: true) + " " + pad("RSS MiB", 8, right: true))
/// The sgemm row's rate, once measured: other rows then show their fraction of it.
var sgemmRate: Double? = nil

/// GFLOP/s as one field: "118.2" or, once sgemm was measured, "118.2=87%" (of sgemm's rate).
func row(_ name: String, _ seconds: Double, flops: Double? = nil) {
    let g = flops.map { f -> String in
        let rate = f / seconds / 1e9
        return String(format: "%.1f", rate) + (sgemmRate.map { String(format: "=%.0f%%", 100 * rate / $0) } ?? "")
    } ?? "-"
    print(pad(name, 34) + " " + pad(String(format: "%.3f", seconds), 10, right: true) + " " + pad(g, 10, right: true) + " "
          + pad(String(format: "%.0f", peakRSSMiB()), 8, right: true))
}

if only.contains("sgemm") {
    let n = 2048
    let a = Tensor([n, n]), b = Tensor([n, n]), c = Tensor([n, n])
    a.fill(0.5); b.fill(0.25)
    let t = time(repeats) { BLAS.gemm(m: n, n: n, k: n, a: a.data, b: b.data, c: c.data) }
    row("sgemm 2048^3 (machine peak)", t, flops: 2 * pow(Double(n), 3))
    sgemmRate = 2 * pow(Double(n), 3) / t / 1e9
}
if only.contains("convs") { benchConvolutions() }
if only.contains("attention") { benchAttention() }
if only.isSubset(of: ["convs", "attention"]) { exit(0) }
let t0 = now()
let pipe: StableDiffusionPipeline
do { pipe = try StableDiffusionPipeline(path: modelPath) } catch {
    FileHandle.standardError.write("sdswift-bench: \(modelPath): \(error)\n".data(using: .utf8)!)
    exit(1)
}
if only.contains("load") { row("load", now() - t0) }
let f = pipe.downscale, lc = pipe.config.vae.latentChannels, lh = size / f

if only.contains("accuracy") { compareConvolutionAlgorithms() }
if only.contains("text") {
    let t = try time(repeats) { _ = try pipe.textEncoder([[Int32]](repeating: [49406] + [Int32](repeating: 49407, count: 76), count: 2)) }
    row("text encoder 2x77", t, flops: lastFLOPs)
}
if only.contains("unet") {
    let sample = Tensor([2, pipe.config.unet.inChannels, lh, lh]); sample.fill(0.1)
    // two different prompts' contexts for one latent, as guidance runs it
    let context = Tensor([2, 77, pipe.config.unet.crossAttentionDim]); context.fill(0.01)
    (context.data + context.count / 2).update(repeating: 0.02, count: context.count / 2)
    let made = Scratch.allocations
    let t = time(repeats) { _ = pipe.unet(sample, timesteps: [500, 500], context: context) }
    row("UNet step \(size)x\(size) batch 2", t, flops: lastFLOPs)
    if profile { print("    scratch buffers allocated in \(repeats) steps: \(Scratch.allocations - made)") }
}
if only.contains("vae") {
    let latents = Tensor([1, lc, lh, lh]); latents.fill(0.1)
    row("VAE decode \(size)x\(size)", time(repeats) { _ = pipe.vae.decode(latents) }, flops: lastFLOPs)
    let image = Tensor([1, 3, size, size]); image.fill(0.1)
    row("VAE encode \(size)x\(size)", time(repeats) { _ = pipe.vae.encode(image) }, flops: lastFLOPs)
}
if only.contains("txt2img") {
    var r = GenerationRequest()
    r.prompt = "a photograph of an astronaut riding a horse"; r.width = size; r.height = size; r.steps = steps
    row("txt2img \(size)x\(size) \(steps) steps euler", try time(1) { _ = try pipe.generate(r) })
}
print(String(format: "peak RSS: %.0f MiB", peakRSSMiB()))

/// --only convs: each stride-1 3x3 convolution shape of the UNet (batch 2) and VAE decoder at 256 and 512,
/// half-precision random weights; im2col, Winograd F(2x2) and F(4x4) interleaved (`repeats` rounds), medians,
/// GFLOP/s counted in direct-convolution FLOPs, and which one the size rules pick.
func benchConvolutions() {
    let shapes: [(String, Int, Int, Int, Int)] = [  // (where, N, Cin, Cout, H=W)
        ("unet256 L1", 2, 320, 320, 32), ("unet256 L1 up", 2, 640, 320, 32), ("unet256 L2", 2, 640, 640, 16),
        ("unet256 L3", 2, 1280, 1280, 8), ("unet256 L3 up", 2, 2560, 1280, 8), ("unet256 L4", 2, 1280, 1280, 4),
        ("unet512 L1", 2, 320, 320, 64), ("unet512 L2", 2, 640, 640, 32), ("unet512 L3", 2, 1280, 1280, 16),
        ("vae256 32", 1, 512, 512, 32), ("vae256 64", 1, 512, 512, 64), ("vae256 128", 1, 512, 512, 128),
        ("vae256 128/256", 1, 256, 256, 128), ("vae256 256/256", 1, 256, 256, 256), ("vae256 256", 1, 128, 128, 256),
        ("vae256 conv_out", 1, 128, 3, 256), ("vae256 enc conv_in", 1, 3, 128, 256), ("unet256 conv_in", 2, 4, 320, 32),
        ("unet256 conv_out", 2, 320, 4, 32), ("vae256 dec conv_in", 1, 4, 512, 32),
    ]
    let modes: [(String, String, Int)] = [("im2col", "im2col", 1), ("wino2", "wino2", 1), ("wino4", "auto", 1)]
    let heads: [String] = modes.map { (m: (String, String, Int)) -> String in pad(m.0 + " s", 10, right: true) }
    let gflops: [String] = modes.map { (_: (String, String, Int)) -> String in pad("GF/s", 6, right: true) }
    print(pad("conv 3x3 (where, N, Cin->Cout, HxW)", 40) + heads.joined() + gflops.joined() + "  picks")
    let saved = (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles)
    for (name, n, cin, cout, hw) in shapes {
        var inputs = Inputs(seed: 1)
        let w = WeightMatrix(rows: cout, cols: cin * 9, halfFill: { buf in
            for i in 0..<buf.count { buf[i] = Float16(inputs.next(0.05)).bitPattern }; return true })!
        let b = Tensor([cout]); b.fill(0.01)
        let x = Tensor([n, cin, hw, hw]); inputs.fill(x, 0.05)
        let conv = Conv2d(weight: w, kernel: 3, bias: b)
        (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = saved
        let picks = conv.winogradTile(x).map { "wino\($0)" } ?? "im2col"
        var times = [[Double]](repeating: [], count: modes.count)
        for _ in 0..<max(repeats, 1) {
            for (k, mode) in modes.enumerated() {
                (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = (mode.1, mode.2, mode.2)
                if mode.0 != "im2col" && !conv.winogradEligible { times[k].append(.nan); continue }
                let t0 = now(); _ = conv(x); times[k].append(now() - t0)
            }
        }
        let flops = 2.0 * Double(n * cin * cout * 9 * hw * hw)
        let med = times.map { $0.contains { $0.isNaN } ? Double.nan : median($0) }
        let secs: [String] = med.map { (t: Double) -> String in pad(String(format: "%.4f", t), 10, right: true) }
        let rates: [String] = med.map { (t: Double) -> String in pad(String(format: "%.0f", flops / t / 1e9), 6, right: true) }
        print(pad("\(name) \(n) \(cin)->\(cout) \(hw)x\(hw)", 40) + secs.joined() + rates.joined() + "  " + picks)
        if profile {  // phases of one more run of each Winograd variant
            for (mode, label) in [("wino2", "wino2x2"), ("auto", "wino4x4")] where conv.winogradEligible {
                (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = (mode, 1, 1)
                OpProfile.reset(); _ = conv(x)
                print("    \(label): " + OpProfile.report().filter { $0.label.hasPrefix(label + " ") }
                    .map { String(format: "%@ %.4f", String($0.label.split(separator: " ").last!), $0.seconds) }.joined(separator: ", "))
            }
        }
    }
    (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = saved
}

/// --only accuracy: a UNet step and a VAE decode with each convolution algorithm against im2col's result
/// (max and RMS difference, and the output's RMS), so Winograd's rounding can be weighed on full models.
func compareConvolutionAlgorithms() {
    let saved = (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles)
    defer { (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = saved }
    let sample = Tensor([2, pipe.config.unet.inChannels, lh, lh])
    var inputs = Inputs(seed: 7)
    inputs.fill(sample)
    let context = Tensor([2, 77, pipe.config.unet.crossAttentionDim])
    inputs.fill(context)
    let latents = Tensor([1, lc, lh, lh], copying: sample.data)
    let variants: [(String, String, Int, Int)] = [("im2col", "im2col", 16, 256), ("F(2x2) where it fits", "wino2", 1, 1),
                                                  ("default rules", saved.0, saved.1, saved.2), ("F(4x4) where it fits", "auto", 1, 1)]
    for (what, run) in [("UNet step", { pipe.unet(sample, timesteps: [500, 500], context: context) }),
                        ("VAE decode", { pipe.vae.decode(latents) })] as [(String, () -> Tensor)] {
        var reference: Tensor?
        for (name, algorithms, min2, min4) in variants {
            (Conv2d.algorithms, Conv2d.winogradMinTiles, Conv2d.winograd4MinTiles) = (algorithms, min2, min4)
            let out = run()
            guard let ref = reference else {
                var sq = 0.0; for i in 0..<out.count { sq += Double(out[i] * out[i]) }
                print("\(what) \(size)x\(size): output RMS \(String(format: "%.4f", (sq / Double(out.count)).squareRoot()))")
                reference = out; continue
            }
            var worst: Float = 0, sq = 0.0
            for i in 0..<out.count { let d = out[i] - ref[i]; worst = max(worst, abs(d)); sq += Double(d * d) }
            print("  \(pad(name, 22)) vs im2col: max \(String(format: "%.2e", worst)), RMS \(String(format: "%.2e", (sq / Double(out.count)).squareRoot()))")
        }
    }
}

/// --only attention: the UNet's attention shapes at 256 and 512 (batch 2, 8 heads), medians of `repeats`.
func benchAttention() {
    let shapes: [(String, Int, Int, Int)] = [  // (where, query tokens, key tokens, channels)
        ("self 256 L1", 1024, 1024, 320), ("self 256 L2", 256, 256, 640), ("cross 256 L1", 1024, 77, 320),
        ("self 512 L1", 4096, 4096, 320), ("self 512 L2", 1024, 1024, 640), ("cross 512 L1", 4096, 77, 320),
        ("VAE 512 (1 head)", 4096, 4096, 512),
    ]
    for (name, t, s, c) in shapes {
        let (b, heads) = name.hasPrefix("VAE") ? (1, 1) : (2, 8)
        let q = Tensor([b, t, c]), k = Tensor([b, s, c]), v = Tensor([b, s, c])
        var inputs = Inputs(seed: 3)
        for x in [q, k, v] { inputs.fill(x) }
        let secs = time(repeats) { _ = ScaledDotProductAttention.compute(q: q, k: k, v: v, heads: heads) }
        let flops = 4.0 * Double(b) * Double(t) * Double(s) * Double(c)
        print(pad("attention \(name) \(t)x\(s) c\(c)", 40) + String(format: "%10.4f s %8.1f GFLOP/s", secs, flops / secs / 1e9))
    }
}
