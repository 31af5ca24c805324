import Glibc

/// Every live object handed to C (model, request) and every buffer the library allocated for the
/// caller (results, PNG pixels), keyed by address. A handle is only dereferenced after it was
/// found here, so freed, foreign or garbage pointers are reported instead of crashing.
/// The table holds the strong reference that the C handle stands for.
enum Handles {
    private static let lock = Mutex()
    nonisolated(unsafe) private static var objects: [UInt: AnyObject] = [:]
    /// Library-allocated buffers (malloc) and their kind.
    nonisolated(unsafe) private static var buffers: [UInt: BufferKind] = [:]

    enum BufferKind { case result, pngPixels, string }

    /// Registers obj and returns its handle (the object's address).
    static func add(_ obj: AnyObject) -> OpaquePointer {
        let raw = Unmanaged.passUnretained(obj).toOpaque()
        lock.locked { objects[UInt(bitPattern: raw)] = obj }
        return OpaquePointer(raw)
    }

    /// The live object of type T behind handle, or nil.
    static func get<T: AnyObject>(_ handle: OpaquePointer?, as: T.Type) -> T? {
        guard let handle else { return nil }
        let key = UInt(bitPattern: UnsafeRawPointer(handle))
        return lock.locked { objects[key] as? T }
    }

    /// Unregisters a live object of type T; returns whether it was one.
    @discardableResult
    static func remove<T: AnyObject>(_ handle: OpaquePointer?, as: T.Type) -> Bool {
        guard let handle else { return false }
        let key = UInt(bitPattern: UnsafeRawPointer(handle))
        // The object is released after the lock is dropped (its deinit may take other locks).
        let obj: AnyObject? = lock.locked {
            guard objects[key] is T else { return nil }
            return objects.removeValue(forKey: key)
        }
        return obj != nil
    }

    static func addBuffer(_ p: UnsafeRawPointer, _ kind: BufferKind) {
        lock.locked { buffers[UInt(bitPattern: p)] = kind }
    }

    /// Unregisters a buffer of the given kind; returns whether it was one (then the caller frees it).
    static func removeBuffer(_ p: UnsafeRawPointer?, _ kind: BufferKind) -> Bool {
        guard let p else { return false }
        return lock.locked {
            let key = UInt(bitPattern: p)
            guard buffers[key] == kind else { return false }
            buffers[key] = nil
            return true
        }
    }
}
