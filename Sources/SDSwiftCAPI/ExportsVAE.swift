import CSDSwift
import SDCheckpoint
import SDPipeline

/// sdswift_model_load_ex: a separate VAE, a TAESD (previews, fast decode), timestep spacing
/// (SDPipeline's LoadOptions), and the UNet call counter.

func defaultModelExtras() -> sdswift_model_extras {
    var e = sdswift_model_extras()
    e.struct_size = MemoryLayout<sdswift_model_extras>.stride
    e.vae_path = nil
    e.taesd_path = nil
    e.fast_decode = 0
    e.timestep_spacing = nil
    return e
}

@_cdecl("sdswift_model_extras_init")
public func capiModelExtrasInit(_ e: UnsafeMutablePointer<sdswift_model_extras>?) {
    e?.pointee = defaultModelExtras()
}

/// The LoadOptions an sdswift_model_extras asks for.
private func loadOptions(_ e: sdswift_model_extras) throws -> LoadOptions {
    func text(_ p: UnsafePointer<CChar>?, _ field: String) throws -> String? {
        guard let p else { return nil }
        guard let s = String(validatingCString: p), !s.isEmpty else {
            throw invalid("sdswift_model_extras.\(field) is empty or not UTF-8 (use NULL for none)")
        }
        return s
    }
    return LoadOptions(vaePath: try text(e.vae_path, "vae_path"), taesdPath: try text(e.taesd_path, "taesd_path"),
                       fastDecode: e.fast_decode != 0, timestepSpacing: try text(e.timestep_spacing, "timestep_spacing"))
}

@_cdecl("sdswift_model_load_ex")
public func capiModelLoadEx(_ path: UnsafePointer<CChar>?, _ params: UnsafePointer<sdswift_load_params>?,
                            _ extras: UnsafePointer<sdswift_model_extras>?,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sdswift_status {
    out?.pointee = nil
    return capiCall {
        guard let out else { throw nullPointer("out") }
        guard let path else { throw nullPointer("path") }
        guard let pathString = String(validatingCString: path), !pathString.isEmpty else {
            throw invalid("path is empty or not UTF-8")
        }
        let p = try params.map {
            try VersionedStruct.read($0, defaults: defaultLoadParams(), minSize: FirstVersionSize.loadParams,
                                     name: "sdswift_load_params")
        } ?? defaultLoadParams()
        let e = try extras.map {
            try VersionedStruct.read($0, defaults: defaultModelExtras(), minSize: MemoryLayout<sdswift_model_extras>.size,
                                     name: "sdswift_model_extras")
        } ?? defaultModelExtras()
        let prediction: PredictionType?
        switch p.prediction {
        case SDSWIFT_PREDICTION_AUTO: prediction = nil
        case SDSWIFT_PREDICTION_EPSILON: prediction = .epsilon
        case SDSWIFT_PREDICTION_V: prediction = .vPrediction
        default: throw invalid("sdswift_load_params.prediction \(p.prediction.rawValue) is not an sdswift_prediction")
        }
        let pipeline = try StableDiffusionPipeline(path: pathString, predictionType: prediction, options: try loadOptions(e))
        out.pointee = Handles.add(ModelBox(pipeline), .model)
    }
}

@_cdecl("sdswift_model_unet_calls")
public func capiModelUNetCalls(_ handle: OpaquePointer?, _ batchItems: UnsafeMutablePointer<UInt64>?) -> UInt64 {
    guard let handle, let box = Handles.get(handle, .model, as: ModelBox.self) else {
        batchItems?.pointee = 0
        return 0
    }
    batchItems?.pointee = UInt64(box.pipeline.unet.evaluatedSamples)
    return UInt64(box.pipeline.unet.callCount)
}
