import CSDSwift
import Glibc
import SDPipeline

/// Copies between caller images (any stride, never modified) and the engine's packed Image8, and
/// allocates the library-owned pixel buffers handed back to C.
enum ImageBridge {
    static func bytesPerPixel(_ f: sdswift_pixel_format) -> Int? {
        switch f {
        case SDSWIFT_FORMAT_GRAY8: return 1
        case SDSWIFT_FORMAT_RGB8: return 3
        case SDSWIFT_FORMAT_RGBA8: return 4
        default: return nil
        }
    }

    static func format(channels: Int) -> sdswift_pixel_format {
        channels == 1 ? SDSWIFT_FORMAT_GRAY8 : channels == 4 ? SDSWIFT_FORMAT_RGBA8 : SDSWIFT_FORMAT_RGB8
    }

    /// Validates and copies a caller image. `maxSide` bounds width and height.
    static func copy(_ p: UnsafePointer<sdswift_image>?, name: String, maxSide: Int) throws -> Image8 {
        guard let p else { throw nullPointer(name) }
        let img = p.pointee
        guard let bpp = bytesPerPixel(img.format) else {
            throw invalid("\(name).format \(img.format.rawValue) is not an sdswift_pixel_format")
        }
        let w = Int(img.width), h = Int(img.height)
        guard w > 0, h > 0, w <= maxSide, h <= maxSide else {
            throw CAPIError(SDSWIFT_BAD_IMAGE_SIZE, "\(name) is \(w)x\(h); each side must be 1..\(maxSide)")
        }
        let row = w * bpp
        guard img.stride >= row else {
            throw CAPIError(SDSWIFT_BAD_IMAGE_SIZE, "\(name).stride \(img.stride) is less than width * \(bpp) = \(row)")
        }
        // The last byte read is at stride * (h - 1) + row - 1; it must be addressable.
        let (span, o1) = img.stride.multipliedReportingOverflow(by: h - 1)
        guard !o1, !span.addingReportingOverflow(row).overflow, span + row <= Int.max / 2 else {
            throw CAPIError(SDSWIFT_BAD_IMAGE_SIZE, "\(name).stride \(img.stride) times height overflows")
        }
        guard let src = img.pixels else { throw nullPointer("\(name).pixels") }
        var pixels = [UInt8](repeating: 0, count: w * h * bpp)
        pixels.withUnsafeMutableBufferPointer { dst in
            for y in 0..<h {
                (dst.baseAddress! + y * row).update(from: src + y * img.stride, count: row)
            }
        }
        return Image8(width: w, height: h, channels: bpp, pixels: pixels)
    }

    /// A malloc'd copy of the pixels of `image` (packed rows), or nil when out of memory.
    static func mallocPixels(_ image: Image8) -> UnsafeMutablePointer<UInt8>? {
        let n = max(1, image.pixels.count)
        guard let p = malloc(n)?.assumingMemoryBound(to: UInt8.self) else { return nil }
        image.pixels.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { p.update(from: b, count: src.count) }
        }
        return p
    }

    /// The C view of `image` with `pixels` as its buffer.
    static func cImage(_ image: Image8, pixels: UnsafeMutablePointer<UInt8>) -> sdswift_image {
        sdswift_image(width: Int32(clamping: image.width), height: Int32(clamping: image.height),
                      stride: image.width * image.channels, format: format(channels: image.channels),
                      pixels: pixels)
    }
}
