import CZstd
import Foundation

/// Zstandard streams through libzstd (SPZ version 4's attribute arrays).
public enum Zstd {
    /// Decompresses `source` (one or more frames) into exactly `byteCount` bytes. The output is
    /// allocated for the size the caller expects, never for what the stream claims, and a stream
    /// that inflates to more or less is an error: no decompression bomb gets past the caller's size.
    public static func decompress(_ source: UnsafeRawBufferPointer, byteCount: Int) throws -> [UInt8] {
        guard source.count > 0 else { throw InflateError("empty zstd stream") }
        // A frame that declares its size must declare the expected one (checked before allocating).
        let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
        if declared == ZSTD_CONTENTSIZE_ERROR { throw InflateError("not a zstd frame") }
        if declared != ZSTD_CONTENTSIZE_UNKNOWN, declared > UInt64(byteCount) {
            throw InflateError("the zstd frame declares \(declared) bytes, more than the \(byteCount) expected")
        }
        var failure: String?
        let out = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialised in
            let written = ZSTD_decompress(buffer.baseAddress, byteCount, source.baseAddress, source.count)
            if ZSTD_isError(written) != 0 {
                failure = String(cString: ZSTD_getErrorName(written))
                buffer.initialize(repeating: 0)
            } else if written != byteCount {
                failure = "the zstd stream holds \(written) bytes, \(byteCount) expected"
                buffer.initialize(repeating: 0)
            }
            initialised = byteCount
        }
        if let failure { throw InflateError(failure) }
        return out
    }

    /// One zstd frame holding `bytes`, its size recorded in the frame header.
    public static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = 12) -> Data {
        let bound = ZSTD_compressBound(bytes.count)
        var out = Data(count: bound)
        let written = out.withUnsafeMutableBytes { ZSTD_compress($0.baseAddress, bound, bytes.baseAddress, bytes.count, level) }
        // Compression fails only for bad parameters or no memory; the bound is libzstd's own.
        precondition(ZSTD_isError(written) == 0, "zstd cannot compress: \(String(cString: ZSTD_getErrorName(written)))")
        out.count = written
        return out
    }
}
