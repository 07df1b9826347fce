import Foundation

/// A ZIP archive read entirely in memory, as NumPy writes `.npz` files: members stored or
/// deflated, ZIP64 records where the archive needs them. Every offset and size is checked against
/// the file when the archive is opened, before anything is read through it; damage is reported as
/// a one-line `SceneFileError`.
public struct ZipArchive: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// 0 stored, 8 deflate; anything else is listed but cannot be read.
        public var method: UInt16
        public var compressedSize: Int
        public var uncompressedSize: Int
        public var crc32: UInt32
        public var localHeaderOffset: Int
        /// Where the member's bytes begin, after its local header (checked to lie in the file,
        /// with `compressedSize` bytes after it).
        public var dataOffset: Int
        /// General-purpose flags from the central directory (bit 0: encrypted).
        public var flags: UInt16
    }

    public let path: String
    public let data: Data
    public private(set) var entries: [Entry]

    /// The signature every ZIP archive with members starts with ("PK\u{3}\u{4}"), or an empty
    /// archive's end record ("PK\u{5}\u{6}").
    public static func hasZipMagic(_ data: Data) -> Bool {
        data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || data.starts(with: [0x50, 0x4B, 0x05, 0x06])
    }

    public init(data: Data, path: String) throws {
        self.data = data
        self.path = path
        entries = try data.withUnsafeBytes { try Self.readDirectory(Bytes(raw: $0), path: path) }
    }

    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The member's uncompressed bytes, CRC-checked. Throws when the member is missing, larger
    /// than `limit` bytes, encrypted, compressed with anything but deflate, or damaged.
    public func read(_ name: String, limit: Int) throws -> [UInt8] {
        guard let entry = entry(named: name) else {
            throw SceneFileError(path: path, problem: "npz has no member \(Self.quoted(name))")
        }
        return try read(entry, limit: limit)
    }

    public func read(_ entry: Entry, limit: Int) throws -> [UInt8] {
        let member = "npz member \(Self.quoted(entry.name))"
        func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: problem) }
        guard entry.flags & 1 == 0 else { throw fail("\(member) is encrypted") }
        guard entry.uncompressedSize <= limit else {
            throw fail("\(member) is \(entry.uncompressedSize) bytes, more than the limit of \(limit)")
        }
        // Offsets were validated in init, but an Entry can be built by hand: check again.
        guard entry.dataOffset >= 0, entry.compressedSize >= 0,
              entry.dataOffset <= data.count, entry.compressedSize <= data.count - entry.dataOffset else {
            throw fail("\(member) points outside the file")
        }
        let bytes: [UInt8] = try data.withUnsafeBytes { raw in
            let stored = UnsafeRawBufferPointer(rebasing: raw[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
            switch entry.method {
            case 0:
                guard entry.compressedSize == entry.uncompressedSize else {
                    throw fail("\(member) is stored with \(entry.compressedSize) bytes but claims \(entry.uncompressedSize)")
                }
                return [UInt8](stored)
            case 8:
                do {
                    return try Inflate.decompress(stored, expectedSize: entry.uncompressedSize, limit: limit)
                } catch let error as InflateError {
                    throw fail("\(member) is damaged (\(error.reason))")
                }
            default:
                throw fail("\(member) uses compression method \(entry.method)\(Self.methodName(entry.method)); "
                           + "only stored (0) and deflate (8) are supported")
            }
        }
        guard CRC32.checksum(bytes) == entry.crc32 else { throw fail("CRC mismatch in member \(Self.quoted(entry.name))") }
        return bytes
    }

    // MARK: - Directory

    /// Little-endian reads from bounds-checked offsets (callers check; reads trap on a bug only).
    struct Bytes {
        let raw: UnsafeRawBufferPointer
        var count: Int { raw.count }
        func u16(_ at: Int) -> Int { Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self))) }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        func slice(_ at: Int, _ length: Int) -> [UInt8] { [UInt8](raw[at..<(at + length)]) }
    }

    static let endSignature: UInt32 = 0x0605_4B50
    static let zip64EndSignature: UInt32 = 0x0606_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let centralSignature: UInt32 = 0x0201_4B50
    static let localSignature: UInt32 = 0x0403_4B50

    static func readDirectory(_ b: Bytes, path: String) throws -> [Entry] {
        func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: problem) }

        // End of central directory: 22 bytes plus a comment of at most 65535, so it starts in the
        // last 64 KiB + 22 bytes. The latest candidate whose comment fits the file wins.
        guard b.count >= 22 else { throw fail("not an npz (ZIP) file: too short for an end-of-central-directory record") }
        var end = -1
        var candidate = b.count - 22
        let lowest = Swift.max(0, b.count - 22 - 0xFFFF)
        while candidate >= lowest {
            if b.u32(candidate) == endSignature && candidate + 22 + b.u16(candidate + 20) <= b.count {
                end = candidate
                break
            }
            candidate -= 1
        }
        guard end >= 0 else { throw fail("not an npz (ZIP) file: no end-of-central-directory record") }

        var disk = b.u16(end + 4), directoryDisk = b.u16(end + 6)
        var entriesHere = UInt64(b.u16(end + 8)), entryCount = UInt64(b.u16(end + 10))
        var directorySize = UInt64(b.u32(end + 12)), directoryOffset = UInt64(b.u32(end + 16))
        // The central directory must end before this: the end record, or the ZIP64 one.
        var directoryLimit = end

        if end >= 20 && b.u32(end - 20) == zip64LocatorSignature {
            let locator = end - 20
            let recordOffset = b.u64(locator + 8)
            guard b.u32(locator + 4) == 0 && b.u32(locator + 16) <= 1 else {
                throw fail("multi-volume ZIP archives are not supported")
            }
            guard recordOffset <= UInt64(locator), UInt64(locator) - recordOffset >= 56 else {
                throw fail("ZIP64 end-of-central-directory record lies outside the file")
            }
            let record = Int(recordOffset)
            guard b.u32(record) == zip64EndSignature else {
                throw fail("ZIP64 end-of-central-directory record is missing")
            }
            guard b.u32(record + 16) == 0 && b.u32(record + 20) == 0 else {
                throw fail("multi-volume ZIP archives are not supported")
            }
            disk = 0
            directoryDisk = 0
            entriesHere = b.u64(record + 24)
            entryCount = b.u64(record + 32)
            directorySize = b.u64(record + 40)
            directoryOffset = b.u64(record + 48)
            directoryLimit = record
        }
        guard disk == 0 && directoryDisk == 0 && entriesHere == entryCount else {
            throw fail("multi-volume ZIP archives are not supported")
        }
        guard directoryOffset <= UInt64(directoryLimit), directorySize <= UInt64(directoryLimit) - directoryOffset else {
            throw fail("central directory lies outside the file")
        }
        guard entryCount <= directorySize / 46 else {
            throw fail("central directory is too small for its \(entryCount) entries")
        }
        let directoryStart = Int(directoryOffset)
        let directoryEnd = directoryStart + Int(directorySize)

        var entries: [Entry] = []
        entries.reserveCapacity(Int(entryCount))
        var p = directoryStart
        for index in 0..<Int(entryCount) {
            guard directoryEnd - p >= 46 else { throw fail("central directory entry \(index + 1) is truncated") }
            guard b.u32(p) == centralSignature else { throw fail("central directory entry \(index + 1) is damaged") }
            let flags = UInt16(b.u16(p + 8))
            let method = UInt16(b.u16(p + 10))
            let crc = b.u32(p + 16)
            var compressed = UInt64(b.u32(p + 20))
            var uncompressed = UInt64(b.u32(p + 24))
            let nameLength = b.u16(p + 28), extraLength = b.u16(p + 30), commentLength = b.u16(p + 32)
            let entryDisk = b.u16(p + 34)
            var localOffset = UInt64(b.u32(p + 42))
            guard directoryEnd - (p + 46) >= nameLength + extraLength + commentLength else {
                throw fail("central directory entry \(index + 1) runs past the end of the central directory")
            }
            let name = String(decoding: b.slice(p + 46, nameLength), as: UTF8.self)
            let member = "npz member \(quoted(name))"

            // ZIP64 extended information: the 64-bit values of the saturated fields, in order.
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                var q = p + 46 + nameLength
                let extraEnd = q + extraLength
                var found = false
                while extraEnd - q >= 4 {
                    let id = b.u16(q), size = b.u16(q + 2)
                    guard extraEnd - (q + 4) >= size else { break }
                    if id == 0x0001 {
                        var r = q + 4
                        let fieldEnd = r + size
                        func next() throws -> UInt64 {
                            guard fieldEnd - r >= 8 else { throw fail("\(member) has a truncated ZIP64 field") }
                            defer { r += 8 }
                            return b.u64(r)
                        }
                        if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                        if compressed == 0xFFFF_FFFF { compressed = try next() }
                        if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                        found = true
                        break
                    }
                    q += 4 + size
                }
                guard found else { throw fail("\(member) lacks its ZIP64 sizes") }
            }
            guard entryDisk == 0 || entryDisk == 0xFFFF else { throw fail("multi-volume ZIP archives are not supported") }

            // The local header and the data after it must lie in the file.
            let fileSize = UInt64(b.count)
            guard localOffset <= fileSize, fileSize - localOffset >= 30 else {
                throw fail("\(member) points outside the file")
            }
            let local = Int(localOffset)
            guard b.u32(local) == localSignature else { throw fail("\(member) has no local header at offset \(local)") }
            let localNameLength = b.u16(local + 26), localExtraLength = b.u16(local + 28)
            let dataOffset = local + 30 + localNameLength + localExtraLength
            guard dataOffset <= b.count else { throw fail("\(member) points outside the file") }
            guard b.slice(local + 30, localNameLength) == b.slice(p + 46, nameLength) else {
                throw fail("\(member) has a local header that does not match the central directory")
            }
            guard compressed <= UInt64(b.count - dataOffset) else { throw fail("\(member) runs past the end of the file") }
            guard uncompressed <= UInt64(Int.max) else { throw fail("\(member) claims an impossible size") }

            entries.append(Entry(name: name, method: method, compressedSize: Int(compressed),
                                 uncompressedSize: Int(uncompressed), crc32: crc, localHeaderOffset: local,
                                 dataOffset: dataOffset, flags: flags))
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// A member name for a one-line message: quoted, control characters replaced, long names cut.
    static func quoted(_ name: String) -> String {
        var shown = String(String.UnicodeScalarView(name.unicodeScalars.prefix(120).map {
            $0.properties.generalCategory == .control ? "?" : $0
        }))
        if name.unicodeScalars.count > 120 { shown += "…" }
        return "'\(shown)'"
    }

    static func methodName(_ method: UInt16) -> String {
        switch method {
        case 1: return " (shrink)"
        case 6: return " (implode)"
        case 9: return " (deflate64)"
        case 12: return " (bzip2)"
        case 14: return " (LZMA)"
        case 93: return " (Zstandard)"
        case 95: return " (xz)"
        case 99: return " (AES encryption)"
        default: return ""
        }
    }
}

/// CRC-32 as ZIP, gzip and PNG use it (reflected polynomial 0xEDB88320), eight bytes a step.
public enum CRC32 {
    /// Eight 256-entry tables, one after another: entry k·256 + b is the CRC of byte b followed by
    /// k zero bytes.
    static let table: [UInt32] = {
        var first = [UInt32](repeating: 0, count: 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            first[n] = c
        }
        var table = first
        for k in 1..<8 {
            for n in 0..<256 {
                let previous = table[(k - 1) * 256 + n]
                table.append(first[Int(previous & 0xFF)] ^ (previous >> 8))
            }
        }
        return table
    }()

    /// Continues `crc` (the checksum of the bytes before) over `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        table.withUnsafeBufferPointer { t in
            var c = ~crc
            var i = 0
            let n = bytes.count
            while n - i >= 8 {
                let lo = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
                i += 1
            }
            return ~c
        }
    }

    public static func checksum<C: Collection<UInt8>>(_ bytes: C, continuing crc: UInt32 = 0) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0), continuing: crc) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { checksum($0, continuing: crc) }
    }
}
