import Synchronization

/// Floating-point operations of the work done so far, counted as the textbook algorithm would do
/// them (a convolution as a direct convolution, whichever algorithm ran; attention as its two
/// products), so that a benchmark's GFLOP/s compare with other engines' and with the machine's
/// sgemm rate. Always on: one atomic add per layer call.
public enum FLOPCount {
    private static let total = Atomic<Int>(0)

    public static func add(_ flops: Int) { total.add(flops, ordering: .relaxed) }

    public static var value: Int { total.load(ordering: .relaxed) }
}
