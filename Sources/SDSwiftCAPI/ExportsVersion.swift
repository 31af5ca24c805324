import CSDSwift
import SDKernels
import SDPipeline

// Versions, features, samplers, threads, status strings and the thread's last message.

let libraryVersion = (major: 0, minor: 2, patch: 0)
let libraryABIVersion: UInt32 = 1

private let versionString = StaticStrings.make("\(libraryVersion.major).\(libraryVersion.minor).\(libraryVersion.patch)")
private let samplerNames: [UnsafePointer<CChar>] = StableDiffusionPipeline.supportedSamplers.map(StaticStrings.make)

@_cdecl("sdswift_version")
public func capiVersion() -> UInt32 {
    UInt32(libraryVersion.major * 10000 + libraryVersion.minor * 100 + libraryVersion.patch)
}

@_cdecl("sdswift_version_string")
public func capiVersionString() -> UnsafePointer<CChar> { versionString }

@_cdecl("sdswift_abi_version")
public func capiABIVersion() -> UInt32 { libraryABIVersion }

@_cdecl("sdswift_features")
public func capiFeatures() -> UInt64 {
    let bits: [Int32] = [SDSWIFT_FEATURE_SD1, SDSWIFT_FEATURE_SD2, SDSWIFT_FEATURE_INPAINT_MODELS,
                         SDSWIFT_FEATURE_SAFETENSORS_FILE, SDSWIFT_FEATURE_DIFFUSERS_FOLDER,
                         SDSWIFT_FEATURE_TXT2IMG, SDSWIFT_FEATURE_IMG2IMG, SDSWIFT_FEATURE_INPAINT,
                         SDSWIFT_FEATURE_OUTPAINT, SDSWIFT_FEATURE_KARRAS, SDSWIFT_FEATURE_INITIAL_NOISE,
                         SDSWIFT_FEATURE_PNG, SDSWIFT_FEATURE_PREVIEW, SDSWIFT_FEATURE_PROMPT_MIX,
                         SDSWIFT_FEATURE_LORA, SDSWIFT_FEATURE_PHILOX].map { Int32(bitPattern: UInt32($0)) }
    return bits.reduce(UInt64(0)) { $0 | UInt64(UInt32(bitPattern: $1)) }
}

@_cdecl("sdswift_sampler_name")
public func capiSamplerName(_ index: Int32) -> UnsafePointer<CChar>? {
    guard index >= 0, Int(index) < samplerNames.count else { return nil }
    return samplerNames[Int(index)]
}

@_cdecl("sdswift_set_threads")
public func capiSetThreads(_ n: Int32) { BLAS.threads = min(max(1, Int(n)), 1024) }

@_cdecl("sdswift_get_threads")
public func capiGetThreads() -> Int32 { Int32(clamping: BLAS.threads) }

private let statusTexts: [Int32: UnsafePointer<CChar>] = {
    let all: [(sdswift_status, String)] = [
        (SDSWIFT_OK, "ok"),
        (SDSWIFT_INVALID_ARGUMENT, "invalid argument"),
        (SDSWIFT_NULL_POINTER, "null pointer"),
        (SDSWIFT_BAD_STRUCT_SIZE, "bad struct_size"),
        (SDSWIFT_BAD_IMAGE_SIZE, "bad image size"),
        (SDSWIFT_MASK_SIZE_MISMATCH, "mask size differs from image size"),
        (SDSWIFT_FILE_NOT_FOUND, "file not found"),
        (SDSWIFT_CORRUPT_MODEL, "corrupt model"),
        (SDSWIFT_UNSUPPORTED_MODEL, "unsupported model"),
        (SDSWIFT_OUT_OF_MEMORY, "out of memory"),
        (SDSWIFT_CANCELLED, "cancelled"),
        (SDSWIFT_INTERNAL, "internal error"),
        (SDSWIFT_IO_ERROR, "I/O error"),
        (SDSWIFT_UNSUPPORTED, "unsupported operation"),
    ]
    return Dictionary(uniqueKeysWithValues: all.map { ($0.0.rawValue, StaticStrings.make($0.1)) })
}()
private let unknownStatus = StaticStrings.make("unknown status")

func statusText(_ s: sdswift_status) -> String { String(cString: capiStatusString(s.rawValue)) }

@_cdecl("sdswift_status_string")
public func capiStatusString(_ status: Int32) -> UnsafePointer<CChar> {
    statusTexts[status] ?? unknownStatus
}

@_cdecl("sdswift_last_error_message")
public func capiLastErrorMessage() -> UnsafePointer<CChar> { ThreadMessage.current }
