import CSDSwift
import Glibc

/// Reading and writing the versioned C structs that begin with `size_t struct_size`.
enum VersionedStruct {
    /// Copies the caller's struct over `defaults`: fields the caller's (older) struct lacks keep their
    /// defaults; a larger struct_size (a newer caller) is fine, its unknown tail is ignored.
    /// `minSize` is the size of the struct's first published version.
    static func read<T>(_ p: UnsafePointer<T>, defaults: T, minSize: Int, name: String) throws -> T {
        let size = UnsafeRawPointer(p).load(as: Int.self)
        guard size >= minSize else {
            throw CAPIError(SDSWIFT_BAD_STRUCT_SIZE, "\(name).struct_size is \(size), expected at least \(minSize)"
                            + " (call \(name)_init or set it to sizeof(\(name)))")
        }
        var value = defaults
        withUnsafeMutableBytes(of: &value) { dst in
            _ = memcpy(dst.baseAddress!, p, min(size, MemoryLayout<T>.stride))
        }
        return value
    }

    /// Writes `value` into the caller's struct, no further than its struct_size.
    static func write<T>(_ value: T, to p: UnsafeMutablePointer<T>, minSize: Int, name: String) throws {
        let size = UnsafeRawPointer(p).load(as: Int.self)
        guard size >= minSize else {
            throw CAPIError(SDSWIFT_BAD_STRUCT_SIZE, "\(name).struct_size is \(size), expected at least \(minSize)")
        }
        var v = value
        withUnsafeMutableBytes(of: &v) { src in
            src.storeBytes(of: size, as: Int.self)  // keep the caller's struct_size
            _ = memcpy(p, src.baseAddress!, min(size, MemoryLayout<T>.stride))
        }
    }
}
