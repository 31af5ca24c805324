import Glibc

/// Wall time per operation kind, for benchmarks (`sdswift-bench --profile`). Off by default: then each
/// measured op costs one load and branch. Times of nested labels overlap (a label's time includes the
/// labels measured inside it); concurrent callers add up.
public enum OpProfile {
    nonisolated(unsafe) public static var enabled = false
    private static let lock = Lock()
    nonisolated(unsafe) private static var totals: [String: (seconds: Double, calls: Int)] = [:]  // under lock

    @inline(__always)
    public static func measure<R>(_ label: @autoclosure () -> String, _ body: () throws -> R) rethrows -> R {
        guard enabled else { return try body() }
        let t0 = seconds()
        defer { add(label(), seconds() - t0) }
        return try body()
    }

    public static func add(_ label: String, _ dt: Double) {
        lock.withLock {
            let old = totals[label] ?? (0, 0)
            totals[label] = (old.seconds + dt, old.calls + 1)
        }
    }

    public static func reset() { lock.withLock { totals = [:] } }

    /// (label, seconds, calls), most expensive first.
    public static func report() -> [(label: String, seconds: Double, calls: Int)] {
        lock.withLock { totals.map { ($0.key, $0.value.seconds, $0.value.calls) } }.sorted { $0.seconds > $1.seconds }
    }

    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
