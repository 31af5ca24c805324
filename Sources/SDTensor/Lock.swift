import Glibc

/// A pthread mutex on the heap (a Swift struct holding pthread_mutex_t inline could move), for the few
/// shared tables of the engine: Scratch's pool, OpProfile, the C library's handle table and requests.
/// Not Synchronization.Mutex: ThreadSanitizer sees pthread locks, not the futex inside the Swift runtime,
/// and reports every access under the latter as a race (Tests/Reliability/tsan.sh).
public final class Lock: @unchecked Sendable {
    private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    public init() { pthread_mutex_init(m, nil) }
    deinit { pthread_mutex_destroy(m); m.deallocate() }

    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return try body()
    }
}
