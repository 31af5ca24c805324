// sdswift-bench: times the engine's parts on one checkpoint and prints a table.
//   swift run -c release sdswift-bench MODEL [--size 512] [--threads 2] [--repeat 3] [--steps 20] [--only unet,vae,...]
// The PyTorch side of the comparison is Benchmarks/reference_bench.py (same sizes, same threads);
// Benchmarks/compare.sh runs both in one go and prints the ratios.
import Foundation
import SDCheckpoint
import SDKernels
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

func time(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var runs: [Double] = []
    for _ in 0..<repeats { let t0 = now(); try body(); runs.append(now() - t0) }
    return median(runs)
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
let only = Set(option("--only", "sgemm,load,text,unet,vae,txt2img").split(separator: ",").map(String.init))
guard let modelPath = args.first else {
    FileHandle.standardError.write("usage: sdswift-bench MODEL [--size N] [--threads N] [--repeat N] [--steps N] [--only a,b]\n".data(using: .utf8)!)
    exit(2)
}
BLAS.threads = threads
print("sdswift-bench: \(modelPath), \(size)x\(size), \(threads) threads, AVX2/FMA kernels: \(CPU.hasAVX2FMA), OpenBLAS kernels: \(BLAS.coreName)")
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
