import CSDSwift
import SDCheckpoint
import SDPipeline

/// What an sdswift_model handle stands for.
final class ModelBox {
    let pipeline: StableDiffusionPipeline
    init(_ p: StableDiffusionPipeline) { pipeline = p }
}

func defaultLoadParams() -> sdswift_load_params {
    var p = sdswift_load_params()
    p.struct_size = MemoryLayout<sdswift_load_params>.stride
    p.prediction = SDSWIFT_PREDICTION_AUTO
    return p
}

/// Sizes of the first published versions (ABI 1) of the versioned structs.
enum FirstVersionSize {
    static let loadParams = MemoryLayout<sdswift_load_params>.size
    static let modelInfo = MemoryLayout<sdswift_model_info>.size
    /// Version 0.1 ended with extend_bottom; 0.2 appended prompt_parts (8-aligned, so its offset is the old sizeof).
    static let generateParams = MemoryLayout<sdswift_generate_params>.offset(of: \sdswift_generate_params.prompt_parts)!
}

/// The live model behind a handle, or an error.
func model(_ handle: OpaquePointer?) throws -> ModelBox {
    guard let handle else { throw nullPointer("model") }
    guard let box = Handles.get(handle, .model, as: ModelBox.self) else {
        throw invalid("model is not a live sdswift_model handle (freed, or never returned by sdswift_model_load)")
    }
    return box
}

@_cdecl("sdswift_load_params_init")
public func capiLoadParamsInit(_ p: UnsafeMutablePointer<sdswift_load_params>?) {
    p?.pointee = defaultLoadParams()
}

/// sdswift_model_load_ex (ExportsVAE.swift) without extras.
@_cdecl("sdswift_model_load")
public func capiModelLoad(_ path: UnsafePointer<CChar>?, _ params: UnsafePointer<sdswift_load_params>?,
                          _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sdswift_status {
    capiModelLoadEx(path, params, nil, out)
}

@_cdecl("sdswift_model_free")
public func capiModelFree(_ handle: OpaquePointer?) {
    Handles.remove(handle, .model)
}

@_cdecl("sdswift_model_get_info")
public func capiModelGetInfo(_ handle: OpaquePointer?, _ info: UnsafeMutablePointer<sdswift_model_info>?) -> sdswift_status {
    capiCall {
        guard let info else { throw nullPointer("info") }
        let pipeline = try model(handle).pipeline
        let config = pipeline.config
        var v = sdswift_model_info()
        v.family = config.family == .sd2 ? SDSWIFT_FAMILY_SD2 : SDSWIFT_FAMILY_SD1
        v.is_inpainting = config.isInpainting ? 1 : 0
        let isV = config.schedule.predictionType == .vPrediction
        v.native_width = Int32(clamping: pipeline.nativeSize.width)
        v.native_height = Int32(clamping: pipeline.nativeSize.height)
        v.latent_channels = Int32(clamping: config.vae.latentChannels)
        v.downscale = Int32(clamping: config.vae.downscale)
        v.prediction = isV ? SDSWIFT_PREDICTION_V : SDSWIFT_PREDICTION_EPSILON
        try VersionedStruct.write(v, to: info, minSize: FirstVersionSize.modelInfo, name: "sdswift_model_info")
    }
}
