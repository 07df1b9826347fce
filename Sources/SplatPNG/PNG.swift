import CPNG
import Foundation
import SplatCore
import SplatFormats

/// PNG files for images: 8-bit grey, grey+alpha, RGB and RGBA out; 8- and 16-bit,
/// any colour type in. All errors are `SceneFileError` ("PATH: problem") except
/// `encode`, which has no path and throws `PNGEncodeError`.
public enum PNGFile {
    /// 8-bit PNG bytes, one PNG channel per image channel (1–4), each value quantised
    /// with `Image.quantized8()` (floor(255·clamp(v, 0, 1) + 0.5)). Written as sRGB.
    public static func encode(_ image: Image) throws -> Data {
        let bytes = image.quantized8()
        return try bytes.withUnsafeBytes { raw in
            try PNGEncoder.compress(raw, width: image.width, height: image.height,
                                    format: format8(channels: image.channels))
        }
    }

    /// A 16-bit greyscale PNG holding `samples` (row-major, `width·height` of them) exactly.
    /// libpng's linear format writes 16-bit values unchanged (and tags the file gAMA 1.0).
    public static func encodeGray16(width: Int, height: Int, samples: [UInt16]) throws -> Data {
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard width >= 0, height >= 0, !overflow, samples.count == count else {
            throw PNGEncodeError(problem: "\(samples.count) samples do not fill \(width)×\(height) pixels")
        }
        return try samples.withUnsafeBytes { raw in
            try PNGEncoder.compress(raw, width: width, height: height, format: SPLAT_PNG_FORMAT_FLAG_LINEAR)
        }
    }

    /// Decodes PNG bytes; `path` only names the source in errors.
    /// Values are v/255 for 8-bit files and v/65535 for 16-bit files; see `PNGDecoder`
    /// for palettes, premultiplied 16-bit alpha and gamma-tagged files.
    public static func decode(_ data: Data, path: String) throws -> Image {
        try PNGDecoder.decode(data, path: path)
    }

    public static func read(path: String) throws -> Image {
        try decode(FileBytes.contents(ofFile: path), path: path)
    }

    /// Encodes `image` (see `encode`) and replaces `path` atomically: on any failure the
    /// old file (if any) is untouched and no partial or temporary file is left behind.
    public static func write(_ image: Image, to path: String) throws {
        try FileBytes.replace(path, with: encodeNaming(path) { try encode(image) })
    }

    /// `encodeGray16` written atomically to `path`, as `write` does, with optional tEXt chunks.
    public static func writeGray16(width: Int, height: Int, samples: [UInt16], to path: String,
                                   text: [(keyword: String, value: String)] = []) throws {
        var data = try encodeNaming(path) { try encodeGray16(width: width, height: height, samples: samples) }
        for (keyword, value) in text.reversed() { data = inserting(text: value, keyword: keyword, into: data) }
        try FileBytes.replace(path, with: data)
    }

    /// The PNG with a tEXt chunk (Latin-1 keyword of 1–79 bytes, then the text) right after IHDR:
    /// libpng's simplified API cannot write text, so the chunk is spliced in (length, type, data,
    /// CRC-32 over type and data, per the PNG specification).
    public static func inserting(text: String, keyword: String, into png: Data) -> Data {
        let ihdrEnd = 8 + 8 + 13 + 4  // signature, IHDR length+type, IHDR data, CRC
        guard png.count >= ihdrEnd else { return png }
        let body = Array(keyword.utf8.prefix(79)) + [0] + Array(text.utf8)
        var chunk = withUnsafeBytes(of: UInt32(body.count).bigEndian) { Array($0) }
        let typed = Array("tEXt".utf8) + body
        chunk += typed
        chunk += withUnsafeBytes(of: CRC32.checksum(typed).bigEndian) { Array($0) }
        var out = png.prefix(ihdrEnd)
        out.append(contentsOf: chunk)
        out.append(png.dropFirst(ihdrEnd))
        return Data(out)
    }

    /// Runs an encoder and reports its failure against the file it was meant for.
    private static func encodeNaming(_ path: String, _ encoder: () throws -> Data) throws -> Data {
        do {
            return try encoder()
        } catch let error as PNGEncodeError {
            throw SceneFileError(path: path, problem: error.description)
        }
    }

    private static func format8(channels: Int) -> png_uint_32 {
        switch channels {
        case 1: return SPLAT_PNG_FORMAT_GRAY
        case 2: return SPLAT_PNG_FORMAT_GA
        case 3: return SPLAT_PNG_FORMAT_RGB
        default: return SPLAT_PNG_FORMAT_RGBA  // Image guarantees 1...4
        }
    }
}
