import Synchronization

/// Reusable float buffers for an op's temporaries (im2col columns, Winograd planes).
///
/// A fresh large allocation comes from mmap: every page faults and is zeroed by the kernel when first
/// touched, which cost about as much as the convolutions' im2col itself. Buffers taken here go back
/// to a small pool and are reused by the next op, so their pages are touched once. Thread-safe; the
/// pool keeps at most `maxKept` buffers and `maxKeptBytes` bytes (the smallest are freed first).
public enum Scratch {
    private struct Buffer: @unchecked Sendable { let base: UnsafeMutablePointer<Float>; let capacity: Int }
    private static let pool = Mutex<[Buffer]>([])
    static let maxKept = 4
    static let maxKeptBytes = 256 << 20

    /// Runs body with at least `count` floats (contents undefined), 64-byte aligned.
    public static func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer = take(max(count, 1))
        defer { give(buffer) }
        return try body(buffer.base)
    }

    private static func take(_ count: Int) -> Buffer {
        let found: Buffer? = pool.withLock { kept in
            // the smallest buffer that is large enough
            guard let i = kept.indices.filter({ kept[$0].capacity >= count }).min(by: { kept[$0].capacity < kept[$1].capacity })
            else { return nil }
            return kept.remove(at: i)
        }
        if let found { return found }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
        return Buffer(base: raw.bindMemory(to: Float.self, capacity: count), capacity: count)
    }

    private static func give(_ buffer: Buffer) {
        let evicted: [Buffer] = pool.withLock { kept in
            kept.append(buffer)
            kept.sort { $0.capacity > $1.capacity }
            var out: [Buffer] = []
            while kept.count > maxKept || kept.reduce(0, { $0 + $1.capacity * 4 }) > maxKeptBytes {
                out.append(kept.removeLast())
            }
            return out
        }
        for b in evicted { UnsafeMutableRawPointer(b.base).deallocate() }
    }
}
