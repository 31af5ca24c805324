import CPNG
import Foundation

public enum PNGError: Error, CustomStringConvertible {
    case read(String)
    case write(String)
    public var description: String {
        switch self {
        case .read(let m): return "cannot read PNG: \(m)"
        case .write(let m): return "cannot write PNG: \(m)"
        }
    }
}

/// PNG files through libpng's simplified API (which handles libpng errors itself, never longjmps
/// into Swift). Text chunks such as AUTOMATIC1111's `parameters` are added as raw tEXt chunks.
public enum PNG {
    /// Decodes any PNG (palette, 16-bit, gray, alpha) to 8-bit gray, RGB or RGBA as it best fits.
    public static func decode(_ data: [UInt8]) throws -> Image8 {
        var image = png_image()
        image.version = 1  // PNG_IMAGE_VERSION
        let ok = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard ok != 0 else { throw PNGError.read(message(image)) }
        let hasAlpha = image.format & 1 != 0  // PNG_FORMAT_FLAG_ALPHA
        let isColor = image.format & 2 != 0  // PNG_FORMAT_FLAG_COLOR
        let channels = hasAlpha ? 4 : (isColor ? 3 : 1)
        image.format = format(channels: channels)
        let w = Int(image.width), h = Int(image.height)
        guard w > 0, h > 0, w <= 65_536, h <= 65_536 else {
            png_image_free(&image)
            throw PNGError.read("size \(w)x\(h) not supported")
        }
        var pixels = [UInt8](repeating: 0, count: w * h * channels)
        let done = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, Int32(w * channels), nil)
        }
        guard done != 0 else {
            let m = message(image)
            png_image_free(&image)
            throw PNGError.read(m)
        }
        return Image8(width: w, height: h, channels: channels, pixels: pixels)
    }

    public static func read(path: String) throws -> Image8 {
        guard let d = FileManager.default.contents(atPath: path) else { throw PNGError.read("\(path): no such file") }
        return try decode([UInt8](d))
    }

    /// Encodes gray, RGB or RGBA; `text` entries become tEXt chunks (Latin-1 keys; values as UTF-8
    /// go to iTXt would be stricter, but A1111 and its readers use tEXt).
    public static func encode(_ img: Image8, text: [(String, String)] = []) throws -> [UInt8] {
        var image = png_image()
        image.version = 1  // PNG_IMAGE_VERSION
        image.width = UInt32(img.width)
        image.height = UInt32(img.height)
        image.format = format(channels: img.channels)
        var size = 0
        let stride = Int32(img.width * img.channels)
        let probe = img.pixels.withUnsafeBytes {
            png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, stride, nil)
        }
        guard probe != 0, size > 0 else { throw PNGError.write(message(image)) }
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { o in
            img.pixels.withUnsafeBytes { png_image_write_to_memory(&image, o.baseAddress, &size, 0, $0.baseAddress, stride, nil) }
        }
        guard ok != 0 else { throw PNGError.write(message(image)) }
        out.removeSubrange(size...)
        // Insert text chunks right after IHDR (8-byte signature + 25-byte IHDR chunk).
        var chunks: [UInt8] = []
        for (key, value) in text { chunks += chunk(type: "tEXt", data: Array(key.utf8) + [0] + Array(value.utf8)) }
        out.insert(contentsOf: chunks, at: 33)
        return out
    }

    public static func write(_ img: Image8, path: String, text: [(String, String)] = []) throws {
        let bytes = try encode(img, text: text)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw PNGError.write("\(path): cannot create file")
        }
    }

    /// The tEXt chunks of a PNG file (key -> value).
    public static func textChunks(_ data: [UInt8]) -> [String: String] {
        var result: [String: String] = [:]
        var pos = 8
        while pos + 12 <= data.count {
            let len = Int(data[pos]) << 24 | Int(data[pos + 1]) << 16 | Int(data[pos + 2]) << 8 | Int(data[pos + 3])
            guard len >= 0, pos + 12 + len <= data.count else { break }
            let type = String(decoding: data[(pos + 4)..<(pos + 8)], as: UTF8.self)
            if type == "tEXt" {
                let body = data[(pos + 8)..<(pos + 8 + len)]
                if let zero = body.firstIndex(of: 0) {
                    result[String(decoding: body[body.startIndex..<zero], as: UTF8.self)] =
                        String(decoding: body[(zero + 1)...], as: UTF8.self)
                }
            }
            pos += 12 + len
        }
        return result
    }

    private static func chunk(type: String, data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        let n = UInt32(data.count), crc = crc32(typed)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + typed +
            [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)]
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// PNG_FORMAT_GRAY / RGB / RGBA (function-like macros Swift does not import).
    private static func format(channels: Int) -> UInt32 { channels == 4 ? 3 : channels == 3 ? 2 : 0 }

    private static func message(_ image: png_image) -> String {
        var m = image.message
        return withUnsafeBytes(of: &m) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
