import CPNG
import Foundation
import SplatCore

/// Turns PNG bytes into an `Image` through libpng's simplified API.
///
/// We ask libpng for the file's own format so that nothing is converted:
/// 8-bit files stay 8-bit sRGB values (v/255), 16-bit files stay 16-bit (v/65535),
/// palettes are expanded to RGB(A), sub-8-bit grey is widened to 8 bits.
/// Two libpng behaviours remain and are documented rather than hidden:
/// - 16-bit output is libpng's "linear" format, whose colour channels are premultiplied
///   by alpha; we divide alpha back out, so colours under low alpha lose precision and
///   colours under alpha 0 read as 0.
/// - a file whose gAMA/sRGB chunk disagrees with that format (an 8-bit file with a
///   non-sRGB gAMA, a 16-bit file tagged sRGB) is gamma-converted by libpng.
enum PNGDecoder {
    /// Images above this many pixels are refused before any allocation, so a
    /// 16-byte header claiming 10⁶×10⁶ pixels cannot exhaust memory.
    static let maxPixels = 1 << 28

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func decode(_ data: Data, path: String) throws -> Image {
        guard data.count >= signature.count, data.prefix(signature.count).elementsEqual(signature) else {
            throw SceneFileError(path: path, problem: "not a PNG file")
        }
        let control = PNGControl()
        // libpng reads from `raw` until finish_read returns, so both calls stay inside.
        return try data.withUnsafeBytes { raw in
            guard png_image_begin_read_from_memory(control.image, raw.baseAddress, raw.count) != 0 else {
                throw corrupt(path, control)
            }
            let format = control.image.pointee.format & ~SPLAT_PNG_FORMAT_FLAG_COLORMAP
            control.image.pointee.format = format
            let width = Int(control.image.pointee.width)
            let height = Int(control.image.pointee.height)
            let channels = Int(splat_png_image_channels(format))
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            guard !overflow, pixels > 0, pixels <= maxPixels else {
                throw SceneFileError(path: path, problem: "image too large (\(width)×\(height) pixels)")
            }
            let count = width * height * channels
            if splat_png_image_component_size(format) == 1 {
                var samples = [UInt8](repeating: 0, count: count)
                try finish(control, into: &samples, path: path)
                return image8(samples, width: width, height: height, channels: channels)
            } else {
                var samples = [UInt16](repeating: 0, count: count)
                try finish(control, into: &samples, path: path)
                return image16(samples, width: width, height: height, channels: channels)
            }
        }
    }

    private static func finish<T>(_ control: PNGControl, into samples: inout [T], path: String) throws {
        let ok = samples.withUnsafeMutableBytes { buffer in
            png_image_finish_read(control.image, nil, buffer.baseAddress, 0, nil)
        }
        guard ok != 0 else { throw corrupt(path, control) }
    }

    private static func corrupt(_ path: String, _ control: PNGControl) -> SceneFileError {
        let reason = control.message
        return SceneFileError(path: path,
                              problem: "truncated or corrupt PNG: \(reason.isEmpty ? "libpng failed" : reason)")
    }

    private static func image8(_ samples: [UInt8], width: Int, height: Int, channels: Int) -> Image {
        let table = (0...255).map { Float($0) / 255 }
        return Image(width: width, height: height, channels: channels, pixels: samples.map { table[Int($0)] })
    }

    private static func image16(_ samples: [UInt16], width: Int, height: Int, channels: Int) -> Image {
        var pixels = samples.map { Float($0) / 65535 }
        guard channels == 2 || channels == 4 else { return Image(width: width, height: height,
                                                                 channels: channels, pixels: pixels) }
        // Undo libpng's premultiplication: colour = premultiplied / alpha, both as 16-bit integers.
        let alphaIndex = channels - 1
        for base in stride(from: 0, to: samples.count, by: channels) {
            let alpha = Float(samples[base + alphaIndex])
            for c in 0..<alphaIndex {
                pixels[base + c] = alpha == 0 ? 0 : min(1, Float(samples[base + c]) / alpha)
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }
}
