import Foundation
import SplatCore

/// SPZ version 4's container (facts from Niantic's SPZ format and gsply's reader of it): a plain
/// 32-byte header (u32 magic "NGSP", u32 version, u32 count, u8 SH degree, u8 fractional bits,
/// u8 flags, u8 stream count, u32 byte offset of the stream table, 12 reserved bytes), extension
/// records up to the table (skipped: none changes how the Gaussians decode), the table (per stream:
/// u64 compressed size, u64 decompressed size), then one zstd stream per non-empty attribute
/// array, back to back, in the order and encoding of version 3 (smallest-three rotations).
enum SPZStreams {
    static let version: UInt32 = 4
    static let headerByteCount = 32
    static let tableEntryByteCount = 16
    static let sectionNames = ["positions", "alphas", "colours", "scales", "rotations", "SH"]
    /// The most a zstd stream can expand: an RLE block is 3 header bytes and 1 byte for up to
    /// 128 KiB (RFC 8878, 3.1.1.2), so 32768:1. A header declaring more than that of the file is damaged.
    static let maximumExpansion = 32_768

    /// The header and the attribute arrays laid out as the gzip versions' payload (a 16-byte
    /// header slot, then the arrays), so one decoder serves every version.
    static func read(_ data: Data, checks: OpeningChecks) throws -> (SPZ.Header, [UInt8]) {
        let fail = checks.fail
        guard data.count >= headerByteCount else {
            throw fail("truncated SPZ file: \(data.count) bytes, the version-4 header needs \(headerByteCount)")
        }
        let (header, streamCount, tableOffset) = data.withUnsafeBytes { raw in
            (SPZ.Header(raw: raw), Int(raw[15]), Int(raw.uint32(16)))
        }
        try SPZ.validate(header, checks: checks)
        let layout = SPZ.Layout(count: Int(header.count), shDegree: Int(header.shDegree), version: Int(version))
        let sections = layout.sections
        guard streamCount == sections.count else {
            throw fail("SPZ stream table lists \(streamCount) streams, \(sections.count) expected for SH degree \(header.shDegree)")
        }
        guard tableOffset >= headerByteCount, tableOffset <= data.count - streamCount * tableEntryByteCount else {
            throw fail("SPZ stream table at byte \(tableOffset) lies outside the file (\(data.count) bytes)")
        }
        guard layout.byteCount <= OpeningChecks.byteCount(data.count, each: maximumExpansion) ?? Int.max else {
            throw fail("SPZ header declares \(header.count) Gaussians (\(layout.byteCount) bytes) but the file holds only \(data.count) compressed bytes")
        }
        var payload = [UInt8](repeating: 0, count: SPZ.headerByteCount)
        payload.reserveCapacity(layout.byteCount)
        try data.withUnsafeBytes { raw in
            var offset = tableOffset + streamCount * tableEntryByteCount
            for (i, section) in sections.enumerated() {
                let entry = tableOffset + i * tableEntryByteCount
                let compressed = raw.uint64(entry), decompressed = raw.uint64(entry + 8)
                let name = sectionNames[i]
                guard decompressed == UInt64(section.count) else {
                    throw fail("SPZ \(name) stream holds \(decompressed) bytes, \(section.count) expected for \(header.count) Gaussians")
                }
                guard compressed <= UInt64(data.count - offset) else {
                    throw fail("truncated SPZ file: the \(name) stream needs \(compressed) bytes, \(data.count - offset) remain")
                }
                let stream = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + Int(compressed))])
                do {
                    payload += try Zstd.decompress(stream, byteCount: section.count)
                } catch let error as InflateError {
                    throw fail("damaged SPZ \(name) stream (\(error.reason))")
                }
                offset += Int(compressed)
            }
        }
        return (header, payload)
    }

    /// The version-4 file of `payload` (laid out as the gzip versions', header slot first).
    static func write(_ header: SPZ.Header, payload: [UInt8], layout: SPZ.Layout) -> Data {
        let streams = layout.sections.map { range in payload[range].withUnsafeBytes { Zstd.compress($0) } }
        var out = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        append(SPZ.magic)
        append(version)
        append(header.count)
        out.append(contentsOf: [header.shDegree, header.fractionalBits, header.flags, UInt8(streams.count)])
        append(UInt32(headerByteCount))
        out.append(contentsOf: [UInt8](repeating: 0, count: 12))
        for (stream, range) in zip(streams, layout.sections) {
            append(UInt64(stream.count))
            append(UInt64(range.count))
        }
        for stream in streams { out.append(stream) }
        return out
    }
}

extension SPZ.Layout {
    /// The byte range of each non-empty attribute array in the payload, in file order.
    var sections: [Range<Int>] {
        let bounds = [SPZ.headerByteCount, alphas, colours, scales, rotations, sh, byteCount]
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }.filter { !$0.isEmpty }
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always) func uint64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
