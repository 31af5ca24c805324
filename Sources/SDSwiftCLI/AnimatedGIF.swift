import CGIF
import Foundation
import SDPipeline

/// Writes frames as one looping animated GIF through giflib: each frame gets its own 256-colour
/// palette (giflib's median-cut GifQuantizeBuffer), a frame delay and the NETSCAPE2.0 loop block.
enum AnimatedGIF {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func write(_ frames: [Image8], to path: String, delayCentiseconds: Int) throws {
        guard let first = frames.first else { throw Failure(description: "no frames") }
        var error: Int32 = 0
        // Our own open(): giflib's EGifOpenFileName creates files readable by the owner only.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        guard fd >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        guard let gif = EGifOpenFileHandle(fd, &error) else {
            close(fd)
            throw Failure(description: "cannot create \(path): \(String(cString: GifErrorString(error)))")
        }
        var closed = false
        defer { if !closed { EGifCloseFile(gif, &error) } }
        func check(_ rc: Int32, _ what: String) throws {
            if rc != GIF_OK { throw Failure(description: "writing \(path) (\(what)): \(String(cString: GifErrorString(gif.pointee.Error)))") }
        }
        EGifSetGifVersion(gif, true)
        try check(EGifPutScreenDesc(gif, Int32(first.width), Int32(first.height), 8, 0, nil), "screen")
        // Loop forever: application extension NETSCAPE2.0, sub-block [1, count lo, count hi] with count 0.
        try check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), "loop")
        try check(Array("NETSCAPE2.0".utf8).withUnsafeBytes { EGifPutExtensionBlock(gif, 11, $0.baseAddress) }, "loop")
        try check([UInt8]([1, 0, 0]).withUnsafeBytes { EGifPutExtensionBlock(gif, 3, $0.baseAddress) }, "loop")
        try check(EGifPutExtensionTrailer(gif), "loop")

        let delay = UInt16(clamping: delayCentiseconds)
        for frame in frames {
            guard frame.width == first.width, frame.height == first.height else {
                throw Failure(description: "frames of different sizes")
            }
            let rgb = frame.rgb(), n = frame.width * frame.height
            var r = [UInt8](repeating: 0, count: n), g = r, b = r, indices = r
            for i in 0..<n { r[i] = rgb.pixels[3 * i]; g[i] = rgb.pixels[3 * i + 1]; b[i] = rgb.pixels[3 * i + 2] }
            var colours = [GifColorType](repeating: GifColorType(), count: 256)
            var size: Int32 = 256
            try check(GifQuantizeBuffer(UInt32(frame.width), UInt32(frame.height), &size, &r, &g, &b, &indices, &colours), "palette")
            // Graphics control: no transparency, "do not dispose", the delay in 1/100 s.
            let control: [UInt8] = [0x04, UInt8(delay & 0xff), UInt8(delay >> 8), 0]
            try check(control.withUnsafeBytes { EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, $0.baseAddress) }, "delay")
            guard let map = GifMakeMapObject(256, colours) else { throw Failure(description: "out of memory") }
            defer { GifFreeMapObject(map) }
            try check(EGifPutImageDesc(gif, 0, 0, Int32(frame.width), Int32(frame.height), false, map), "frame")
            for y in 0..<frame.height {
                try indices.withUnsafeMutableBufferPointer {
                    try check(EGifPutLine(gif, $0.baseAddress! + y * frame.width, Int32(frame.width)), "pixels")
                }
            }
        }
        closed = true
        guard EGifCloseFile(gif, &error) == GIF_OK else {
            throw Failure(description: "writing \(path): \(String(cString: GifErrorString(error)))")
        }
    }
}
