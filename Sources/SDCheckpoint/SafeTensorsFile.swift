// A memory-mapped .safetensors file: 8-byte little-endian header length, a JSON header describing
// each tensor (dtype, shape, data_offsets into the data area), then the raw data area.
// Everything in the header is validated before any tensor is touched; data is never copied
// except into the caller's buffer when a tensor is read.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SDTensor

public struct SafeTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    public let elementCount: Int
    /// Byte range inside the data area (the bytes after the header).
    public let dataOffsets: Range<Int>
}

// @unchecked: the only mutable-looking state is a read-only (PROT_READ) mapping that lives,
// unchanged, until deinit; every other property is an immutable value.
public final class SafeTensorsFile: WeightSource, @unchecked Sendable {
    /// Headers above this size are refused (real checkpoints have headers of a few hundred KB).
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    public let fileSize: Int
    /// The header's `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    public let tensors: [String: SafeTensorInfo]
    private let mapping: UnsafeRawPointer
    private let dataStart: Int

    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { throw CheckpointError.fileNotFound(path) }
            throw CheckpointError.notSafetensors(path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }   // the mapping stays valid after the descriptor is closed
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError.notSafetensors(path, "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else { throw CheckpointError.notSafetensors(path, "the file is empty") }
        guard let raw = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), raw != MAP_FAILED else {
            throw CheckpointError.notSafetensors(path, "cannot map: \(String(cString: strerror(errno)))")
        }
        let bytes = UnsafeRawBufferPointer(start: raw, count: size)
        do {
            let header = try SafeTensorsHeader.parse(bytes, path: path, maxHeaderBytes: Self.maxHeaderBytes)
            self.metadata = header.metadata
            self.tensors = header.tensors
            self.dataStart = header.dataStart
        } catch {
            munmap(raw, size)
            throw error
        }
        self.path = path
        self.fileSize = size
        self.mapping = UnsafeRawPointer(raw)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: mapping), fileSize) }

    public var tensorNames: [String] { tensors.keys.sorted() }

    public func info(_ name: String) -> SafeTensorInfo? { tensors[name] }

    // MARK: WeightSource (names as stored in the file)

    public func shape(of name: String) -> [Int]? { tensors[name]?.shape }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let info = tensors[name] else { throw CheckpointError.missingTensor(name) }
        guard info.elementCount == destination.count else {
            throw CheckpointError.shapeMismatch(name: name, expected: [destination.count], found: info.shape)
        }
        try readFloats(info, firstElement: 0, count: info.elementCount, into: destination.baseAddress)
    }

    public func readHalf(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws -> Bool {
        guard let info = tensors[name] else { throw CheckpointError.missingTensor(name) }
        guard info.elementCount == destination.count, let base = destination.baseAddress else {
            throw CheckpointError.shapeMismatch(name: name, expected: [destination.count], found: info.shape)
        }
        return readHalfBits(info, firstElement: 0, count: info.elementCount, into: base)
    }

    public func mappedHalf(_ name: String) throws -> MappedHalves? {
        guard let info = tensors[name] else { throw CheckpointError.missingTensor(name) }
        return mappedHalfBits(info, firstElement: 0).map { MappedHalves(values: $0, owner: self) }
    }

    /// Where the tensor's half values from `firstElement` on lie in the mapping: nil unless it is F16
    /// and 2-byte aligned there.
    func mappedHalfBits(_ info: SafeTensorInfo, firstElement: Int) -> UnsafePointer<UInt16>? {
        precondition(firstElement >= 0 && firstElement <= info.elementCount)
        let source = mapping + dataStart + info.dataOffsets.lowerBound + firstElement * 2
        guard info.dtype == .f16, Int(bitPattern: source) % 2 == 0 else { return nil }
        return source.assumingMemoryBound(to: UInt16.self)
    }

    /// The whole tensor widened to Float32 (convenience for tests and small tensors).
    public func readFloats(_ name: String) throws -> [Float] {
        guard let info = tensors[name] else { throw CheckpointError.missingTensor(name) }
        return try [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
            try readFloats(info, firstElement: 0, count: info.elementCount, into: buffer.baseAddress)
            initialized = info.elementCount
        }
    }

    /// Raw I32 tensors (token ids in the reference fixtures); never used for weights.
    public func readInt32(_ name: String) throws -> [Int32] {
        guard let info = tensors[name] else { throw CheckpointError.missingTensor(name) }
        guard info.dtype == .i32 else {
            throw CheckpointError.unsupported("tensor \(name) has dtype \(info.dtype.rawValue), expected I32")
        }
        let source = mapping + dataStart + info.dataOffsets.lowerBound
        return (0..<info.elementCount).map { source.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) }
    }

    /// The tensor's raw little-endian bytes inside the mapping, valid only during `body`.
    public func withRawBytes<R>(of name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let info = tensors[name] else { throw CheckpointError.missingTensor(name) }
        return try body(UnsafeRawBufferPointer(start: mapping + dataStart + info.dataOffsets.lowerBound,
                                               count: info.dataOffsets.count))
    }

    /// Widens `count` elements starting at element `firstElement` of a weight tensor into `destination`.
    /// The range must lie inside the tensor (callers derive it from the validated shape).
    func readFloats(_ info: SafeTensorInfo, firstElement: Int, count: Int,
                    into destination: UnsafeMutablePointer<Float>?) throws {
        precondition(firstElement >= 0 && count >= 0 && firstElement + count <= info.elementCount)
        guard info.dtype.isWeightType else {
            throw CheckpointError.unsupported("unsupported dtype \(info.dtype.rawValue) for tensor \(info.name) "
                                              + "(weights must be F32, F16 or BF16)")
        }
        guard count > 0, let destination else { return }
        let source = mapping + dataStart + info.dataOffsets.lowerBound + firstElement * info.dtype.byteSize
        switch info.dtype {
        case .f32:
            memcpy(destination, source, count * 4)
        case .f16, .bf16:
            let isHalf = info.dtype == .f16
            if Int(bitPattern: source) & 1 == 0 {
                let halves = source.assumingMemoryBound(to: UInt16.self)
                if isHalf { HalfConversion.widenHalf(halves, destination, count: count) }
                else { HalfConversion.widenBFloat16(halves, destination, count: count) }
            } else {
                // Misaligned data (a header length that is not even): unaligned loads, still exact.
                for i in 0..<count {
                    let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                    destination[i] = isHalf ? HalfConversion.floatFromHalfBits(bits)
                                            : HalfConversion.floatFromBFloat16Bits(bits)
                }
            }
        default:
            preconditionFailure("not a weight dtype")
        }
        releasePages(info, firstElement: firstElement, count: count)
    }

    /// Copies `count` IEEE half values starting at `firstElement` as they are stored (no widening).
    /// Returns false, copying nothing, when the tensor is not F16.
    func readHalfBits(_ info: SafeTensorInfo, firstElement: Int, count: Int,
                      into destination: UnsafeMutablePointer<UInt16>) -> Bool {
        precondition(firstElement >= 0 && count >= 0 && firstElement + count <= info.elementCount)
        guard info.dtype == .f16 else { return false }
        let source = mapping + dataStart + info.dataOffsets.lowerBound + firstElement * 2
        memcpy(destination, source, count * 2)
        releasePages(info, firstElement: firstElement, count: count)
        return true
    }

    /// Once a tensor is copied out, its file pages are handed back to the kernel (they are re-read
    /// from the file if touched again), so loading a model costs its copies, not copies plus the file.
    private func releasePages(_ info: SafeTensorInfo, firstElement: Int, count: Int) {
        let start = dataStart + info.dataOffsets.lowerBound + firstElement * info.dtype.byteSize
        MemoryPages.release(mapping + start, byteCount: count * info.dtype.byteSize)
    }
}
