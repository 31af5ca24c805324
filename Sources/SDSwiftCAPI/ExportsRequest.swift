import CSDSwift
import Glibc
import SDTensor
import SDPipeline

/// What an sdswift_request handle stands for: callbacks, a sticky cancel flag, the token of the
/// generation running now, and the message of the last failure.
final class RequestBox: @unchecked Sendable {
    private let lock = Lock()
    private var cancelled = false
    private var running: CancelToken?
    private var progress: (fn: sdswift_progress_fn, user: UnsafeMutableRawPointer?)?
    private var message: UnsafeMutablePointer<CChar>?

    deinit { free(message) }

    func setProgress(_ fn: sdswift_progress_fn?, _ user: UnsafeMutableRawPointer?) {
        lock.withLock { progress = fn.map { ($0, user) } }
    }

    func cancel() {
        lock.withLock { cancelled = true; running?.cancel() }
    }

    func reset() {
        lock.withLock { cancelled = false; free(message); message = nil }
    }

    var isCancelled: Bool { lock.withLock { cancelled } }

    /// The stored message; valid until it is replaced (next generation, reset, free).
    var messagePointer: UnsafePointer<CChar> {
        lock.withLock { message.map { UnsafePointer($0) } ?? StaticStrings.empty }
    }

    func setMessage(_ m: String?) {
        lock.withLock { free(message); message = m.map { strdup($0) } }
    }

    /// Starts a generation: returns its cancel token and the progress callback, or throws when the
    /// request is cancelled or already in use.
    func begin() throws -> (CancelToken, (fn: sdswift_progress_fn, user: UnsafeMutableRawPointer?)?) {
        try lock.withLock {
            guard running == nil else {
                throw invalid("the request is in use by another generation (use one request per generation)")
            }
            guard !cancelled else { throw CAPIError(SDSWIFT_CANCELLED, "the request was cancelled before it started") }
            let token = CancelToken()
            running = token
            return (token, progress)
        }
    }

    func end() { lock.withLock { running = nil } }
}

func request(_ handle: OpaquePointer?) throws -> RequestBox {
    guard let handle else { throw nullPointer("request") }
    guard let box = Handles.get(handle, .request, as: RequestBox.self) else {
        throw invalid("request is not a live sdswift_request handle (freed, or never returned by sdswift_request_create)")
    }
    return box
}

@_cdecl("sdswift_request_create")
public func capiRequestCreate(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> sdswift_status {
    out?.pointee = nil
    return capiCall {
        guard let out else { throw nullPointer("out") }
        out.pointee = Handles.add(RequestBox(), .request)
    }
}

@_cdecl("sdswift_request_free")
public func capiRequestFree(_ handle: OpaquePointer?) {
    Handles.remove(handle, .request)
}

@_cdecl("sdswift_request_set_progress")
public func capiRequestSetProgress(_ handle: OpaquePointer?, _ fn: sdswift_progress_fn?,
                                   _ user: UnsafeMutableRawPointer?) -> sdswift_status {
    capiCall { try request(handle).setProgress(fn, user) }
}

@_cdecl("sdswift_request_cancel")
public func capiRequestCancel(_ handle: OpaquePointer?) -> sdswift_status {
    capiCall { try request(handle).cancel() }
}

@_cdecl("sdswift_request_reset")
public func capiRequestReset(_ handle: OpaquePointer?) -> sdswift_status {
    capiCall { try request(handle).reset() }
}

@_cdecl("sdswift_request_is_cancelled")
public func capiRequestIsCancelled(_ handle: OpaquePointer?) -> Int32 {
    (Handles.get(handle, .request, as: RequestBox.self)?.isCancelled ?? false) ? 1 : 0
}

@_cdecl("sdswift_request_error_message")
public func capiRequestErrorMessage(_ handle: OpaquePointer?) -> UnsafePointer<CChar> {
    Handles.get(handle, .request, as: RequestBox.self)?.messagePointer ?? StaticStrings.empty
}
