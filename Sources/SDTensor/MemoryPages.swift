import Glibc

/// Hands the whole pages inside [start, start + byteCount) of a read-only file mapping back to the
/// kernel (MADV_DONTNEED): they stop counting in resident memory, and a later read brings them back
/// from the file (from the page cache while it holds them). Pages shared with neighbouring bytes
/// outside the range are kept.
public enum MemoryPages {
    public static func release(_ start: UnsafeRawPointer, byteCount: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let begin = Int(bitPattern: start), end = begin + byteCount
        let first = (begin + page - 1) / page * page, last = end / page * page
        guard last > first, let p = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(p, last - first, Int32(MADV_DONTNEED))
    }
}
