import CSDSwift
import Foundation
import Glibc
import SDPipeline

/// PNG files have no 4096-pixel limit, but stay within what fits comfortably in memory.
private let pngMaxSide = 16384

@_cdecl("sdswift_png_write")
public func capiPNGWrite(_ path: UnsafePointer<CChar>?, _ image: UnsafePointer<sdswift_image>?,
                         _ parameters: UnsafePointer<CChar>?) -> sdswift_status {
    capiCall {
        guard let path else { throw nullPointer("path") }
        guard let pathString = String(validatingCString: path), !pathString.isEmpty else {
            throw invalid("path is empty or not UTF-8")
        }
        let img = try ImageBridge.copy(image, name: "image", maxSide: pngMaxSide)
        var text: [(String, String)] = []
        if let parameters {
            guard let s = String(validatingCString: parameters) else { throw invalid("parameters is not UTF-8") }
            text.append(("parameters", s))
        }
        try PNG.write(img, path: pathString, text: text)
    }
}

@_cdecl("sdswift_png_read")
public func capiPNGRead(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<sdswift_image>?,
                        _ parameters: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> sdswift_status {
    out?.pointee = sdswift_image()
    parameters?.pointee = nil
    return capiCall {
        guard let out else { throw nullPointer("out") }
        guard let path else { throw nullPointer("path") }
        guard let pathString = String(validatingCString: path), !pathString.isEmpty else {
            throw invalid("path is empty or not UTF-8")
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: pathString, isDirectory: &isDir), !isDir.boolValue else {
            throw CAPIError(SDSWIFT_FILE_NOT_FOUND, "\(pathString): no such file")
        }
        guard let data = FileManager.default.contents(atPath: pathString) else {
            throw CAPIError(SDSWIFT_IO_ERROR, "\(pathString): cannot read the file")
        }
        let bytes = [UInt8](data)
        try checkDeclaredSize(bytes, path: pathString)
        let img = try PNG.decode(bytes)
        guard let pixels = ImageBridge.mallocPixels(img) else {
            throw CAPIError(SDSWIFT_OUT_OF_MEMORY, "no memory for a \(img.width)x\(img.height) image")
        }
        if let parameters, let text = PNG.textChunks(bytes)["parameters"] {
            guard let s = strdup(text) else {
                free(pixels)
                throw CAPIError(SDSWIFT_OUT_OF_MEMORY, "no memory for the parameters text")
            }
            Handles.addBuffer(s, .string)
            parameters.pointee = s
        }
        Handles.addBuffer(pixels, .pngPixels)
        out.pointee = ImageBridge.cImage(img, pixels: pixels)
    }
}

@_cdecl("sdswift_image_free")
public func capiImageFree(_ image: UnsafeMutablePointer<sdswift_image>?) {
    guard let image, Handles.removeBuffer(image.pointee.pixels, .pngPixels) else { return }
    free(image.pointee.pixels)
    image.pointee = sdswift_image()
}

@_cdecl("sdswift_string_free")
public func capiStringFree(_ s: UnsafeMutablePointer<CChar>?) {
    guard Handles.removeBuffer(s, .string) else { return }
    free(s)
}

/// Rejects a PNG whose IHDR declares a size over pngMaxSide before anything is allocated for it.
private func checkDeclaredSize(_ b: [UInt8], path: String) throws {
    guard b.count >= 24, b[12...15].elementsEqual("IHDR".utf8) else { return }  // libpng reports it
    func be32(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
    let w = be32(16), h = be32(20)
    guard w <= pngMaxSide, h <= pngMaxSide else {
        throw CAPIError(SDSWIFT_IO_ERROR, "\(path): \(w)x\(h) is larger than \(pngMaxSide) pixels per side")
    }
}
