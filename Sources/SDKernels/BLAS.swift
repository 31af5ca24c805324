import SDKernelsC

/// Row-major single-precision matrix products through OpenBLAS (`cblas_sgemm`, see SDKernelsC/blas.c).
public enum BLAS {
    /// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major.
    /// op(A) is m x k (A is k x m when transA), op(B) is k x n (B is n x k when transB).
    @inline(__always)
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
                            b: UnsafePointer<Float>, ldb: Int? = nil,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        let lda = lda ?? (transA ? m : k)
        let ldb = ldb ?? (transB ? k : n)
        let ldc = ldc ?? n
        sdk_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                  beta, c, Int32(ldc))
    }

    /// Threads OpenBLAS may use; our own parallel loops use the same count.
    public static var threads: Int {
        get { Int(sdk_blas_get_threads()) }
        set { sdk_blas_set_threads(Int32(max(1, newValue))) }
    }

    /// The OpenBLAS kernels in use (e.g. "Haswell"), or the portable fallback.
    public static var coreName: String { String(cString: sdk_blas_core_name()) }
}
