import CSDSwift
import Foundation
import SDPipeline

// LoRAs: sdswift_model_set_loras, sdswift_model_lora_count, sdswift_model_set_lora_dir (Include/sdswift.h).

/// At most this many LoRAs merged at once through the C API.
private let maxLoRAs = 64

@_cdecl("sdswift_model_set_loras")
public func capiModelSetLoRAs(_ handle: OpaquePointer?, _ loras: UnsafePointer<sdswift_lora>?, _ count: Int) -> sdswift_status {
    capiCall {
        let pipeline = try model(handle).pipeline
        guard count >= 0, count <= maxLoRAs else { throw invalid("count \(count) is not in 0..\(maxLoRAs)") }
        guard count == 0 || loras != nil else { throw nullPointer("loras (with count > 0)") }
        let uses = try (0..<count).map { i -> LoRAUse in
            let l = loras![i]
            guard let path = l.path else { throw nullPointer("loras[\(i)].path") }
            guard let text = String(validatingCString: path), !text.isEmpty else {
                throw invalid("loras[\(i)].path is empty or not UTF-8")
            }
            guard l.unet_weight.isFinite, l.text_weight.isFinite else {
                throw invalid("loras[\(i)] weights (\(l.unet_weight), \(l.text_weight)) must be finite numbers")
            }
            return LoRAUse(path: text, unetWeight: l.unet_weight, textWeight: l.text_weight)
        }
        try pipeline.setLoRAs(uses)
    }
}

@_cdecl("sdswift_model_lora_count")
public func capiModelLoRACount(_ handle: OpaquePointer?) -> Int {
    (try? model(handle).pipeline.loras.count) ?? 0
}

@_cdecl("sdswift_model_set_lora_dir")
public func capiModelSetLoRADir(_ handle: OpaquePointer?, _ dir: UnsafePointer<CChar>?) -> sdswift_status {
    capiCall {
        let pipeline = try model(handle).pipeline
        guard let dir else { pipeline.loraDirectory = nil; return }
        guard let path = String(validatingCString: dir), !path.isEmpty else { throw invalid("dir is empty or not UTF-8") }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw CAPIError(SDSWIFT_FILE_NOT_FOUND, "LoRA folder not found: \(path)")
        }
        pipeline.loraDirectory = path
    }
}
