import Glibc
import SDTensor

/// Every live object handed to C (model, request) and every buffer the library allocated for the
/// caller (results, PNG pixels, strings). A handle is only dereferenced after it was found here, so
/// freed, foreign or garbage pointers are reported instead of crashing.
///
/// Addresses are stored bit-inverted: a leak checker (LeakSanitizer, valgrind) scanning this table
/// must not mistake it for references, or a caller's leaked handle would look reachable.
enum Handles {
    enum Kind { case model, request, result, pngPixels, string }

    private static let lock = Lock()
    nonisolated(unsafe) private static var live: [UInt: Kind] = [:]

    private static func key(_ p: UnsafeRawPointer) -> UInt { ~UInt(bitPattern: p) }

    /// Registers obj (retaining it: the handle owns one reference) and returns its handle.
    static func add(_ obj: AnyObject, _ kind: Kind) -> OpaquePointer {
        let raw = Unmanaged.passRetained(obj).toOpaque()
        lock.withLock { live[key(raw)] = kind }
        return OpaquePointer(raw)
    }

    /// The live object of this kind behind handle, or nil. The strong reference returned is taken
    /// under the lock, so a concurrent remove cannot free the object under the caller.
    static func get<T: AnyObject>(_ handle: OpaquePointer?, _ kind: Kind, as: T.Type) -> T? {
        guard let handle else { return nil }
        let raw = UnsafeRawPointer(handle)
        return lock.withLock {
            guard live[key(raw)] == kind else { return nil }
            return Unmanaged<AnyObject>.fromOpaque(raw).takeUnretainedValue() as? T
        }
    }

    /// Unregisters a live object of this kind and drops the handle's reference.
    static func remove(_ handle: OpaquePointer?, _ kind: Kind) {
        guard let handle else { return }
        let raw = UnsafeRawPointer(handle)
        let found: Bool = lock.withLock {
            guard live[key(raw)] == kind else { return false }
            live[key(raw)] = nil
            return true
        }
        // Released outside the lock: a deinit may take other locks.
        if found { Unmanaged<AnyObject>.fromOpaque(raw).release() }
    }

    static func addBuffer(_ p: UnsafeRawPointer, _ kind: Kind) {
        lock.withLock { live[key(p)] = kind }
    }

    /// Unregisters a buffer of this kind; returns whether it was one (then the caller frees it).
    static func removeBuffer(_ p: UnsafeRawPointer?, _ kind: Kind) -> Bool {
        guard let p else { return false }
        return lock.withLock {
            guard live[key(p)] == kind else { return false }
            live[key(p)] = nil
            return true
        }
    }
}
