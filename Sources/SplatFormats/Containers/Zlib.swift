import CZlib
import Foundation

/// Why a compressed stream cannot be inflated (zlib's message, or a size check of ours).
public struct InflateError: Error, Equatable, CustomStringConvertible, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// DEFLATE streams, raw (ZIP members) or gzip-wrapped (SPZ), inflated by zlib. The output never
/// grows past `limit` bytes nor past `expectedSize` when the container declares one: a
/// decompression bomb stops while streaming, before it takes the memory.
public enum Inflate {
    /// The wrapper around the DEFLATE data.
    public enum Wrapper: Sendable {
        case raw, gzip

        /// zlib's windowBits: negative for raw DEFLATE, +16 for gzip (zlib.h, inflateInit2).
        var windowBits: Int32 { self == .raw ? -15 : 16 + 15 }
    }

    public static func decompress(_ data: UnsafeRawBufferPointer, expectedSize: Int?, limit: Int,
                                  wrapper: Wrapper = .raw) throws -> [UInt8] {
        guard limit >= 0 else { throw InflateError("negative output limit") }
        if let expectedSize {
            guard expectedSize >= 0 else { throw InflateError("negative expected size") }
            guard expectedSize <= limit else {
                throw InflateError("expected size \(expectedSize) is more than the limit of \(limit) bytes")
            }
        }
        let cap = expectedSize ?? limit
        var stream = z_stream()
        guard splat_inflate_init(&stream, wrapper.windowBits) == Z_OK else { throw InflateError("zlib cannot start inflating") }
        defer { inflateEnd(&stream) }

        // Room for one byte past the cap, so a stream that holds more is seen as such.
        var capacity = min(cap + 1, expectedSize.map { $0 + 1 } ?? max(64 * 1024, min(cap + 1, data.count * 4)))
        var out = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var consumed = 0
        while true {
            let status: Int32 = out.withUnsafeMutableBytes { o in
                stream.next_in = UnsafeMutablePointer(mutating: data.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                let inChunk = min(data.count - consumed, Int(UInt32.max))
                stream.avail_in = uInt(inChunk)
                let outChunk = min(capacity - produced, Int(UInt32.max))
                stream.next_out = o.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outChunk)
                let status = inflate(&stream, Z_NO_FLUSH)
                consumed += inChunk - Int(stream.avail_in)
                produced += outChunk - Int(stream.avail_out)
                return status
            }
            if produced > cap {
                throw InflateError(expectedSize.map { "stream holds more than the expected \($0) bytes" }
                                   ?? "output exceeds the limit of \(limit) bytes")
            }
            switch status {
            case Z_STREAM_END:
                if let expectedSize, produced != expectedSize {
                    throw InflateError("stream ended after \(produced) bytes; \(expectedSize) were expected")
                }
                out.removeSubrange(produced...)
                return out
            case Z_OK, Z_BUF_ERROR:
                if produced == capacity {
                    // Full: grow geometrically up to one byte past the cap.
                    capacity = min(cap + 1, capacity * 2)
                    out.append(contentsOf: repeatElement(0, count: capacity - out.count))
                } else if consumed == data.count {
                    throw InflateError("truncated input")
                }
            case Z_NEED_DICT:
                throw InflateError("stream needs a preset dictionary")
            case Z_MEM_ERROR:
                throw InflateError("out of memory")
            default:
                throw InflateError(stream.msg.map { String(cString: $0) } ?? "invalid compressed data")
            }
        }
    }

    /// The first `count` bytes the stream inflates to (fewer if it ends sooner), or nil when they
    /// cannot be had: for content tests that look at a compressed file's header without inflating it.
    public static func prefix(_ data: Data, count: Int, wrapper: Wrapper) -> [UInt8]? {
        var stream = z_stream()
        guard count > 0, splat_inflate_init(&stream, wrapper.windowBits) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: count)
        let produced: Int? = data.withUnsafeBytes { raw in
            out.withUnsafeMutableBytes { o in
                stream.next_in = UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(min(raw.count, Int(UInt32.max)))
                stream.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(count)
                let status = inflate(&stream, Z_SYNC_FLUSH)
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { return nil }
                return count - Int(stream.avail_out)
            }
        }
        guard let produced else { return nil }
        return Array(out[..<produced])
    }

    public static func decompress<C: Collection<UInt8>>(_ data: C, expectedSize: Int?, limit: Int,
                                                        wrapper: Wrapper = .raw) throws -> [UInt8] {
        if let result = try data.withContiguousStorageIfAvailable({
            try decompress(UnsafeRawBufferPointer($0), expectedSize: expectedSize, limit: limit, wrapper: wrapper)
        }) {
            return result
        }
        return try Array(data).withUnsafeBytes { try decompress($0, expectedSize: expectedSize, limit: limit, wrapper: wrapper) }
    }

    public static func decompress(_ data: Data, expectedSize: Int?, limit: Int, wrapper: Wrapper = .raw) throws -> [UInt8] {
        try data.withUnsafeBytes { try decompress($0, expectedSize: expectedSize, limit: limit, wrapper: wrapper) }
    }
}

/// DEFLATE compression by zlib, for the writers (SPZ's gzip stream, tests' ZIP members).
public enum Deflate {
    /// `bytes` compressed at `level` (zlib's 0–9; 6 is its default) in the given wrapper.
    public static func compress(_ bytes: UnsafeRawBufferPointer, wrapper: Inflate.Wrapper = .raw, level: Int32 = 6) -> Data {
        var stream = z_stream()
        // deflateInit2 fails only for bad parameters or no memory; ours are constants.
        precondition(splat_deflate_init(&stream, level, wrapper.windowBits) == Z_OK, "zlib cannot start deflating")
        defer { deflateEnd(&stream) }
        var out = Data(count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        let produced: Int = out.withUnsafeMutableBytes { o in
            var consumed = 0
            var produced = 0
            while true {
                let inChunk = min(bytes.count - consumed, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(inChunk)
                let outChunk = min(o.count - produced, 1 << 30)
                stream.next_out = o.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outChunk)
                let last = consumed + inChunk == bytes.count
                let status = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH)
                consumed += inChunk - Int(stream.avail_in)
                produced += outChunk - Int(stream.avail_out)
                if status == Z_STREAM_END { return produced }
                precondition(status == Z_OK || status == Z_BUF_ERROR, "deflate failed with the bound's buffer")
            }
        }
        out.count = produced
        return out
    }

    public static func compress(_ data: Data, wrapper: Inflate.Wrapper = .raw, level: Int32 = 6) -> Data {
        data.withUnsafeBytes { compress($0, wrapper: wrapper, level: level) }
    }
}

/// A raw DEFLATE stream read forward a piece at a time from a file (a ZIP member too large to
/// inflate whole): `read(into:)` fills a buffer with the next bytes, `skip` inflates past bytes.
/// The compressed bytes are read by offset in pieces too.
final class InflateStream {
    private let file: FileReader
    private let range: Range<Int>
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
    /// Compressed bytes read from the file so far.
    private var fetched = 0
    /// Bytes produced so far.
    private(set) var position = 0
    private var ended = false

    /// The DEFLATE data at `range` of `file`.
    init(_ file: FileReader, range: Range<Int>) throws {
        self.file = file
        self.range = range
        stream.initialize(to: z_stream())
        guard splat_inflate_init(stream, Inflate.Wrapper.raw.windowBits) == Z_OK else {
            stream.deallocate()
            input.deallocate()
            throw InflateError("zlib cannot start inflating")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    /// Fills `buffer` with the next `buffer.count` bytes; throws when the stream ends first or is damaged.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        var produced = 0
        while produced < buffer.count {
            guard !ended else { throw InflateError("stream ended after \(position + produced) bytes") }
            if stream.pointee.avail_in == 0 {
                let n = min(input.count, range.count - fetched)
                guard n > 0 else { throw InflateError("truncated input") }
                guard file.read(into: UnsafeMutableRawBufferPointer(rebasing: input[0..<n]), at: range.lowerBound + fetched) else {
                    throw InflateError("the file ends inside the member")
                }
                fetched += n
                stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(n)
            }
            let outChunk = min(buffer.count - produced, Int(UInt32.max))
            stream.pointee.next_out = buffer.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(outChunk)
            let status = inflate(stream, Z_NO_FLUSH)
            produced += outChunk - Int(stream.pointee.avail_out)
            switch status {
            case Z_STREAM_END: ended = true
            case Z_OK, Z_BUF_ERROR: break  // more input or more room; the loop provides either
            default: throw InflateError(stream.pointee.msg.map { String(cString: $0) } ?? "invalid compressed data")
            }
        }
        position += produced
    }

    /// Inflates past the next `count` bytes.
    func skip(_ count: Int) throws {
        guard count > 0 else { return }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: min(count, 1 << 20), alignment: 16)
        defer { scratch.deallocate() }
        var left = count
        while left > 0 {
            let n = min(left, scratch.count)
            try read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<n]))
            left -= n
        }
    }
}
