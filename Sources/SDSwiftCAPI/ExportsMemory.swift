import CSDSwift
import SDPipeline

// The working-memory limit generations are checked against (see sdswift_set_memory_limit).

@_cdecl("sdswift_set_memory_limit")
public func capiSetMemoryLimit(_ bytes: UInt64) { MemoryLimit.bytes = Int(clamping: bytes) }

@_cdecl("sdswift_get_memory_limit")
public func capiGetMemoryLimit() -> UInt64 { UInt64(MemoryLimit.bytes) }

@_cdecl("sdswift_estimate_memory")
public func capiEstimateMemory(_ handle: OpaquePointer?, _ width: Int32, _ height: Int32, _ guided: Int32) -> UInt64 {
    guard let box = Handles.get(handle, .model, as: ModelBox.self), width > 0, height > 0,
          width <= Int32(Limits.maxSide), height <= Int32(Limits.maxSide) else { return 0 }
    return UInt64(MemoryEstimate.peakBytes(config: box.pipeline.config, width: Int(width), height: Int(height),
                                           guided: guided != 0))
}
