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

/// Median of `repeats` runs. With --profile, also prints where the last run spent its time.
func time(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var runs: [Double] = []
    for _ in 0..<repeats {
        OpProfile.reset()
        let t0 = now(); try body(); runs.append(now() - t0)
    }
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
let profile = args.contains("--profile")
let portable = args.contains("--portable")  // the portable C kernels even where AVX2 exists (comparisons)
args.removeAll { $0 == "--profile" || $0 == "--portable" }
let only = Set(option("--only", "sgemm,load,text,unet,vae,txt2img").split(separator: ",").map(String.init))
guard let modelPath = args.first else {
    FileHandle.standardError.write("usage: sdswift-bench MODEL [--size N] [--threads N] [--repeat N] [--steps N] [--only a,b] [--profile] [--portable]\n".data(using: .utf8)!)
    exit(2)
}
BLAS.threads = threads
OpProfile.enabled = profile
if portable { sdk_force_portable_kernels(1) }
print("sdswift-bench: \(modelPath), \(size)x\(size), \(threads) threads, AVX2/FMA kernels: \(sdk_use_avx2() != 0), OpenBLAS kernels: \(BLAS.coreName)")
func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, n - s.count))
    return right ? fill + s : s + fill
}
print(pad("work", 34) + " " + pad("seconds", 10, right: true) + " " + pad("GFLOP/s", 10, right: true) + " " + pad("RSS MiB", 8, right: true))
func row(_ name: String, _ seconds: Double, flops: Double? = nil) {
    let g = flops.map { String(format: "%.1f", $0 / seconds / 1e9) } ?? "-"
    print(pad(name, 34) + " " + pad(String(format: "%.3f", seconds), 10, right: true) + " " + pad(g, 10, right: true) + " "
          + pad(String(format: "%.0f", peakRSSMiB()), 8, right: true))
}

if only.contains("sgemm") {
    let n = 2048
    let a = Tensor([n, n]), b = Tensor([n, n]), c = Tensor([n, n])
    a.fill(0.5); b.fill(0.25)
    let t = time(repeats) { BLAS.gemm(m: n, n: n, k: n, a: a.data, b: b.data, c: c.data) }
    row("sgemm 2048^3 (machine peak)", t, flops: 2 * pow(Double(n), 3))
}
if only.contains("convs") { benchConvolutions(); if only == ["convs"] { exit(0) } }
let t0 = now()
let pipe = try StableDiffusionPipeline(path: modelPath)
if only.contains("load") { row("load", now() - t0) }
let f = pipe.downscale, lc = pipe.config.vae.latentChannels, lh = size / f

if only.contains("text") {
    let t = try time(repeats) { _ = try pipe.textEncoder([[Int32]](repeating: [49406] + [Int32](repeating: 49407, count: 76), count: 2)) }
    row("text encoder 2x77", t)
}
if only.contains("unet") {
    let sample = Tensor([2, pipe.config.unet.inChannels, lh, lh]); sample.fill(0.1)
    let context = Tensor([2, 77, pipe.config.unet.crossAttentionDim]); context.fill(0.01)
    let t = time(repeats) { _ = pipe.unet(sample, timesteps: [500, 500], context: context) }
    row("UNet step \(size)x\(size) batch 2", t)
}
if only.contains("vae") {
    let latents = Tensor([1, lc, lh, lh]); latents.fill(0.1)
    row("VAE decode \(size)x\(size)", time(repeats) { _ = pipe.vae.decode(latents) })
    let image = Tensor([1, 3, size, size]); image.fill(0.1)
    row("VAE encode \(size)x\(size)", time(repeats) { _ = pipe.vae.encode(image) })
}
if only.contains("txt2img") {
    var r = GenerationRequest()
    r.prompt = "a photograph of an astronaut riding a horse"; r.width = size; r.height = size; r.steps = steps
    row("txt2img \(size)x\(size) \(steps) steps euler", try time(1) { _ = try pipe.generate(r) })
}
print(String(format: "peak RSS: %.0f MiB", peakRSSMiB()))

/// --only convs: each stride-1 3x3 convolution shape of the UNet (batch 2) and VAE decoder at 256 and 512,
/// half-precision random weights, Winograd and im2col interleaved (`repeats` rounds), medians.
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
    print(pad("conv 3x3 (where, N, Cin->Cout, HxW)", 44) + pad("im2col s", 10, right: true) + pad("wino s", 10, right: true)
          + pad("GF/s", 8, right: true) + pad("GF/s", 8, right: true) + pad("ratio", 7, right: true))
    for (name, n, cin, cout, hw) in shapes {
        var seed: UInt64 = 1
        func next() -> Float { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Float(Int(seed >> 40) % 2001 - 1000) / 20000 }
        let w = WeightMatrix(rows: cout, cols: cin * 9, halfFill: { buf in
            for i in 0..<buf.count { buf[i] = Float16(next()).bitPattern }; return true })!
        let b = Tensor([cout]); b.fill(0.01)
        let x = Tensor([n, cin, hw, hw]); for i in 0..<x.count { x[i] = next() }
        let conv = Conv2d(weight: w, kernel: 3, bias: b)
        var times: [Bool: [Double]] = [false: [], true: []]
        for _ in 0..<max(repeats, 1) {
            for wino in [false, true] {
                Conv2d.winograd = wino
                let t0 = now(); _ = conv(x); times[wino]!.append(now() - t0)
            }
        }
        Conv2d.winograd = true
        if !conv.usesWinograd(x) { print(pad("\(name) \(n) \(cin)->\(cout) \(hw)x\(hw)", 44) + "  im2col only"); continue }
        if profile {  // phases of one more Winograd run
            OpProfile.reset(); _ = conv(x)
            print("    " + OpProfile.report().filter { $0.label.hasPrefix("wino3x3 ") }
                .map { String(format: "%@ %.4f", String($0.label.split(separator: " ").last!), $0.seconds) }.joined(separator: ", "))
        }
        let flops = 2.0 * Double(n * cin * cout * 9 * hw * hw)
        let (a, c) = (median(times[false]!), median(times[true]!))
        print(pad("\(name) \(n) \(cin)->\(cout) \(hw)x\(hw)", 44) + pad(String(format: "%.4f", a), 10, right: true)
              + pad(String(format: "%.4f", c), 10, right: true) + pad(String(format: "%.0f", flops / a / 1e9), 8, right: true)
              + pad(String(format: "%.0f", flops / c / 1e9), 8, right: true) + pad(String(format: "%.2f", c / a), 7, right: true))
    }
}
