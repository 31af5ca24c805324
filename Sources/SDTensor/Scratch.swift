/// Reusable float buffers for an op's temporaries (im2col columns, Winograd planes).
///
/// A fresh large allocation comes from mmap: every page faults and is zeroed by the kernel when first
/// touched, which cost about as much as the convolutions' im2col itself. Buffers taken here go back
/// to a small pool and are reused by the next op, so their pages are touched once. Thread-safe; the
/// pool keeps at most `maxKept` buffers and `maxKeptBytes` bytes (the smallest are freed first).
public enum Scratch {
    private struct Buffer: @unchecked Sendable { let base: UnsafeMutablePointer<Float>; let capacity: Int }
    private static let lock = Lock()
    nonisolated(unsafe) private static var pool: [Buffer] = []  // under lock
    nonisolated(unsafe) private static var made = 0  // under lock

    /// Buffers allocated so far (not taken from the pool): flat across the steps of a generation
    /// when the pool does its job.
    public static var allocations: Int { lock.withLock { made } }
    static let maxKept = 8
    static let maxKeptBytes = 192 << 20

    /// Runs body with at least `count` floats (contents undefined), 64-byte aligned.
    public static func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer = take(max(count, 1))
        defer { give(buffer) }
        return try body(buffer.base)
    }

    private static func take(_ count: Int) -> Buffer {
        let found: Buffer? = lock.withLock {
            // the smallest buffer that is large enough
            guard let i = pool.indices.filter({ pool[$0].capacity >= count }).min(by: { pool[$0].capacity < pool[$1].capacity })
            else { return nil }
            return pool.remove(at: i)
        }
        if let found { return found }
        lock.withLock { made += 1 }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
        return Buffer(base: raw.bindMemory(to: Float.self, capacity: count), capacity: count)
    }

    private static func give(_ buffer: Buffer) {
        let evicted: [Buffer] = lock.withLock {
            pool.append(buffer)
            pool.sort { $0.capacity > $1.capacity }
            var out: [Buffer] = []
            while pool.count > maxKept || pool.reduce(0, { $0 + $1.capacity * 4 }) > maxKeptBytes {
                out.append(pool.removeLast())
            }
            return out
        }
        for b in evicted { UnsafeMutableRawPointer(b.base).deallocate() }
    }
}
