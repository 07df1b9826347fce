import CWebP
import Foundation
import SplatCore

/// An 8-bit RGBA image read from or written as WebP through libwebp (SOG's textures). Pixels are
/// row-major, four bytes each (r, g, b, a), no padding.
public struct WebPImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var rgba: [UInt8]

    public init(width: Int, height: Int, rgba: [UInt8]) {
        precondition(width > 0 && height > 0 && rgba.count == width * height * 4, "RGBA bytes must be width × height × 4")
        self.width = width
        self.height = height
        self.rgba = rgba
    }

    /// The width and height a WebP stream declares, read from its header without decoding; nil
    /// when the bytes are not WebP.
    public static func size(of data: Data) -> (width: Int, height: Int)? {
        var width: Int32 = 0, height: Int32 = 0
        let ok = data.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return 0 }
            return WebPGetInfo(base, raw.count, &width, &height)
        }
        return ok != 0 && width > 0 && height > 0 ? (Int(width), Int(height)) : nil
    }

    /// Decodes `data` (lossless or lossy WebP) to RGBA. The header's size is checked against
    /// `maxPixels` before the pixels are allocated, so a tiny file cannot claim a huge image.
    /// Errors name `path` (the file, or `archive:member`) and say what is wrong.
    public static func decode(_ data: Data, path: String, maxPixels: Int) throws -> WebPImage {
        func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: problem) }
        guard !data.isEmpty else { throw fail("the WebP image is empty") }
        guard let (width, height) = size(of: data) else { throw fail("not a WebP image (bad header)") }
        let pixels = width * height  // at most 16383² by the WebP header's 14-bit fields
        guard pixels <= maxPixels else {
            throw fail("the WebP image is \(width)×\(height), more than the \(maxPixels) pixels expected")
        }
        let byteCount = pixels * 4
        var ok = false
        let rgba = [UInt8](unsafeUninitializedCapacity: byteCount) { out, initialised in
            let result = data.withUnsafeBytes { raw -> UnsafeMutablePointer<UInt8>? in
                guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
                return WebPDecodeRGBAInto(base, raw.count, out.baseAddress, byteCount, Int32(width * 4))
            }
            ok = result != nil
            if !ok { out.initialize(repeating: 0) }
            initialised = byteCount
        }
        guard ok else { throw fail("the WebP image (\(width)×\(height)) cannot be decoded (truncated or damaged)") }
        return WebPImage(width: width, height: height, rgba: rgba)
    }

    /// The image as lossless WebP, every RGB value kept even where alpha is 0 (`exact`), single
    /// threaded so that the same pixels always give the same bytes.
    public func losslessWebP() -> Data {
        var config = WebPConfig()
        var picture = WebPPicture()
        var writer = WebPMemoryWriter()
        // Both fail only for a libwebp whose ABI differs from its headers'.
        precondition(WebPConfigInit(&config) != 0 && WebPPictureInit(&picture) != 0, "libwebp's ABI does not match its headers")
        config.lossless = 1
        config.exact = 1
        config.quality = 75  // lossless effort (libwebp's default)
        config.method = 4
        config.thread_level = 0
        picture.use_argb = 1
        picture.width = Int32(width)
        picture.height = Int32(height)
        WebPMemoryWriterInit(&writer)
        defer {
            WebPPictureFree(&picture)
            WebPMemoryWriterClear(&writer)
        }
        let imported = rgba.withUnsafeBufferPointer { WebPPictureImportRGBA(&picture, $0.baseAddress, Int32(width * 4)) }
        precondition(imported != 0, "libwebp cannot hold a \(width)×\(height) picture (out of memory)")
        let encoded = withUnsafeMutablePointer(to: &writer) { w -> Int32 in
            picture.writer = WebPMemoryWrite
            picture.custom_ptr = UnsafeMutableRawPointer(w)
            return WebPEncode(&config, &picture)
        }
        // Encoding valid RGBA of a legal size fails only when memory runs out.
        precondition(encoded != 0, "libwebp cannot encode a \(width)×\(height) image (error \(picture.error_code.rawValue))")
        return Data(bytes: writer.mem, count: writer.size)
    }
}
