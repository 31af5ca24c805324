import Foundation
import XCTest
import SDCheckpoint

final class SafeTensorsFileTests: TemporaryFolderTestCase {
    private func open(_ bytes: [UInt8], name: String = "t.safetensors") throws -> SafeTensorsFile {
        try SafeTensorsFile(path: try write(bytes, to: name))
    }

    private func isCorrupt(_ mentioning: String) -> (CheckpointError) -> Bool {
        { if case .corrupt(let reason) = $0 { return reason.contains(mentioning) }; return false }
    }

    // MARK: valid files

    func testReadsF32F16BF16AndKeepsMetadata() throws {
        let file = try open(safetensors([
            .f32("a", [2, 2], [1, -2, 0.5, Float(bitPattern: 0x0003_0000)]),
            .u16("h", "F16", [3], [0x3c00, 0xc000, 0x0001]),          // 1, -2, smallest subnormal
            .u16("b", "BF16", [2], [0x3f80, 0xc0a0]),                 // 1, -5
        ], metadata: ["format": "pt", "note": "x"]))
        XCTAssertEqual(file.metadata, ["format": "pt", "note": "x"])
        XCTAssertEqual(file.tensorNames, ["a", "b", "h"])
        XCTAssertEqual(file.shape(of: "a"), [2, 2])
        XCTAssertEqual(file.info("h")?.dtype, .f16)
        XCTAssertEqual(try file.readFloats("a").map(\.bitPattern), [1, -2, 0.5, Float(bitPattern: 0x0003_0000)].map(\.bitPattern))
        XCTAssertEqual(try file.readFloats("h"), [1, -2, Float(sign: .plus, exponent: -24, significand: 1)])
        XCTAssertEqual(try file.readFloats("b"), [1, -5])

        var buffer = [Float](repeating: 0, count: 3)
        try buffer.withUnsafeMutableBufferPointer { try file.read("h", into: $0) }
        XCTAssertEqual(buffer, [1, -2, 0x1p-24])
        assertCheckpointError(try buffer.withUnsafeMutableBufferPointer { try file.read("a", into: $0) }) {
            if case .shapeMismatch("a", [3], [2, 2]) = $0 { return true }; return false
        }
        assertCheckpointError(try file.readFloats("nope")) { $0 == .missingTensor("nope") }
        XCTAssertNil(file.shape(of: "nope"))
    }

    func testMisalignedHalfDataIsReadExactly() throws {
        // A header of odd length puts the F16 data at an odd file offset.
        for padding in 0..<2 {
            let file = try open(safetensors([.u16("h", "F16", [2], [0x3555, 0x7bff])], headerPadding: padding),
                                name: "p\(padding).safetensors")
            XCTAssertEqual(try file.readFloats("h"), [Float(Float16(bitPattern: 0x3555)), 65504])
        }
    }

    func testEmptyAndZeroSizedTensors() throws {
        let file = try open(safetensors([.f32("z", [0, 4], []), .f32("s", [], [7])]))
        XCTAssertEqual(try file.readFloats("z"), [])
        XCTAssertEqual(try file.readFloats("s"), [7])   // a scalar has shape [] and one element
    }

    func testKnownNonFloatDtypes() throws {
        let ids: [Int32] = [49406, 320, -1]
        let file = try open(safetensors([
            RawTensor(name: "ids", dtype: "I32", shape: [3], bytes: ids.flatMap { littleEndianBytes($0) }),
            RawTensor(name: "pos", dtype: "I64", shape: [2], bytes: littleEndianBytes(Int64(0)) + littleEndianBytes(Int64(1))),
            RawTensor(name: "mask", dtype: "BOOL", shape: [2], bytes: [1, 0]),
            RawTensor(name: "u", dtype: "U8", shape: [1], bytes: [9]),
        ]))
        XCTAssertEqual(try file.readInt32("ids"), ids)
        for name in ["pos", "mask", "u"] {
            assertCheckpointError(try file.readFloats(name)) {
                if case .unsupported(let reason) = $0 { return reason.contains("unsupported dtype") && reason.contains(name) }
                return false
            }
        }
        assertCheckpointError(try file.readInt32("pos")) {
            if case .unsupported(let reason) = $0 { return reason.contains("I64") }; return false
        }
    }

    // MARK: hostile files

    func testMissingEmptyAndTooShortFiles() throws {
        assertCheckpointError(try SafeTensorsFile(path: folder.appendingPathComponent("absent").path)) {
            if case .fileNotFound = $0 { return true }; return false
        }
        assertCheckpointError(try open([])) { if case .notSafetensors = $0 { return true }; return false }
        assertCheckpointError(try open([1, 2, 3])) { if case .notSafetensors = $0 { return true }; return false }
        assertCheckpointError(try SafeTensorsFile(path: folder.path)) {
            if case .notSafetensors(_, let why) = $0 { return why.contains("regular file") }; return false
        }
    }

    func testTruncatedFiles() throws {
        let whole = safetensors([.f32("a", [4], [1, 2, 3, 4]), .f32("b", [2], [5, 6])])
        assertCheckpointError(try open(Array(whole.dropLast(3)), name: "data.safetensors"), isCorrupt("beyond the data area"))
        let headerLength = Int(whole[0])
        assertCheckpointError(try open(Array(whole.prefix(8 + headerLength / 2)), name: "header.safetensors"),
                              isCorrupt("exceeds the file size"))
    }

    func testHeaderLengthBeyondFile() throws {
        assertCheckpointError(try open(rawSafetensors(header: "{}", claimedLength: 3)), isCorrupt("exceeds the file size"))
        assertCheckpointError(try open(rawSafetensors(header: "{}", claimedLength: UInt64.max)), isCorrupt("exceeds the file size"))
    }

    func testTenGigabyteHeaderIsRefusedWithoutReadingIt() throws {
        // A sparse 10 GB file whose header claims to fill it: passes the file-size check, so only
        // the 100 MB header limit stops it. Nothing is read beyond the first bytes.
        let path = try write(rawSafetensors(header: "{\"", claimedLength: 10 << 30), to: "huge.safetensors")
        guard truncate(path, off_t(8 + (10 << 30))) == 0 else { throw XCTSkip("cannot create a sparse 10 GB file here") }
        assertCheckpointError(try SafeTensorsFile(path: path), isCorrupt("limit of 100000000 bytes"))
    }

    func testBadJSON() throws {
        assertCheckpointError(try open(rawSafetensors(header: "{\"a\": ")), isCorrupt("not valid JSON"))
        assertCheckpointError(try open(rawSafetensors(header: "{\"a\": 1} trailing")), isCorrupt("not valid JSON"))
        assertCheckpointError(try open(rawSafetensors(header: "[1, 2]")), { if case .notSafetensors = $0 { return true }; return false })
        assertCheckpointError(try open(rawSafetensors(header: "{\"a\": 1}")), isCorrupt("not a JSON object"))
        assertCheckpointError(try open(rawSafetensors(header: "{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", data: [0, 0, 0, 0])),
                              isCorrupt("dtype"))
        assertCheckpointError(try open(rawSafetensors(header: "{\"__metadata__\": {\"k\": 1}}")), isCorrupt("__metadata__"))
        // Trailing spaces are the format's header padding and are fine.
        XCTAssertEqual(try open(rawSafetensors(header: "{}    ")).tensors.count, 0)
    }

    func testBadShapes() throws {
        func header(_ shape: String, _ offsets: String = "[0, 4]") -> [UInt8] {
            rawSafetensors(header: "{\"w\": {\"dtype\": \"F32\", \"shape\": \(shape), \"data_offsets\": \(offsets)}}",
                           data: [0, 0, 0, 0])
        }
        assertCheckpointError(try open(header("[-1]")), isCorrupt("non-negative integers"))
        assertCheckpointError(try open(header("[1.5]")), isCorrupt("non-negative integers"))
        assertCheckpointError(try open(header("[true]")), isCorrupt("non-negative integers"))
        assertCheckpointError(try open(header("\"1\"")), isCorrupt("missing shape"))
        assertCheckpointError(try open(header("[1099511627776, 1099511627776]")), isCorrupt("overflows"))
        assertCheckpointError(try open(header("[2305843009213693952]")), isCorrupt("byte size"))
        assertCheckpointError(try open(header("[99999999999999999999999]")), isCorrupt("non-negative integers"))
        assertCheckpointError(try open(header("[2]")), isCorrupt("needs 8"))
    }

    func testBadOffsets() throws {
        func header(_ offsets: String) -> [UInt8] {
            rawSafetensors(header: "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": \(offsets)}}",
                           data: [0, 0, 0, 0, 0, 0, 0, 0])
        }
        assertCheckpointError(try open(header("[8, 12]")), isCorrupt("beyond the data area"))
        assertCheckpointError(try open(header("[4, 0]")), isCorrupt("data_offsets"))
        assertCheckpointError(try open(header("[-4, 0]")), isCorrupt("data_offsets"))
        assertCheckpointError(try open(header("[0]")), isCorrupt("data_offsets"))
        assertCheckpointError(try open(header("[0, 9223372036854775807]")), isCorrupt("beyond the data area"))
        XCTAssertEqual(try open(header("[4, 8]")).info("w")?.dataOffsets, 4..<8)
    }

    func testOverlappingTensors() throws {
        let overlapping = rawSafetensors(header: """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F16", "shape": [2], "data_offsets": [6, 10]}}
            """, data: Array(repeating: 0, count: 12))
        assertCheckpointError(try open(overlapping), isCorrupt("overlap"))
        let same = rawSafetensors(header: """
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "b": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}}
            """, data: Array(repeating: 0, count: 4))
        assertCheckpointError(try open(same), isCorrupt("overlap"))
    }

    func testUnknownDtype() throws {
        let file = rawSafetensors(header: "{\"w\": {\"dtype\": \"Q4_K\", \"shape\": [2], \"data_offsets\": [0, 1]}}", data: [0])
        assertCheckpointError(try open(file)) {
            if case .unsupported(let reason) = $0 { return reason.contains("unsupported dtype Q4_K for tensor w") }
            return false
        }
    }

    func testPickleCheckpointsAreRefused() throws {
        let zip: [UInt8] = [0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0x08, 0, 0, 0, 0, 0]   // torch.save (zip)
        let pickle: [UInt8] = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]   // legacy torch
        for (bytes, name) in [(zip, "model.ckpt"), (pickle, "model.pt"), (zip, "disguised.safetensors")] {
            assertCheckpointError(try open(bytes, name: name)) { if case .pickleNotSupported = $0 { return true }; return false }
            assertCheckpointError(try Checkpoint.open(path: folder.appendingPathComponent(name).path)) {
                if case .pickleNotSupported = $0 { return $0.description.contains("never unpickles") }; return false
            }
        }
        // A real header length whose low bytes happen to look like a pickle opcode is still safetensors.
        let header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}"
        let padded = header + String(repeating: " ", count: 0x280 - header.utf8.count)   // length 0x280: bytes 80 02
        let file = try open(rawSafetensors(header: padded, data: littleEndianBytes(Float(2).bitPattern)), name: "ok.safetensors")
        XCTAssertEqual(try file.readFloats("w"), [2])
    }

    func testErrorsDescribeThemselves() {
        XCTAssertEqual(CheckpointError.missingTensor("x.weight").description, "missing tensor x.weight")
        XCTAssertEqual(CheckpointError.shapeMismatch(name: "w", expected: [2, 3], found: [5]).description,
                       "tensor w has shape [5] (5 elements), expected [2, 3] (6 elements)")
        XCTAssertTrue(CheckpointError.unsupported("dtype Q").description.contains("dtype Q"))
    }
}
