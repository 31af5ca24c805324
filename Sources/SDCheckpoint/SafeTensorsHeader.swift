// Parsing and validation of a safetensors header. Nothing here trusts the file: lengths, JSON,
// dtypes, shapes, offsets and overlaps are all checked before a tensor can be read.

import Foundation

#if _endian(big)
#error("safetensors data is little-endian; this reader assumes a little-endian host")
#endif

struct SafeTensorsHeader {
    var metadata: [String: String] = [:]
    var tensors: [String: SafeTensorInfo] = [:]
    /// File offset of the data area.
    var dataStart = 0

    static func parse(_ bytes: UnsafeRawBufferPointer, path: String, maxHeaderBytes: Int) throws -> SafeTensorsHeader {
        let size = bytes.count
        let startsWithJSON = size > 8 && bytes[8] == UInt8(ascii: "{")
        if !startsWithJSON && FileSniffing.isPickle(bytes) { throw CheckpointError.pickleNotSupported(path) }
        guard size >= 8 else {
            throw CheckpointError.notSafetensors(path, "the file is \(size) bytes, shorter than the 8-byte header length")
        }
        let claimed = bytes.loadUnaligned(as: UInt64.self).littleEndian
        guard claimed <= UInt64(size - 8) else {
            throw CheckpointError.corrupt("\(path): header length \(claimed) exceeds the file size \(size) minus 8")
        }
        guard claimed <= UInt64(maxHeaderBytes) else {
            throw CheckpointError.corrupt("\(path): header length \(claimed) exceeds the limit of \(maxHeaderBytes) bytes")
        }
        guard startsWithJSON else {
            throw CheckpointError.notSafetensors(path, "no JSON header follows the 8-byte header length")
        }
        let headerLength = Int(claimed)
        let headerData = Data(bytes: bytes.baseAddress! + 8, count: headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerData)
        } catch {
            throw CheckpointError.corrupt("\(path): the header is not valid JSON")
        }
        guard let root = json as? [String: Any] else {
            throw CheckpointError.corrupt("\(path): the header is not a JSON object")
        }

        var header = SafeTensorsHeader()
        header.dataStart = 8 + headerLength
        let dataSize = size - header.dataStart
        for (name, value) in root {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw CheckpointError.corrupt("\(path): __metadata__ is not a JSON object")
                }
                for (key, item) in map {
                    guard let text = item as? String else {
                        throw CheckpointError.corrupt("\(path): __metadata__ value for \(key) is not a string")
                    }
                    header.metadata[key] = text
                }
                continue
            }
            header.tensors[name] = try parseTensor(name, value, dataSize: dataSize, path: path)
        }
        try checkNoOverlap(header.tensors.values, path: path)
        return header
    }

    private static func parseTensor(_ name: String, _ value: Any, dataSize: Int, path: String) throws -> SafeTensorInfo {
        func corrupt(_ why: String) -> CheckpointError { .corrupt("\(path): tensor \(name): \(why)") }
        guard let entry = value as? [String: Any] else { throw corrupt("entry is not a JSON object") }
        guard let dtypeName = entry["dtype"] as? String else { throw corrupt("missing or non-string dtype") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw CheckpointError.unsupported("unsupported dtype \(dtypeName) for tensor \(name) in \(path)")
        }
        guard let shapeItems = entry["shape"] as? [Any] else { throw corrupt("missing shape") }
        var shape: [Int] = []
        var elementCount = 1
        for item in shapeItems {
            guard let dim = jsonInteger(item), dim >= 0 else { throw corrupt("shape \(shapeItems) is not a list of non-negative integers") }
            shape.append(dim)
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw corrupt("element count of shape \(shape)... overflows") }
            elementCount = product
        }
        let (byteSize, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw corrupt("byte size of shape \(shape) overflows") }
        guard let offsetItems = entry["data_offsets"] as? [Any], offsetItems.count == 2,
              let begin = jsonInteger(offsetItems[0]), let end = jsonInteger(offsetItems[1]),
              begin >= 0, begin <= end else {
            throw corrupt("data_offsets must be [begin, end] with 0 <= begin <= end")
        }
        guard end <= dataSize else {
            throw corrupt("data_offsets [\(begin), \(end)] reach beyond the data area of \(dataSize) bytes (truncated file?)")
        }
        guard end - begin == byteSize else {
            throw corrupt("data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but \(dtypeName) \(shape) needs \(byteSize)")
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, elementCount: elementCount,
                              dataOffsets: begin..<end)
    }

    private static func checkNoOverlap(_ tensors: Dictionary<String, SafeTensorInfo>.Values, path: String) throws {
        let sorted = tensors.filter { !$0.dataOffsets.isEmpty }
            .sorted { ($0.dataOffsets.lowerBound, $0.name) < ($1.dataOffsets.lowerBound, $1.name) }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.dataOffsets.lowerBound < previous.dataOffsets.upperBound {
            throw CheckpointError.corrupt("\(path): tensors \(previous.name) and \(next.name) overlap in the data area")
        }
    }

    /// A JSON integer (not a boolean, not a fraction or exponent form), as Int.
    private static func jsonInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        switch UnicodeScalar(UInt8(bitPattern: number.objCType.pointee)) {
        case "i", "q", "l", "s", "I", "Q", "L", "S": return value as? Int
        default: return nil
        }
    }
}

enum FileSniffing {
    /// PyTorch checkpoints: a zip archive (torch.save since 1.6) or a bare pickle (protocol 2-5).
    static func isPickle(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4b, bytes[2] == 3, bytes[3] == 4 { return true }
        if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) { return true }
        return false
    }
}
