import CSDSwift
import Glibc
import SDPipeline

/// sdswift_result in malloc'd memory: the struct, its image array (each with its own pixel buffer),
/// seeds and parameter strings. Registered so that sdswift_result_free can tell it from a foreign
/// pointer.
enum ResultBuilder {
    static func make(_ r: GenerationResult) throws -> UnsafeMutablePointer<sdswift_result> {
        let n = r.images.count
        guard let res = calloc(1, MemoryLayout<sdswift_result>.stride)?.assumingMemoryBound(to: sdswift_result.self)
        else { throw oom() }
        res.pointee.struct_size = MemoryLayout<sdswift_result>.stride
        res.pointee.count = n
        guard let images = calloc(max(1, n), MemoryLayout<sdswift_image>.stride)?.assumingMemoryBound(to: sdswift_image.self),
              let seeds = calloc(max(1, n), MemoryLayout<UInt64>.stride)?.assumingMemoryBound(to: UInt64.self),
              let texts = calloc(max(1, n), MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)?
                  .assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
        else { release(res); throw oom() }
        // Attach first so that release() frees whatever was allocated when something fails.
        res.pointee.images = images
        res.pointee.seeds = seeds
        res.pointee.parameters = texts
        for i in 0..<n {
            guard let px = ImageBridge.mallocPixels(r.images[i]) else { release(res); throw oom() }
            images[i] = ImageBridge.cImage(r.images[i], pixels: px)
            seeds[i] = i < r.seeds.count ? r.seeds[i] : 0
            guard let t = strdup(i < r.parameters.count ? r.parameters[i] : "") else { release(res); throw oom() }
            texts[i] = t
        }
        Handles.addBuffer(res, .result)
        return res
    }

    /// Frees a result and all it points to (null members are skipped).
    static func release(_ res: UnsafeMutablePointer<sdswift_result>) {
        let n = res.pointee.count
        if let images = res.pointee.images {
            for i in 0..<n { free(images[i].pixels) }
            free(images)
        }
        if let texts = res.pointee.parameters {
            for i in 0..<n { free(texts[i]) }
            free(texts)
        }
        free(res.pointee.seeds)
        free(res)
    }

    private static func oom() -> CAPIError { CAPIError(SDSWIFT_OUT_OF_MEMORY, "no memory for the result images") }
}

@_cdecl("sdswift_result_free")
public func capiResultFree(_ res: UnsafeMutablePointer<sdswift_result>?) {
    guard let res, Handles.removeBuffer(res, .result) else { return }
    ResultBuilder.release(res)
}
