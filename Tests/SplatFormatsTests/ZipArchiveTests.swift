import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats

/// Writes small ZIP archives for tests: members stored, or deflated through a caller-supplied
/// stream, optionally with ZIP64 records.
struct TestZipWriter {
    struct Member {
        var name: String
        var content: [UInt8]
        var method: UInt16 = 0
        /// The bytes written as the member's data; `content` itself when nil.
        var compressed: [UInt8]? = nil
        var crc: UInt32? = nil
        var flags: UInt16 = 0
    }

    var members: [Member] = []
    var zip64 = false
    var comment: [UInt8] = []

    /// Offsets of interesting fields in the last archive built, for tests that damage them.
    private(set) var centralDirectoryOffset = 0
    private(set) var endRecordOffset = 0

    static func le(_ value: Int, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    mutating func archive() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for member in members {
            let data = member.compressed ?? member.content
            let crc = member.crc ?? CRC32.checksum(member.content)
            let name = Array(member.name.utf8)
            let offset = out.count
            let common = Self.le(Int(member.flags), 2) + Self.le(Int(member.method), 2) + Self.le(0, 4)
                + Self.le(Int(crc), 4)
            // As NumPy's zipfile does: 0xFFFFFFFF sizes and a ZIP64 field in the local header.
            let zip64Local = Self.le(1, 2) + Self.le(16, 2) + Self.le(member.content.count, 8) + Self.le(data.count, 8)
            out += Self.le(0x0403_4B50, 4) + Self.le(45, 2) + common
            if zip64 {
                out += Self.le(0xFFFF_FFFF, 4) + Self.le(0xFFFF_FFFF, 4) + Self.le(name.count, 2)
                    + Self.le(zip64Local.count, 2) + name + zip64Local
            } else {
                out += Self.le(data.count, 4) + Self.le(member.content.count, 4) + Self.le(name.count, 2)
                    + Self.le(0, 2) + name
            }
            out += data

            central += Self.le(0x0201_4B50, 4) + Self.le(45, 2) + Self.le(45, 2) + common
            if zip64 {
                let extra = Self.le(1, 2) + Self.le(24, 2) + Self.le(member.content.count, 8)
                    + Self.le(data.count, 8) + Self.le(offset, 8)
                central += Self.le(0xFFFF_FFFF, 4) + Self.le(0xFFFF_FFFF, 4) + Self.le(name.count, 2)
                    + Self.le(extra.count, 2) + Self.le(0, 2) + Self.le(0, 2) + Self.le(0, 2) + Self.le(0, 4)
                    + Self.le(0xFFFF_FFFF, 4) + name + extra
            } else {
                central += Self.le(data.count, 4) + Self.le(member.content.count, 4) + Self.le(name.count, 2)
                    + Self.le(0, 2) + Self.le(0, 2) + Self.le(0, 2) + Self.le(0, 2) + Self.le(0, 4)
                    + Self.le(offset, 4) + name
            }
        }
        centralDirectoryOffset = out.count
        out += central
        if zip64 {
            let record = out.count
            out += Self.le(0x0606_4B50, 4) + Self.le(44, 8) + Self.le(45, 2) + Self.le(45, 2) + Self.le(0, 4)
                + Self.le(0, 4) + Self.le(members.count, 8) + Self.le(members.count, 8)
                + Self.le(central.count, 8) + Self.le(centralDirectoryOffset, 8)
            out += Self.le(0x0706_4B50, 4) + Self.le(0, 4) + Self.le(record, 8) + Self.le(1, 4)
        }
        endRecordOffset = out.count
        let count = zip64 ? 0xFFFF : members.count
        out += Self.le(0x0605_4B50, 4) + Self.le(0, 2) + Self.le(0, 2) + Self.le(count, 2) + Self.le(count, 2)
            + Self.le(zip64 ? 0xFFFF_FFFF : central.count, 4) + Self.le(zip64 ? 0xFFFF_FFFF : centralDirectoryOffset, 4)
            + Self.le(comment.count, 2) + comment
        return out
    }
}

/// `numpy.savez_compressed(f, means3D=a, scales=b, ids=c)` with
/// a = float32 [[1.5, -2, 0.25], [3, 4e-3, -1e10]], b = float64 [0.1, -2.5, 1e300, -0.0],
/// c = int32 arange(8).reshape(2, 2, 2) - 3. Members are deflated; local headers carry ZIP64 fields.
let numpyNPZ = [UInt8](Data(base64Encoded: """
UEsDBC0AAAAIAAAAIQA+pGEq//////////8LABQAbWVhbnMzRC5ucHkBABAAmAAAAAAAAABdAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Ce\
ll9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1CmQDLgaGA/YMQIKBocGOgcHBIV+o2fonk+gFAFBLAwQtAAAACAAAACEALJK7NP//////////\
CgAUAHNjYWxlcy5ucHkBABAAoAAAAAAAAABbAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5\
GiY6mjoKtQoUAK5ZM0Fgpz0DGLAcmFPK0GHzxLwOwmdoAABQSwMELQAAAAgAAAAhAE8ysGX//////////wcAFABpZHMubnB5AQAQAKAAAAAAAAAAWwAAAAAA\
AACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2mirqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOgogpKmjUKtAHuD6+////3//IYABCBiBmAmImYGY\
BYgBUEsBAi0DLQAAAAgAAAAhAD6kYSpdAAAAmAAAAAsAAAAAAAAAAAAAAIABAAAAAG1lYW5zM0QubnB5UEsBAi0DLQAAAAgAAAAhACySuzRbAAAAoAAAAAoA\
AAAAAAAAAAAAAIABmgAAAHNjYWxlcy5ucHlQSwECLQMtAAAACAAAACEATzKwZVsAAACgAAAABwAAAAAAAAAAAAAAgAExAQAAaWRzLm5weVBLBQYAAAAAAwAD\
AKYAAADFAQAAAAA=
""")!)

/// The same kind of archive written by Python's zipfile with its ZIP64 thresholds lowered, so that
/// it wrote every ZIP64 record: a ZIP64 end record and locator, and ZIP64 fields in the central
/// directory (b.npy's local header offset among them). a = float32 arange(6).reshape(2, 3),
/// b = float64 [1.5, 2.5].
let pythonZip64NPZ = [UInt8](Data(base64Encoded: """
UEsDBC0AAAAIAAAAIQBP6QAq//////////8FABQAYS5ucHkBABAAmAAAAAAAAABVAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Ce\
ll9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1CmQDLgYwaLAHEg5ABMQNQLzAAQBQSwMELQAAAAgAAAAhAJTeEcj//////////wUA\
FABiLm5weQEAEACQAAAAAAAAAEwAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvka\
RjqaOgq1ChQALgYw+GEPoVkcAFBLAQItAy0AAAAIAAAAIQBP6QAq//////////8FABQAAAAAAAAAAACAAQAAAABhLm5weQEAEACYAAAAAAAAAFUA\
AAAAAAAAUEsBAi0DLQAAAAgAAAAhAJTeEcj//////////wUAHAAAAAAAAAAAAIAB/////2IubnB5AQAYAJAAAAAAAAAATAAAAAAAAACMAAAAAAAA\
AFBLBgYsAAAAAAAAAC0ALQAAAAAAAAAAAAIAAAAAAAAAAgAAAAAAAACWAAAAAAAAAA8BAAAAAAAAUEsGBwAAAAClAQAAAAAAAAEAAABQSwUGAAAA\
AAIAAgCWAAAADwEAAAAA
""")!)

private func expectZipProblem(_ problem: String, _ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try ZipArchive(data: Data(bytes), path: "p.npz"), file: file, line: line) { error in
        XCTAssertEqual((error as? SceneFileError)?.problem, problem, file: file, line: line)
        XCTAssertEqual((error as? SceneFileError)?.path, "p.npz", file: file, line: line)
    }
}

private func expectReadProblem(_ problem: String, _ bytes: [UInt8], member: String = "a.npy", limit: Int = 1 << 20,
                               file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try ZipArchive(data: Data(bytes), path: "p.npz").read(member, limit: limit),
                         file: file, line: line) { error in
        XCTAssertEqual((error as? SceneFileError)?.problem, problem, file: file, line: line)
    }
}

private func patch(_ bytes: [UInt8], at offset: Int, _ value: Int, size: Int) -> [UInt8] {
    var copy = bytes
    copy.replaceSubrange(offset..<(offset + size), with: TestZipWriter.le(value, size))
    return copy
}

final class ZipArchiveTests: XCTestCase {
    let a = Array("first member".utf8)
    let b = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }

    func testCRC32() {
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
        XCTAssertEqual(CRC32.checksum(b), 0x8902_161E)
        XCTAssertEqual(CRC32.checksum(b[100...], continuing: CRC32.checksum(b[..<100])), 0x8902_161E)
    }

    func testNumpyArchiveListing() throws {
        XCTAssertTrue(ZipArchive.hasZipMagic(Data(numpyNPZ)))
        let zip = try ZipArchive(data: Data(numpyNPZ), path: "params.npz")
        XCTAssertEqual(zip.entries.map(\.name), ["means3D.npy", "scales.npy", "ids.npy"])
        XCTAssertEqual(zip.entries.map(\.method), [8, 8, 8])
        XCTAssertEqual(zip.entries.map(\.compressedSize), [93, 91, 91])
        XCTAssertEqual(zip.entries.map(\.uncompressedSize), [152, 160, 160])
        XCTAssertEqual(zip.entries.map(\.crc32), [0x2A61_A43E, 0x34BB_922C, 0x65B0_324F])
        XCTAssertEqual(zip.entries.map(\.localHeaderOffset), [0, 154, 305])
        // 30-byte header, the name, a 20-byte ZIP64 field.
        XCTAssertEqual(zip.entries.map(\.dataOffset), [30 + 11 + 20, 154 + 30 + 10 + 20, 305 + 30 + 7 + 20])
    }

    func testNumpyArchiveReadsBack() throws {
        let zip = try ZipArchive(data: Data(numpyNPZ), path: "params.npz")
        let means = try NPYArray.parse(try zip.read("means3D.npy", limit: 1 << 20), name: "means3D.npy", path: zip.path)
        XCTAssertEqual(means.shape, [2, 3])
        XCTAssertEqual(means.values, [1.5, -2, 0.25, 3, 4e-3, -1e10])
        let scales = try NPYArray.parse(try zip.read("scales.npy", limit: 160), name: "scales.npy", path: zip.path)
        XCTAssertEqual(scales.shape, [4])
        XCTAssertEqual(scales.values.map(\.bitPattern), [Float(0.1), -2.5, .infinity, -0.0].map(\.bitPattern))
        let ids = try NPYArray.parse(try zip.read("ids.npy", limit: 1 << 20), name: "ids.npy", path: zip.path)
        XCTAssertEqual(ids.shape, [2, 2, 2])
        XCTAssertEqual(ids.values, [-3, -2, -1, 0, 1, 2, 3, 4])
        XCTAssertEqual(ids.descr, "<i4")
    }

    func testStoredMembers() throws {
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a), .init(name: "empty.npy", content: []),
                                             .init(name: "b.npy", content: b)],
                                   comment: Array("an archive comment".utf8))
        let zip = try ZipArchive(data: Data(writer.archive()), path: "p.npz")
        XCTAssertEqual(zip.entries.map(\.name), ["a.npy", "empty.npy", "b.npy"])
        XCTAssertEqual(zip.entries.map(\.method), [0, 0, 0])
        XCTAssertEqual(zip.entries.map(\.uncompressedSize), [12, 0, 1000])
        XCTAssertEqual(zip.entries.map(\.localHeaderOffset), [0, 47, 86])
        XCTAssertEqual(try zip.read("a.npy", limit: 12), a)
        XCTAssertEqual(try zip.read("empty.npy", limit: 0), [])
        XCTAssertEqual(try zip.read("b.npy", limit: 1000), b)
        XCTAssertNil(zip.entry(named: "c.npy"))
    }

    func testArchiveInsideALargerData() throws {
        // A Data slice whose indices do not start at zero.
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a)])
        let whole = Data([9, 9, 9] + writer.archive())
        let zip = try ZipArchive(data: whole[3...], path: "p.npz")
        XCTAssertEqual(try zip.read("a.npy", limit: 100), a)
    }

    func testDeflatedMember() throws {
        var stream = TestDeflateWriter()
        stream.header(final: true, type: 1)
        stream.fixedLiterals(Array(b[0..<100]))
        stream.fixedMatch(length: 258, distance: 100)
        stream.fixedMatch(length: 258, distance: 100)
        stream.fixedMatch(length: 258, distance: 100)
        stream.fixedSymbol(256)
        let content = (0..<874).map { b[$0 % 100] }
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: content, method: 8, compressed: stream.finished)])
        let zip = try ZipArchive(data: Data(writer.archive()), path: "p.npz")
        XCTAssertEqual(zip.entries[0].compressedSize, stream.finished.count)
        XCTAssertEqual(try zip.read("a.npy", limit: 874), content)
    }

    func testZip64Records() throws {
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a), .init(name: "b.npy", content: b)], zip64: true)
        let zip = try ZipArchive(data: Data(writer.archive()), path: "p.npz")
        XCTAssertEqual(zip.entries.map(\.name), ["a.npy", "b.npy"])
        XCTAssertEqual(zip.entries.map(\.compressedSize), [12, 1000])
        XCTAssertEqual(zip.entries.map(\.localHeaderOffset), [0, 12 + 30 + 5 + 20])
        XCTAssertEqual(try zip.read("b.npy", limit: 1000), b)
    }

    func testPythonZip64Records() throws {
        let zip = try ZipArchive(data: Data(pythonZip64NPZ), path: "p.npz")
        XCTAssertEqual(zip.entries.map(\.name), ["a.npy", "b.npy"])
        XCTAssertEqual(zip.entries.map(\.compressedSize), [85, 76])
        XCTAssertEqual(zip.entries.map(\.uncompressedSize), [152, 144])
        XCTAssertEqual(zip.entries.map(\.crc32), [0x2A00_E94F, 0xC811_DE94])
        XCTAssertEqual(zip.entries.map(\.localHeaderOffset), [0, 140])
        let a = try NPYArray.parse(try zip.read("a.npy", limit: 152), name: "a.npy", path: zip.path)
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.values, [0, 1, 2, 3, 4, 5])
        let b = try NPYArray.parse(try zip.read("b.npy", limit: 152), name: "b.npy", path: zip.path)
        XCTAssertEqual(b.values, [1.5, 2.5])
    }

    func testZip64RecordOutsideTheFile() {
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a)], zip64: true)
        let bytes = writer.archive()
        expectZipProblem("ZIP64 end-of-central-directory record lies outside the file",
                         patch(bytes, at: writer.endRecordOffset - 20 + 8, 1 << 40, size: 8))
        expectZipProblem("ZIP64 end-of-central-directory record is missing",
                         patch(bytes, at: writer.endRecordOffset - 20 + 8, 0, size: 8))
    }

    func testMissingMemberAndLimit() {
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a)])
        let bytes = writer.archive()
        expectReadProblem("npz has no member 'nope.npy'", bytes, member: "nope.npy")
        expectReadProblem("npz member 'a.npy' is 12 bytes, more than the limit of 11", bytes, limit: 11)
    }

    func testCRCMismatch() {
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a, crc: 0x1234_5678)])
        expectReadProblem("CRC mismatch in member 'a.npy'", writer.archive())

        var npz = numpyNPZ
        npz[61] ^= 0x01  // a bit of the first member's deflate stream, just past the local header
        XCTAssertThrowsError(try ZipArchive(data: Data(npz), path: "p.npz").read("means3D.npy", limit: 1 << 20)) { error in
            let problem = (error as? SceneFileError)?.problem ?? ""
            XCTAssertTrue(problem == "CRC mismatch in member 'means3D.npy'"
                          || problem.hasPrefix("npz member 'means3D.npy' is damaged ("), problem)
        }
    }

    func testDamagedDeflateStream() {
        var npz = numpyNPZ
        npz[61] = 0x07  // final block of reserved type 3
        expectReadProblem("npz member 'means3D.npy' is damaged (invalid block type)", npz, member: "means3D.npy")
    }

    func testCentralDirectoryOutsideTheFile() {
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a)])
        let bytes = writer.archive()
        expectZipProblem("central directory lies outside the file", patch(bytes, at: writer.endRecordOffset + 16, 5000, size: 4))
        expectZipProblem("central directory lies outside the file", patch(bytes, at: writer.endRecordOffset + 12, 5000, size: 4))
        expectZipProblem("central directory lies outside the file",
                         patch(bytes, at: writer.endRecordOffset + 16, 0xFFFF_FFF0, size: 4))
        expectZipProblem("central directory is too small for its 60000 entries",
                         patch(patch(bytes, at: writer.endRecordOffset + 8, 60000, size: 2),
                               at: writer.endRecordOffset + 10, 60000, size: 2))
        expectZipProblem("multi-volume ZIP archives are not supported", patch(bytes, at: writer.endRecordOffset + 4, 1, size: 2))
    }

    func testMemberOutsideTheFile() {
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a)])
        let bytes = writer.archive()
        let entry = writer.centralDirectoryOffset
        expectZipProblem("npz member 'a.npy' points outside the file", patch(bytes, at: entry + 42, 100_000, size: 4))
        expectZipProblem("npz member 'a.npy' has no local header at offset 1", patch(bytes, at: entry + 42, 1, size: 4))
        expectZipProblem("npz member 'a.npy' runs past the end of the file", patch(bytes, at: entry + 20, 100_000, size: 4))
        expectZipProblem("central directory entry 1 runs past the end of the central directory",
                         patch(bytes, at: entry + 28, 0xFFFF, size: 2))
        expectZipProblem("central directory entry 1 is damaged", patch(bytes, at: entry, 0, size: 4))
        expectZipProblem("npz member 'a.npy' has a local header that does not match the central directory",
                         patch(bytes, at: 30, Int(UInt8(ascii: "b")), size: 1))
        // A local header whose name and extra lengths reach past the end of the file.
        expectZipProblem("npz member 'a.npy' points outside the file", patch(bytes, at: 28, 0xFFFF, size: 2))
        // ZIP64 markers without the ZIP64 field.
        expectZipProblem("npz member 'a.npy' lacks its ZIP64 sizes", patch(bytes, at: entry + 20, 0xFFFF_FFFF, size: 4))
    }

    func testStoredSizesMustAgree() {
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a)])
        let bytes = writer.archive()
        expectReadProblem("npz member 'a.npy' is stored with 12 bytes but claims 11",
                          patch(bytes, at: writer.centralDirectoryOffset + 24, 11, size: 4))
    }

    func testTruncatedArchive() {
        var writer = TestZipWriter(members: [.init(name: "a.npy", content: a), .init(name: "b.npy", content: b)])
        let bytes = writer.archive()
        expectZipProblem("not an npz (ZIP) file: no end-of-central-directory record", Array(bytes.dropLast(1)))
        expectZipProblem("not an npz (ZIP) file: no end-of-central-directory record", Array(bytes.prefix(600)))
        expectZipProblem("not an npz (ZIP) file: too short for an end-of-central-directory record", Array(bytes.prefix(21)))
        // The end record kept, the members cut away from the front.
        expectZipProblem("central directory lies outside the file", Array(bytes.suffix(22)))
        expectZipProblem("not an npz (ZIP) file: no end-of-central-directory record", Array(repeating: 0, count: 100))
    }

    func testUnsupportedMethodAndEncryption() {
        var bzip = TestZipWriter(members: [.init(name: "a.npy", content: a, method: 12)])
        expectReadProblem("npz member 'a.npy' uses compression method 12 (bzip2); only stored (0) and deflate (8) are supported",
                          bzip.archive())
        var other = TestZipWriter(members: [.init(name: "a.npy", content: a, method: 3)])
        expectReadProblem("npz member 'a.npy' uses compression method 3; only stored (0) and deflate (8) are supported",
                          other.archive())
        var encrypted = TestZipWriter(members: [.init(name: "a.npy", content: a, flags: 1)])
        expectReadProblem("npz member 'a.npy' is encrypted", encrypted.archive())
    }

    func testHostileNamesStayOnOneLine() {
        var writer = TestZipWriter(members: [.init(name: "a\nb\u{7}.npy", content: a, crc: 1)])
        expectReadProblem("CRC mismatch in member 'a?b?.npy'", writer.archive(), member: "a\nb\u{7}.npy")
    }

    /// Every prefix, and thousands of deterministic byte mutations, of a real npz: each either
    /// reads or throws a SceneFileError; nothing traps.
    func testDamagedArchivesNeverTrap() {
        func exercise(_ bytes: [UInt8]) -> Bool {
            do {
                let zip = try ZipArchive(data: Data(bytes), path: "p.npz")
                for entry in zip.entries {
                    let member = try zip.read(entry, limit: 1 << 16)
                    _ = try NPYArray.parse(member, name: entry.name, path: zip.path)
                }
                return true
            } catch {
                XCTAssertTrue(error is SceneFileError, "\(error)")
                return false
            }
        }
        XCTAssertTrue(exercise(numpyNPZ))
        for n in 0..<numpyNPZ.count { XCTAssertFalse(exercise(Array(numpyNPZ.prefix(n)))) }

        var state: UInt64 = 12345
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var survived = 0
        for round in 0..<4000 {
            var bytes = numpyNPZ
            for _ in 0...(round % 3) {
                let position = next() % bytes.count
                switch next() % 4 {
                case 0: bytes[position] ^= UInt8(1 << (next() % 8))
                case 1: bytes[position] = UInt8(truncatingIfNeeded: next())
                case 2: bytes[position] = 0xFF
                default: bytes[position] = 0
                }
            }
            if exercise(bytes) { survived += 1 }
        }
        // Mutations in names, timestamps and padding leave the arrays readable.
        XCTAssertGreaterThan(survived, 0)
        XCTAssertLessThan(survived, 4000)
    }
}
