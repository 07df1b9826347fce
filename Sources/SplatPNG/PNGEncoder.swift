import CPNG
import Foundation

/// Why an image could not be turned into PNG bytes (before any file is involved).
public struct PNGEncodeError: Error, Equatable, CustomStringConvertible, Sendable {
    public var problem: String

    public init(problem: String) { self.problem = problem }

    public var description: String { "cannot encode PNG: \(problem)" }
}

/// Compresses samples that are already in libpng's in-memory layout (rows top to bottom,
/// channels interleaved, 8-bit bytes or native-endian 16-bit words).
enum PNGEncoder {
    static func compress(_ samples: UnsafeRawBufferPointer, width: Int, height: Int,
                         format: png_uint_32) throws -> Data {
        guard width > 0, height > 0 else {
            throw PNGEncodeError(problem: "the image is empty (\(width)×\(height))")
        }
        // PNG dimensions are 31-bit; libpng checks stride overflow itself.
        guard width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw PNGEncodeError(problem: "the image is too large (\(width)×\(height))")
        }
        let control = PNGControl()
        control.image.pointee.width = png_uint_32(width)
        control.image.pointee.height = png_uint_32(height)
        control.image.pointee.format = format

        // Start from a generous bound; libpng reports the exact size if it is ever too small.
        var capacity = Self.sizeBound(byteCount: samples.count, height: height)
        for _ in 0..<2 {
            var out = Data(count: capacity)
            var size = png_alloc_size_t(capacity)
            let ok = out.withUnsafeMutableBytes { buffer in
                png_image_write_to_memory(control.image, buffer.baseAddress, &size,
                                          0, samples.baseAddress, 0, nil)
            }
            if ok != 0 {
                out.count = Int(size)
                return out
            }
            guard Int(size) > capacity else { break }  // a real error, not a short buffer
            capacity = Int(size)
            control.image.pointee.warning_or_error = 0
        }
        let reason = control.message
        throw PNGEncodeError(problem: reason.isEmpty ? "libpng failed" : reason)
    }

    /// zlib's deflateBound-style worst case plus PNG chunk overhead (as png.h's
    /// PNG_IMAGE_PNG_SIZE_MAX, but in Int so that large images cannot overflow it).
    private static func sizeBound(byteCount: Int, height: Int) -> Int {
        let raw = byteCount + height  // one filter byte per row
        let deflated = raw + (raw + 7) / 8 + (raw + 63) / 64 + 11
        return deflated + 12 * (deflated / 8192 + 1) + 256
    }
}
