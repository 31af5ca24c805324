// Helpers for crafting safetensors files (valid and hostile) in a per-test temporary folder,
// and for locating the committed fixtures.

import Foundation
import XCTest
import SDCheckpoint

/// One tensor to write: its dtype name as it appears in the header, shape and raw bytes.
struct RawTensor {
    var name: String
    var dtype: String
    var shape: [Int]
    var bytes: [UInt8]

    static func f32(_ name: String, _ shape: [Int], _ values: [Float]) -> RawTensor {
        RawTensor(name: name, dtype: "F32", shape: shape, bytes: values.flatMap { littleEndianBytes($0.bitPattern) })
    }
    static func u16(_ name: String, _ dtype: String, _ shape: [Int], _ bits: [UInt16]) -> RawTensor {
        RawTensor(name: name, dtype: dtype, shape: shape, bytes: bits.flatMap { littleEndianBytes($0) })
    }
}

func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// 8-byte little-endian length, the header text, then `data`: no checks, for hostile files.
func rawSafetensors(header: String, data: [UInt8] = [], claimedLength: UInt64? = nil) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    return littleEndianBytes(claimedLength ?? UInt64(headerBytes.count)) + headerBytes + data
}

/// A well-formed file: tensors laid out back to back in the given order.
func safetensors(_ tensors: [RawTensor], metadata: [String: String]? = nil, headerPadding: Int = 0) -> [UInt8] {
    var header: [String: Any] = [:]
    var data: [UInt8] = []
    for tensor in tensors {
        header[tensor.name] = ["dtype": tensor.dtype, "shape": tensor.shape,
                               "data_offsets": [data.count, data.count + tensor.bytes.count]]
        data += tensor.bytes
    }
    if let metadata { header["__metadata__"] = metadata }
    let json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    return rawSafetensors(header: String(decoding: json, as: UTF8.self) + String(repeating: " ", count: headerPadding),
                          data: data)
}

/// A temporary folder per test case, removed afterwards.
class TemporaryFolderTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sdcheckpoint-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url.path
    }
}

/// Asserts that `body` throws a CheckpointError accepted by `matches`, and returns it.
@discardableResult
func assertCheckpointError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
                              _ matches: (CheckpointError) -> Bool) -> CheckpointError? {
    do {
        _ = try body()
        XCTFail("expected a CheckpointError, nothing was thrown", file: file, line: line)
    } catch let error as CheckpointError {
        XCTAssertTrue(matches(error), "unexpected error: \(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected a CheckpointError, got \(error)", file: file, line: line)
    }
    return nil
}

enum Fixtures {
    /// Tests/Fixtures, found from this source file's location (Tests/SDCheckpointTests/...).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func model(_ name: String) -> String { root.appendingPathComponent("models/\(name)").path }

    static func reference(_ name: String) -> String { root.appendingPathComponent("reference/\(name)").path }
}

/// Copies the tensors of `source` into a new safetensors file, letting `transform` rename, change
/// or drop (nil) each one.
func rewrite(_ source: SafeTensorsFile, to path: String, _ transform: (RawTensor) -> RawTensor? = { $0 }) throws {
    var tensors: [RawTensor] = []
    for name in source.tensorNames {
        let info = source.info(name)!
        let bytes = try source.withRawBytes(of: name) { Array($0) }
        if let changed = transform(RawTensor(name: name, dtype: info.dtype.rawValue, shape: info.shape, bytes: bytes)) {
            tensors.append(changed)
        }
    }
    try Data(safetensors(tensors)).write(to: URL(fileURLWithPath: path))
}

/// Same length and the same bits everywhere (NaN payloads and signed zeros included).
func bitIdentical(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && (a.isEmpty || a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } })
}
