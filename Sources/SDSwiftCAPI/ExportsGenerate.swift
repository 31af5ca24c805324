import CSDSwift
import Glibc
import SDPipeline

/// The four generation functions: check everything, run the engine with the request's callbacks
/// and cancel token, and hand the images back in library-owned memory.
private func generate(_ modelHandle: OpaquePointer?, _ requestHandle: OpaquePointer?,
                      _ params: UnsafePointer<sdswift_generate_params>?,
                      _ out: UnsafeMutablePointer<UnsafeMutablePointer<sdswift_result>?>?,
                      images: () throws -> CMode) -> sdswift_status {
    out?.pointee = nil
    var requestBox: RequestBox?
    let status = capiCall {
        guard let out else { throw nullPointer("out") }
        let box = try model(modelHandle)
        requestBox = try requestHandle.map(request)
        guard let params else { throw nullPointer("params") }
        let p = try VersionedStruct.read(params, defaults: defaultGenerateParams(),
                                         minSize: FirstVersionSize.generateParams, name: "sdswift_generate_params")
        let r = try makeRequest(p, mode: try images(), model: box)
        out.pointee = try run(r, on: box, with: requestBox)
    }
    requestBox?.setMessage(status == SDSWIFT_OK ? nil : String(cString: ThreadMessage.current))
    return status
}

private func run(_ given: GenerationRequest, on model: ModelBox, with request: RequestBox?) throws
    -> UnsafeMutablePointer<sdswift_result> {
    var r = given
    let token: CancelToken?
    var progress: ((ProgressEvent) -> Bool)? = nil
    if let request {
        let (t, callback) = try request.begin()
        token = t
        if let callback {
            r.previews = true  // cheap (no VAE): every denoising step's event carries one
            let count = Int32(clamping: r.batchCount)
            progress = { event in
                var info = sdswift_progress()
                info.struct_size = MemoryLayout<sdswift_progress>.stride
                info.stage = sdswift_stage(rawValue: UInt32(clamping: event.stage.rawValue))
                info.step = Int32(clamping: event.step)
                info.total = Int32(clamping: event.total)
                info.image_index = Int32(clamping: event.imageIndex)
                info.image_count = count
                var pixels = event.preview?.pixels ?? []
                let cancelled: Bool = pixels.withUnsafeMutableBufferPointer { buffer in
                    var image = sdswift_image()
                    if let p = event.preview {
                        image.width = Int32(p.width); image.height = Int32(p.height)
                        image.stride = p.width * 3; image.format = SDSWIFT_FORMAT_RGB8
                        image.pixels = buffer.baseAddress
                    }
                    return withUnsafePointer(to: &image) { ptr in
                        info.preview = event.preview == nil ? nil : ptr
                        return callback.fn(&info, callback.user) != 0
                    }
                }
                if cancelled { t.cancel() }
                return !t.isCancelled
            }
        }
    } else {
        token = nil
    }
    defer { request?.end() }
    let result = try model.pipeline.generate(r, cancel: token, progress: progress)
    if token?.isCancelled == true { throw PipelineError.cancelled }
    return try ResultBuilder.make(result)
}

@_cdecl("sdswift_txt2img")
public func capiTxt2Img(_ model: OpaquePointer?, _ request: OpaquePointer?,
                        _ params: UnsafePointer<sdswift_generate_params>?,
                        _ out: UnsafeMutablePointer<UnsafeMutablePointer<sdswift_result>?>?) -> sdswift_status {
    generate(model, request, params, out) { .txt2img }
}

@_cdecl("sdswift_img2img")
public func capiImg2Img(_ model: OpaquePointer?, _ request: OpaquePointer?,
                        _ params: UnsafePointer<sdswift_generate_params>?, _ image: UnsafePointer<sdswift_image>?,
                        _ out: UnsafeMutablePointer<UnsafeMutablePointer<sdswift_result>?>?) -> sdswift_status {
    generate(model, request, params, out) {
        .img2img(try ImageBridge.copy(image, name: "init_image", maxSide: Limits.maxSide))
    }
}

@_cdecl("sdswift_inpaint")
public func capiInpaint(_ model: OpaquePointer?, _ request: OpaquePointer?,
                        _ params: UnsafePointer<sdswift_generate_params>?, _ image: UnsafePointer<sdswift_image>?,
                        _ mask: UnsafePointer<sdswift_image>?,
                        _ out: UnsafeMutablePointer<UnsafeMutablePointer<sdswift_result>?>?) -> sdswift_status {
    generate(model, request, params, out) {
        let img = try ImageBridge.copy(image, name: "image", maxSide: Limits.maxSide)
        guard let mask else { throw nullPointer("mask") }
        guard Int(mask.pointee.width) == img.width, Int(mask.pointee.height) == img.height else {
            throw CAPIError(SDSWIFT_MASK_SIZE_MISMATCH, "mask is \(mask.pointee.width)x\(mask.pointee.height) "
                            + "but image is \(img.width)x\(img.height)")
        }
        return .inpaint(img, mask: try ImageBridge.copy(mask, name: "mask", maxSide: Limits.maxSide))
    }
}

@_cdecl("sdswift_outpaint")
public func capiOutpaint(_ model: OpaquePointer?, _ request: OpaquePointer?,
                         _ params: UnsafePointer<sdswift_generate_params>?, _ image: UnsafePointer<sdswift_image>?,
                         _ out: UnsafeMutablePointer<UnsafeMutablePointer<sdswift_result>?>?) -> sdswift_status {
    generate(model, request, params, out) {
        .outpaint(try ImageBridge.copy(image, name: "image", maxSide: Limits.maxSide))
    }
}
