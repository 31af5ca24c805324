import Dispatch
import SDKernelsC

/// Element-wise and per-row work that is not BLAS, split over the same number of threads BLAS uses.
public enum Parallel {
    /// Runs body(start, end) over [0, count) in contiguous chunks, at most `BLAS.threads` at once.
    /// Small jobs run inline: a thread hop costs more than a few thousand floats of work.
    @inline(__always)
    public static func chunks(_ count: Int, minChunk: Int = 16_384, _ body: (Int, Int) -> Void) {
        let threads = min(BLAS.threads, max(1, count / max(1, minChunk)))
        if threads <= 1 { body(0, count); return }
        let per = (count + threads - 1) / threads
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let start = t * per, end = min(count, start + per)
            if start < end { body(start, end) }
        }
    }

    /// Runs body(i) for each i in [0, count) spread over the BLAS thread count (for coarse items).
    @inline(__always)
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 || BLAS.threads <= 1 { for i in 0..<count { body(i) }; return }
        DispatchQueue.concurrentPerform(iterations: count) { body($0) }
    }
}

public enum CPU {
    /// Whether the AVX2/FMA kernels are the ones running (else the portable ones).
    public static var hasAVX2FMA: Bool { sdk_cpu_has_avx2_fma() != 0 }
}
