import Glibc

/// The per-thread message behind sdswift_last_error_message: a malloc'd C string in a pthread key
/// (freed by the key's destructor when the thread ends).
enum ThreadMessage {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { free($0) }
        return k
    }()

    static func set(_ message: String) {
        let old = pthread_getspecific(key)
        pthread_setspecific(key, strdup(message))
        free(old)
    }

    static func clear() {
        guard let old = pthread_getspecific(key) else { return }
        pthread_setspecific(key, nil)
        free(old)
    }

    static var current: UnsafePointer<CChar> {
        if let p = pthread_getspecific(key) { return UnsafePointer(p.assumingMemoryBound(to: CChar.self)) }
        return StaticStrings.empty
    }
}

/// C strings that live as long as the process.
enum StaticStrings {
    static let empty: UnsafePointer<CChar> = make("")
    static func make(_ s: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(s)!) }
}
