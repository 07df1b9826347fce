import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats

private func npyBase64(_ text: String) -> [UInt8] { [UInt8](Data(base64Encoded: text)!) }

/// A .npy file with this header text (no padding added) and data.
private func npy(_ header: String, _ data: [UInt8] = [], major: UInt8 = 1) -> [UInt8] {
    let text = Array(header.utf8)
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
    if major == 1 {
        bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
    } else {
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) }
    }
    return bytes + text + data
}

private func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

private func be<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bigEndian) { Array($0) } }
}

private func expectNPYProblem(_ problem: String, _ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try NPYArray.parse(bytes, name: "x.npy", path: "p.npz"), file: file, line: line) { error in
        XCTAssertEqual(error as? SceneFileError, SceneFileError(path: "p.npz", problem: problem), file: file, line: line)
    }
}

/// numpy.save of float32 [[1.5, -2, 0.25], [3, 4e-3, -1e10]] (format 1.0).
private let numpyF4 = npyBase64("""
k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgIC\
AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAgD4AAEBAbxKDO/kCFdA=
""")

/// numpy.save of float64 [0.1, -2.5, 1e300, -0.0].
private let numpyF8 = npyBase64("""
k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgIC\
AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqamZmZmZm5PwAAAAAAAATAnHUAiDzkN34AAAAAAAAAgA==
""")

/// numpy.save of int32 arange(8).reshape(2, 2, 2) - 3.
private let numpyI4 = npyBase64("""
k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIsIDIpLCB9ICAgICAgICAgIC\
AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr9/////v////////8AAAAAAQAAAAIAAAADAAAABAAAAA==
""")

/// The float32 array again, written as format 2.0 and 3.0.
private let numpyF4Version2 = npyBase64("""
k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgIC\
AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAgD4AAEBAbxKDO/kCFdA=
""")
private let numpyF4Version3 = npyBase64("""
k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgIC\
AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAgD4AAEBAbxKDO/kCFdA=
""")

final class NPYTests: XCTestCase {
    func testNumpyFloat32() throws {
        let array = try NPYArray.parse(numpyF4, name: "means3D.npy", path: "p.npz")
        XCTAssertEqual(array.shape, [2, 3])
        XCTAssertEqual(array.descr, "<f4")
        XCTAssertEqual(array.values, [1.5, -2, 0.25, 3, 4e-3, -1e10])
        XCTAssertEqual(numpyF4.count, 128 + 24)
    }

    func testNumpyFloat64() throws {
        let array = try NPYArray.parse(numpyF8, name: "x.npy", path: "p.npz")
        XCTAssertEqual(array.shape, [4])
        XCTAssertEqual(array.values.map(\.bitPattern), [Float(0.1), -2.5, .infinity, -0.0].map(\.bitPattern))
    }

    func testNumpyInt32() throws {
        let array = try NPYArray.parse(numpyI4, name: "x.npy", path: "p.npz")
        XCTAssertEqual(array.shape, [2, 2, 2])
        XCTAssertEqual(array.count, 8)
        XCTAssertEqual(array.values, [-3, -2, -1, 0, 1, 2, 3, 4])
    }

    func testFormatVersions2And3() throws {
        for bytes in [numpyF4Version2, numpyF4Version3] {
            let array = try NPYArray.parse(bytes, name: "x.npy", path: "p.npz")
            XCTAssertEqual(array.shape, [2, 3])
            XCTAssertEqual(array.values, [1.5, -2, 0.25, 3, 4e-3, -1e10])
        }
        let v2 = try NPYArray.parse(npy("{'descr': '<i2', 'fortran_order': False, 'shape': (2,)}", le([Int16(-7), 300]),
                                        major: 2), name: "x.npy", path: "p.npz")
        XCTAssertEqual(v2.values, [-7, 300])
    }

    func testHeaderSpellings() throws {
        let data = le([Float(1), 2, 3].map(\.bitPattern))
        for header in [
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }          \n",
            "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(3,)}",
            "{ 'shape' : ( 3 , ) , 'fortran_order' : False , 'descr' : '<f4' , }\n",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3L,)}\n",      // Python 2
            "{'descr': '<f4',\n 'fortran_order': False,\n 'shape': (3,)}\n",
            "\t{'fortran_order': False, 'descr': '=f4', 'shape': (3,),}\r\n",
        ] {
            let array = try NPYArray.parse(npy(header, data), name: "x.npy", path: "p.npz")
            XCTAssertEqual(array.shape, [3], header)
            XCTAssertEqual(array.values, [1, 2, 3], header)
        }
    }

    func testScalarAndEmptyShapes() throws {
        let scalar = try NPYArray.parse(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n",
                                            le([Double(2.5).bitPattern])), name: "x.npy", path: "p.npz")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.values, [2.5])
        let empty = try NPYArray.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }\n"),
                                       name: "x.npy", path: "p.npz")
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.values, [])
    }

    func testElementTypes() throws {
        func values(_ descr: String, _ data: [UInt8], count: Int) throws -> [Float] {
            try NPYArray.parse(npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(count),), }", data),
                               name: "x.npy", path: "p.npz").values
        }
        // Half precision: 1, -2, 65504 (largest), 2^-24 (smallest subnormal), 2^-14 (smallest normal), inf.
        XCTAssertEqual(try values("<f2", le([UInt16(0x3C00), 0xC000, 0x7BFF, 0x0001, 0x0400, 0x7C00]), count: 6),
                       [1, -2, 65504, 0x1p-24, 0x1p-14, .infinity])
        XCTAssertTrue(try values("<f2", le([UInt16(0x7E00)]), count: 1)[0].isNaN)
        XCTAssertEqual(try values(">f2", be([UInt16(0x3555)]), count: 1), [0.33325195])
        XCTAssertEqual(try values(">f4", be([Float(1.25).bitPattern, Float(-3).bitPattern]), count: 2), [1.25, -3])
        XCTAssertEqual(try values(">f8", be([Double(-0.5).bitPattern]), count: 1), [-0.5])
        XCTAssertEqual(try values("|i1", [0x80, 0x7F, 0xFF], count: 3), [-128, 127, -1])
        XCTAssertEqual(try values("|u1", [0, 200, 255], count: 3), [0, 200, 255])
        XCTAssertEqual(try values("|b1", [0, 1, 2], count: 3), [0, 1, 1])
        XCTAssertEqual(try values("<i2", le([Int16.min, -1, Int16.max]), count: 3), [-32768, -1, 32767])
        XCTAssertEqual(try values(">i2", be([Int16(-300), 5]), count: 2), [-300, 5])
        XCTAssertEqual(try values("<u2", le([UInt16(65535), 1]), count: 2), [65535, 1])
        XCTAssertEqual(try values("<u4", le([UInt32(4_000_000_000), 7]), count: 2), [4_000_000_000, 7])
        XCTAssertEqual(try values("<i8", le([Int64(-1) << 40, 12]), count: 2), [-0x1p40, 12])
        XCTAssertEqual(try values(">u8", be([UInt64(1) << 63]), count: 1), [0x1p63])
    }

    func testBadMagicAndVersion() {
        expectNPYProblem("npz member 'x.npy' is not a .npy array (bad magic)", Array("PK\u{3}\u{4}not numpy".utf8))
        expectNPYProblem("npz member 'x.npy' is not a .npy array (bad magic)", [0x93, 0x4E])
        expectNPYProblem("npz member 'x.npy' has unsupported .npy version 4.0", npy("{}", major: 4))
        expectNPYProblem("npz member 'x.npy' has a truncated header", Array(numpyF4.prefix(9)))
        expectNPYProblem("npz member 'x.npy' has a truncated header", Array(numpyF4.prefix(100)))
        expectNPYProblem("npz member 'x.npy' has a truncated header", Array(numpyF4Version2.prefix(11)))
        var huge = npy("{}", major: 2)
        huge[10] = 0x20  // a header length of 2 MiB
        expectNPYProblem("npz member 'x.npy' has a header of 2097154 bytes, too long", huge)
    }

    func testFortranOrderIsRejected() {
        expectNPYProblem("npz member 'x.npy' is stored in Fortran order, which is not supported",
                         npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", [UInt8](repeating: 0, count: 24)))
    }

    func testCountBeyondTheData() {
        expectNPYProblem("npz member 'x.npy' holds 20 bytes of data; shape (2, 3) of <f4 needs 24",
                         npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", [UInt8](repeating: 0, count: 20)))
        expectNPYProblem("npz member 'x.npy' holds 24 bytes of data; shape (2, 3, 1000000) of <f8 needs 48000000",
                         npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 1000000), }",
                             [UInt8](repeating: 0, count: 24)))
        expectNPYProblem("npz member 'x.npy' has a shape too large to address",
                         npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"))
        expectNPYProblem("npz member 'x.npy' has a shape too large to address",
                         npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }"))
        expectNPYProblem("npz member 'x.npy' has an unreadable header (number too large)",
                         npy("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }"))
    }

    func testUnsupportedElementTypes() {
        for descr in ["<c8", "|O", "<U5", "<f16", "|f4", "<f+4", "f", ""] {
            expectNPYProblem("npz member 'x.npy' has unsupported element type '\(descr)'",
                             npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]))
        }
    }

    func testUnreadableHeaders() {
        func header(_ text: String) -> [UInt8] { npy(text, [UInt8](repeating: 0, count: 16)) }
        let cases: [(String, String)] = [
            ("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }", "structured arrays are not supported"),
            ("{'descr': '<f4', 'fortran_order': False, }", "no 'shape'"),
            ("{'descr': '<f4', 'shape': (1,), }", "no 'fortran_order'"),
            ("{'fortran_order': False, 'shape': (1,), }", "no 'descr'"),
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", "'fortran_order' is not True or False"),
            ("{'descr': 4, 'fortran_order': False, 'shape': (1,), }", "'descr' is not a string"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': 3, }", "'shape' is not a tuple"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': [3], }", "'shape' is not a tuple"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "'shape' holds something other than a size"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': ('a',), }", "'shape' holds something other than a size"),
            ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "'descr' given twice"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", "ends early"),
            ("{'descr': '<f4' 'fortran_order': False}", "expected ',' at offset 16"),
            ("{'descr' '<f4'}", "expected ':'"),
            ("{'descr': '<f4", "unterminated string"),
            ("{'descr': '<f4', 'fortran_order': Maybe}", "unexpected character at offset 34"),
            ("['descr', '<f4']", "not a dict"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", "text after the dict"),
            ("", "ends early"),
            ("{'shape': " + String(repeating: "(", count: 40) + "}", "nested too deeply"),
            ("{'shape': (-,)}", "expected a number at offset 12"),
        ]
        for (text, reason) in cases {
            expectNPYProblem("npz member 'x.npy' has an unreadable header (\(reason))", header(text))
        }
    }

    func testEveryPrefixAndMutationThrowsOrParses() {
        for n in 0..<numpyI4.count {
            XCTAssertThrowsError(try NPYArray.parse(Array(numpyI4.prefix(n)), name: "x.npy", path: "p.npz"))
        }
        var state: UInt64 = 99
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = numpyI4
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let position = Int(state >> 33) % bytes.count
            bytes[position] = UInt8(truncatingIfNeeded: state >> 20)
            do {
                _ = try NPYArray.parse(bytes, name: "x.npy", path: "p.npz")
                parsed += 1
            } catch {
                XCTAssertTrue(error is SceneFileError)
            }
        }
        XCTAssertGreaterThan(parsed, 0)
    }
}
