import CSDSwift
import SDCheckpoint
import SDModels
import SDPipeline
import SDSchedulers

/// A failure with the status the C caller sees.
struct CAPIError: Error {
    var status: sdswift_status
    var message: String
    init(_ status: sdswift_status, _ message: String) { self.status = status; self.message = message }
}

/// Maps any error the engine throws to a status and a message.
func classify(_ error: Error) -> CAPIError {
    switch error {
    case let e as CAPIError:
        return e
    case let e as CheckpointError:
        switch e {
        case .fileNotFound: return CAPIError(SDSWIFT_FILE_NOT_FOUND, e.description)
        case .notSafetensors, .corrupt, .missingComponent, .missingTensor, .shapeMismatch:
            return CAPIError(SDSWIFT_CORRUPT_MODEL, e.description)
        case .unsupported, .pickleNotSupported:
            return CAPIError(SDSWIFT_UNSUPPORTED_MODEL, e.description)
        }
    case let e as ModelError:
        switch e {
        case .missingWeight, .shapeMismatch: return CAPIError(SDSWIFT_CORRUPT_MODEL, e.description)
        case .badInput: return CAPIError(SDSWIFT_INVALID_ARGUMENT, e.description)
        }
    case let e as PipelineError:
        switch e {
        case .cancelled: return CAPIError(SDSWIFT_CANCELLED, "cancelled")
        case .invalidArgument(let m): return CAPIError(SDSWIFT_INVALID_ARGUMENT, m)
        case .unsupported(let m): return CAPIError(SDSWIFT_UNSUPPORTED, m)
        case .outOfMemory(let m): return CAPIError(SDSWIFT_OUT_OF_MEMORY, m)
        }
    case let e as SchedulerError:
        switch e {
        case .karrasUnsupported: return CAPIError(SDSWIFT_UNSUPPORTED, e.description)
        case .invalidSteps: return CAPIError(SDSWIFT_INVALID_ARGUMENT, e.description)
        case .invalidConfig: return CAPIError(SDSWIFT_CORRUPT_MODEL, e.description)
        }
    case let e as PNGError:
        return CAPIError(SDSWIFT_IO_ERROR, e.description)
    default:
        return CAPIError(SDSWIFT_INTERNAL, "internal error: \(error)")
    }
}

/// Runs the body of an exported function: never lets an error escape, records the thread's message
/// (cleared on success) and returns the status.
func capiCall(_ body: () throws -> Void) -> sdswift_status {
    do {
        try body()
        ThreadMessage.clear()
        return SDSWIFT_OK
    } catch {
        let e = classify(error)
        ThreadMessage.set(e.message.isEmpty ? statusText(e.status) : e.message)
        return e.status
    }
}

func nullPointer(_ what: String) -> CAPIError { CAPIError(SDSWIFT_NULL_POINTER, "\(what) is NULL") }
func invalid(_ message: String) -> CAPIError { CAPIError(SDSWIFT_INVALID_ARGUMENT, message) }
