import Glibc
import SDKernels
import SDKernelsC

/// Products that read half-precision weights as stored (sdk_gemm_half: widened a cache-sized panel at a
/// time while packed). Where a convolution has few output positions (the UNet's 8x8 and 4x4 maps) each
/// weight serves few multiply-adds and reading the weights is the cost: a Float32 copy first (and for
/// Winograd a transformed one) multiplied it. UNet step 256x256: 0.36 s less convolution time.
public enum HalfProduct {
    /// Column counts (output positions over the batch) that take this path: fewer than 8 waste most of the
    /// 16- or 32-column register tile; 16x16 maps of 2 images (512) measured slower than Winograd.
    public static var columns = 8...160

    /// SDSWIFT_HALF_PRODUCT=0 turns the path off (comparisons).
    public static var enabled = getenv("SDSWIFT_HALF_PRODUCT").map { String(cString: $0) } != "0"

    /// The stored half-precision values of `weight` when a product over `columns` columns should read them
    /// (half precision, no LoRA overlay in force for it, a CPU with AVX2/F16C, a length that is a
    /// multiple of 16), else nil.
    public static func halves(of weight: WeightMatrix, columns n: Int) -> UnsafePointer<UInt16>? {
        guard enabled, columns.contains(n), sdk_gemm_half_supported(weight.cols) != 0 else { return nil }
        return weight.halvesInUse
    }

    /// y [rows][n] = w [rows][k] x [k][n] (all row-major); the weight rows are split across the threads.
    /// (Callers count the FLOPs.)
    public static func multiply(_ w: UnsafePointer<UInt16>, rows: Int, k: Int, columns n: Int, x: UnsafePointer<Float>,
                                y: UnsafeMutablePointer<Float>) {
        let work = sdk_gemm_half_work_floats(n, k)
        Parallel.chunks(rows, minChunk: 48) { s, e in
            Scratch.with(work) { wk in sdk_gemm_half(s, e, n, k, w, k, x, n, y, n, wk) }
        }
    }
}
