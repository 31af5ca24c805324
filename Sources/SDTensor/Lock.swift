import Glibc

/// A pthread mutex on the heap, for the few shared tables of this module (Scratch's pool, OpProfile).
/// Not Synchronization.Mutex: ThreadSanitizer sees pthread locks, not the futex inside the Swift runtime,
/// and reports every access under the latter as a race (Tests/Reliability/tsan.sh).
final class Lock: @unchecked Sendable {
    private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(m, nil) }
    deinit { pthread_mutex_destroy(m); m.deallocate() }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return try body()
    }
}
