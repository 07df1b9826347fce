import Foundation
import SplatCore

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
    /// What the archive is called in messages ("npz", "PyTorch checkpoint").
    public let kind: String
    public let data: Data
    public private(set) var entries: [Entry]

    /// The signature every ZIP archive with members starts with ("PK\u{3}\u{4}"), or an empty
    /// archive's end record ("PK\u{5}\u{6}").
    public static func hasZipMagic(_ data: Data) -> Bool {
        data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || data.starts(with: [0x50, 0x4B, 0x05, 0x06])
    }

    public init(data: Data, path: String, kind: String = "npz") throws {
        self.data = data
        self.path = path
        self.kind = kind
        entries = try data.withUnsafeBytes { try Self.readDirectory(Bytes(raw: $0), path: path, kind: kind) }
    }

    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The member's uncompressed bytes, CRC-checked. Throws when the member is missing, larger
    /// than `limit` bytes, encrypted, compressed with anything but deflate, or damaged.
    public func read(_ name: String, limit: Int) throws -> [UInt8] {
        guard let entry = entry(named: name) else {
            throw SceneFileError(path: path, problem: "\(kind) has no member \(Self.quoted(name))")
        }
        return try read(entry, limit: limit)
    }

    public func read(_ entry: Entry, limit: Int) throws -> [UInt8] {
        let member = "\(kind) member \(Self.quoted(entry.name))"
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

    /// Where the central directory lies and how many entries it holds (from the end record, or the
    /// ZIP64 one where the archive has it).
    struct DirectoryLocation {
        var entryCount: UInt64
        var offset: UInt64
        var size: UInt64
        /// The directory must end before this: the end record, or the ZIP64 one.
        var limit: Int
    }

    static func readDirectory(_ b: Bytes, path: String, kind: String) throws -> [Entry] {
        let checks = OpeningChecks(path: path)
        let location = try directoryLocation(b, kind: kind, checks)
        guard location.offset <= UInt64(location.limit), location.size <= UInt64(location.limit) - location.offset else {
            throw checks.fail("central directory lies outside the file")
        }
        guard location.entryCount <= location.size / 46 else {
            throw checks.fail("central directory is too small for its \(location.entryCount) entries")
        }
        let directoryEnd = Int(location.offset) + Int(location.size)
        var entries: [Entry] = []
        entries.reserveCapacity(Int(location.entryCount))
        var p = Int(location.offset)
        for index in 0..<Int(location.entryCount) {
            let (entry, next) = try centralEntry(b, at: p, number: index + 1, directoryEnd: directoryEnd, kind: kind, checks)
            entries.append(entry)
            p = next
        }
        return entries
    }

    /// The end of central directory record: 22 bytes plus a comment of at most 65535, so it starts
    /// in the last 64 KiB + 22 bytes. The latest candidate whose comment fits the file wins.
    static func endRecord(_ b: Bytes, kind: String, _ checks: OpeningChecks) throws -> Int {
        guard b.count >= 22 else { throw checks.fail("not \(withArticle(kind)) (ZIP) file: too short for an end-of-central-directory record") }
        var candidate = b.count - 22
        let lowest = Swift.max(0, b.count - 22 - 0xFFFF)
        while candidate >= lowest {
            if b.u32(candidate) == endSignature && candidate + 22 + b.u16(candidate + 20) <= b.count { return candidate }
            candidate -= 1
        }
        throw checks.fail("not \(withArticle(kind)) (ZIP) file: no end-of-central-directory record")
    }

    static func directoryLocation(_ b: Bytes, kind: String, _ checks: OpeningChecks) throws -> DirectoryLocation {
        let end = try endRecord(b, kind: kind, checks)
        if end >= 20 && b.u32(end - 20) == zip64LocatorSignature {
            return try zip64DirectoryLocation(b, locator: end - 20, checks)
        }
        let disk = b.u16(end + 4), directoryDisk = b.u16(end + 6)
        let entriesHere = b.u16(end + 8), entryCount = b.u16(end + 10)
        guard disk == 0 && directoryDisk == 0 && entriesHere == entryCount else {
            throw checks.fail("multi-volume ZIP archives are not supported")
        }
        return DirectoryLocation(entryCount: UInt64(entryCount), offset: UInt64(b.u32(end + 16)),
                                 size: UInt64(b.u32(end + 12)), limit: end)
    }

    static func zip64DirectoryLocation(_ b: Bytes, locator: Int, _ checks: OpeningChecks) throws -> DirectoryLocation {
        let recordOffset = b.u64(locator + 8)
        guard b.u32(locator + 4) == 0 && b.u32(locator + 16) <= 1 else {
            throw checks.fail("multi-volume ZIP archives are not supported")
        }
        guard recordOffset <= UInt64(locator), UInt64(locator) - recordOffset >= 56 else {
            throw checks.fail("ZIP64 end-of-central-directory record lies outside the file")
        }
        let record = Int(recordOffset)
        guard b.u32(record) == zip64EndSignature else { throw checks.fail("ZIP64 end-of-central-directory record is missing") }
        guard b.u32(record + 16) == 0 && b.u32(record + 20) == 0 && b.u64(record + 24) == b.u64(record + 32) else {
            throw checks.fail("multi-volume ZIP archives are not supported")
        }
        return DirectoryLocation(entryCount: b.u64(record + 32), offset: b.u64(record + 48), size: b.u64(record + 40),
                                 limit: record)
    }

    /// The central directory entry at `p` (entry `number`, from 1), checked against the directory
    /// and its local header; and where the next entry starts.
    static func centralEntry(_ b: Bytes, at p: Int, number: Int, directoryEnd: Int, kind: String,
                             _ checks: OpeningChecks) throws -> (Entry, next: Int) {
        let fail = checks.fail
        guard directoryEnd - p >= 46 else { throw fail("central directory entry \(number) is truncated") }
        guard b.u32(p) == centralSignature else { throw fail("central directory entry \(number) is damaged") }
        var sizes = MemberSizes(compressed: UInt64(b.u32(p + 20)), uncompressed: UInt64(b.u32(p + 24)),
                                localOffset: UInt64(b.u32(p + 42)))
        let nameLength = b.u16(p + 28), extraLength = b.u16(p + 30), commentLength = b.u16(p + 32)
        guard directoryEnd - (p + 46) >= nameLength + extraLength + commentLength else {
            throw fail("central directory entry \(number) runs past the end of the central directory")
        }
        let name = String(decoding: b.slice(p + 46, nameLength), as: UTF8.self)
        let member = "\(kind) member \(quoted(name))"
        if sizes.needZIP64 { try sizes.readZIP64(b, extra: p + 46 + nameLength, length: extraLength, member: member, checks) }
        let entryDisk = b.u16(p + 34)
        guard entryDisk == 0 || entryDisk == 0xFFFF else { throw fail("multi-volume ZIP archives are not supported") }
        let (local, dataOffset) = try localData(b, sizes: sizes, centralName: b.slice(p + 46, nameLength), member: member, checks)
        let entry = Entry(name: name, method: UInt16(b.u16(p + 10)), compressedSize: Int(sizes.compressed),
                          uncompressedSize: Int(sizes.uncompressed), crc32: b.u32(p + 16), localHeaderOffset: local,
                          dataOffset: dataOffset, flags: UInt16(b.u16(p + 8)))
        return (entry, p + 46 + nameLength + extraLength + commentLength)
    }

    /// The local header and the data after it must lie in the file and name the same member.
    static func localData(_ b: Bytes, sizes: MemberSizes, centralName: [UInt8], member: String,
                          _ checks: OpeningChecks) throws -> (local: Int, data: Int) {
        let fail = checks.fail
        let fileSize = UInt64(b.count)
        guard sizes.localOffset <= fileSize, fileSize - sizes.localOffset >= 30 else { throw fail("\(member) points outside the file") }
        let local = Int(sizes.localOffset)
        guard b.u32(local) == localSignature else { throw fail("\(member) has no local header at offset \(local)") }
        let localNameLength = b.u16(local + 26), localExtraLength = b.u16(local + 28)
        let dataOffset = local + 30 + localNameLength + localExtraLength
        guard dataOffset <= b.count else { throw fail("\(member) points outside the file") }
        guard b.slice(local + 30, localNameLength) == centralName else {
            throw fail("\(member) has a local header that does not match the central directory")
        }
        guard sizes.compressed <= UInt64(b.count - dataOffset) else { throw fail("\(member) runs past the end of the file") }
        guard sizes.uncompressed <= UInt64(Int.max) else { throw fail("\(member) claims an impossible size") }
        return (local, dataOffset)
    }

    /// A member's sizes and local header offset; saturated 32-bit values (0xFFFFFFFF) are in the
    /// ZIP64 extra field.
    struct MemberSizes {
        var compressed: UInt64
        var uncompressed: UInt64
        var localOffset: UInt64

        static let saturated: UInt64 = 0xFFFF_FFFF
        var needZIP64: Bool { compressed == Self.saturated || uncompressed == Self.saturated || localOffset == Self.saturated }

        /// Reads the 64-bit values of the saturated fields, in order, from the ZIP64 extra field (id 1).
        mutating func readZIP64(_ b: Bytes, extra start: Int, length: Int, member: String, _ checks: OpeningChecks) throws {
            var q = start
            let extraEnd = start + length
            while extraEnd - q >= 4 {
                let id = b.u16(q), size = b.u16(q + 2)
                guard extraEnd - (q + 4) >= size else { break }
                if id == 0x0001 {
                    var r = q + 4
                    let fieldEnd = r + size
                    func next() throws -> UInt64 {
                        guard fieldEnd - r >= 8 else { throw checks.fail("\(member) has a truncated ZIP64 field") }
                        defer { r += 8 }
                        return b.u64(r)
                    }
                    if uncompressed == Self.saturated { uncompressed = try next() }
                    if compressed == Self.saturated { compressed = try next() }
                    if localOffset == Self.saturated { localOffset = try next() }
                    return
                }
                q += 4 + size
            }
            throw checks.fail("\(member) lacks its ZIP64 sizes")
        }
    }

    /// A member name for a one-line message: quoted, control characters replaced, long names cut.
    static func quoted(_ name: String) -> String {
        var shown = String(String.UnicodeScalarView(name.unicodeScalars.prefix(120).map {
            $0.properties.generalCategory == .control ? "?" : $0
        }))
        if name.unicodeScalars.count > 120 { shown += "…" }
        return "'\(shown)'"
    }

    /// "an npz", "a PyTorch checkpoint".
    static func withArticle(_ kind: String) -> String { kind == "npz" ? "an npz" : "a \(kind)" }

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
