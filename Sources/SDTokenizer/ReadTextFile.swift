#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct TextFileError: Error, CustomStringConvertible {
    let description: String
}

/// Whole file as UTF-8 text (plain libc, to keep Foundation out of the tokenizer).
func readTextFile(_ path: String) throws -> String {
    guard let file = fopen(path, "rb") else {
        throw TextFileError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
        if n < buffer.count {
            if ferror(file) != 0 { throw TextFileError(description: "cannot read \(path)") }
            break
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
