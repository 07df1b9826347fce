import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats
import SplatTestSupport

private func load(_ text: String, path: String = "t.ply") throws -> LoadedScene {
    try SceneLoader.load(data: Data(text.utf8), path: path)
}

/// The 14 required float properties of a degree-0 3DGS vertex, in the usual order.
private let requiredHeader = GaussianPLY.requiredProperties.map { "property float \($0)\n" }.joined()

final class PLYLoaderTests: XCTestCase {
    // MARK: ascii

    /// Degree 1, properties in an unusual order (looked up by name), an unknown scalar, a list,
    /// comments, tabs, trailing spaces and a CRLF line.
    static let asciiDegree1 = """
        ply
        format ascii 1.0
        comment made by hand
        comment   spaced  out
        obj_info tiny test
        element vertex 2
        property float opacity
        property uchar extra
        property float x
        property float y
        property float z
        property float nx
        property float ny
        property float nz
        property float f_dc_0
        property float f_dc_1
        property float f_dc_2
        property float f_rest_1
        property float f_rest_0
        property float f_rest_2
        property float f_rest_3
        property float f_rest_4
        property float f_rest_5
        property float f_rest_6
        property float f_rest_7
        property float f_rest_8
        property float scale_0
        property float scale_1
        property float scale_2
        property float rot_0
        property float rot_1
        property float rot_2
        property float rot_3
        property list uchar int indices
        end_header
        0 7 1.5 -2 0.25 0 0 1 0.1 0.2 0.3 11 10 12 13 14 15 16 17 18 0 -1 0.5 2 0 0 0 3 1 2 3   \r
        -2\t0 1e-3 4 -5  0 0 0 -0.1 0 1 21 20 22 23 24 25 26 27 28 1 2 -0.5 0 3 4 0 0

        """

    func testAsciiMapsEveryField() throws {
        let scene = try load(Self.asciiDegree1)
        XCTAssertEqual(scene.format, .gaussianPLY)
        XCTAssertEqual(scene.formatDetail, "ascii")
        let cloud = scene.cloud
        XCTAssertEqual(cloud.count, 2)
        XCTAssertEqual(cloud.shDegree, 1)
        XCTAssertEqual(cloud.positions, [SIMD3(1.5, -2, 0.25), SIMD3(1e-3, 4, -5)])
        XCTAssertEqual(cloud.opacities, [0.5, sigmoid(-2)])
        XCTAssertEqual(cloud.scales, [SIMD3(1, exp(-1), exp(0.5)), SIMD3(exp(1), exp(2), exp(-0.5))])
        XCTAssertEqual(cloud.rotations, [SIMD4(1, 0, 0, 0), SIMD4(0, 0.6, 0.8, 0)])
        // Channel-major f_rest: f_rest[c·3 + k−1] is coefficient k of channel c.
        XCTAssertEqual(cloud.sh, [0.1, 0.2, 0.3, 10, 13, 16, 11, 14, 17, 12, 15, 18,
                                  -0.1, 0, 1, 20, 23, 26, 21, 24, 27, 22, 25, 28])
        XCTAssertEqual(cloud.shCoefficient(0, 2), SIMD3(11, 14, 17))
    }

    func testHeaderKeepsCommentsAndLayout() throws {
        let header = try PLYHeader.parse(Data(Self.asciiDegree1.utf8), path: "t.ply")
        XCTAssertEqual(header.encoding, .ascii)
        XCTAssertEqual(header.comments, ["made by hand", "spaced  out"])
        XCTAssertEqual(header.objInfo, ["tiny test"])
        XCTAssertEqual(header.elements.map(\.name), ["vertex"])
        XCTAssertEqual(header.elements[0].count, 2)
        XCTAssertEqual(header.elements[0].property(named: "extra")?.kind, .scalar(.uint8))
        XCTAssertEqual(header.elements[0].property(named: "indices")?.kind, .list(count: .uint8, item: .int32))
        let endOfHeader = Self.asciiDegree1.range(of: "end_header\n")!.upperBound
        XCTAssertEqual(header.byteCount, Self.asciiDegree1.utf8.distance(from: Self.asciiDegree1.startIndex,
                                                                        to: endOfHeader))
    }

    func testGenericColumnsAndTypeNames() throws {
        let text = """
            ply
            format ascii 1.0
            element point 2
            property int8 a
            property uint16 b
            property float64 c
            property list uint8 float32 l
            end_header
            -3 65535 0.5 2 1 2
            4 0 -0.25 0

            """
        let ply = try PLYFile(data: Data(text.utf8), path: "p.ply")
        let table = try ply.readElement("point", properties: ["c", "a", "b"])
        XCTAssertEqual(table.rowCount, 2)
        XCTAssertEqual(table.values, [0.5, -3, 65535, -0.25, 4, 0])
        XCTAssertEqual(table.column("a"), [-3, 4])
        XCTAssertEqual(table[1, 0], -0.25)
    }

    // MARK: binary

    /// Degree 0 with mixed scalar types, an unknown property, a list inside the vertex element, and
    /// elements before (with a list, so it must be walked) and after it.
    private static func mixedTypes(bigEndian: Bool) -> Data {
        var w = ByteWriter(bigEndian: bigEndian)
        w.text("ply\nformat \(bigEndian ? "binary_big_endian" : "binary_little_endian") 1.0\n")
        w.text("element camera 2\nproperty list uchar float pose\nproperty int id\n")
        w.text("element vertex 2\n")
        w.text("property double x\nproperty float y\nproperty short z\n")
        w.text("property uchar f_dc_0\nproperty char f_dc_1\nproperty ushort f_dc_2\n")
        w.text("property int opacity\nproperty uint scale_0\nproperty float32 scale_1\nproperty float scale_2\n")
        w.text("property list int uchar tags\n")
        w.text("property double rot_0\nproperty float rot_1\nproperty float rot_2\nproperty float rot_3\n")
        w.text("property float unknown_thing\n")
        w.text("element face 1\nproperty list uchar int vertex_indices\nend_header\n")
        // camera 0: three floats; camera 1: none.
        w.u8(3); w.f32(9); w.f32(9); w.f32(9); w.i32(42)
        w.u8(0); w.i32(43)
        // vertex 0
        w.f64(1.25); w.f32(-0.5); w.i16(-3)
        w.u8(200); w.i8(-5); w.u16(60000)
        w.i32(-1); w.u32(1); w.f32(-0.25); w.f32(0)
        w.i32(2); w.u8(1); w.u8(2)
        w.f64(0); w.f32(0); w.f32(0); w.f32(5)
        w.f32(99)
        // vertex 1
        w.f64(-7); w.f32(0.125); w.i16(32767)
        w.u8(0); w.i8(127); w.u16(0)
        w.i32(3); w.u32(2); w.f32(0.75); w.f32(-2)
        w.i32(0)
        w.f64(1); w.f32(1); w.f32(1); w.f32(1)
        w.f32(-99)
        // face 0
        w.u8(3); w.i32(0); w.i32(1); w.i32(0)
        return w.data
    }

    private func checkMixedTypes(bigEndian: Bool) throws {
        let scene = try SceneLoader.load(data: Self.mixedTypes(bigEndian: bigEndian), path: "m.ply")
        XCTAssertEqual(scene.formatDetail, bigEndian ? "binary_big_endian" : "binary_little_endian")
        let cloud = scene.cloud
        XCTAssertEqual(cloud.count, 2)
        XCTAssertEqual(cloud.shDegree, 0)
        XCTAssertEqual(cloud.positions, [SIMD3(1.25, -0.5, -3), SIMD3(-7, 0.125, 32767)])
        XCTAssertEqual(cloud.sh, [200, -5, 60000, 0, 127, 0])
        XCTAssertEqual(cloud.opacities, [sigmoid(-1), sigmoid(3)])
        XCTAssertEqual(cloud.scales, [SIMD3(exp(1), exp(-0.25), 1), SIMD3(exp(2), exp(0.75), exp(-2))])
        XCTAssertEqual(cloud.rotations, [SIMD4(0, 0, 0, 1), SIMD4(0.5, 0.5, 0.5, 0.5)])
    }

    func testBinaryLittleEndianMixedTypes() throws {
        var w = ByteWriter(bigEndian: false)
        w.f32(1)
        XCTAssertEqual([UInt8](w.data), [0x00, 0x00, 0x80, 0x3F])
        try checkMixedTypes(bigEndian: false)
    }

    func testBinaryBigEndianMixedTypes() throws {
        var w = ByteWriter(bigEndian: true)
        w.f32(1)
        XCTAssertEqual([UInt8](w.data), [0x3F, 0x80, 0x00, 0x00])
        try checkMixedTypes(bigEndian: true)
    }

    func testBinaryListElementsAreWalked() throws {
        let ply = try PLYFile(data: Self.mixedTypes(bigEndian: false), path: "m.ply")
        XCTAssertEqual(try ply.readElement("camera", properties: ["id"]).values, [42, 43])
        XCTAssertEqual(try ply.readElement("vertex", properties: ["unknown_thing"]).values, [99, -99])
        XCTAssertEqual(try ply.readElement("face", properties: []).rowCount, 1)
    }

    /// All-float, degree 3: 45 f_rest properties imply degree 3; 15 coefficients per channel.
    func testBigEndianDegree3ChannelMajor() throws {
        var w = ByteWriter(bigEndian: true)
        let names = ["x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2"] + (0..<45).map { "f_rest_\($0)" }
            + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
        w.text("ply\nformat binary_big_endian 1.0\nelement vertex 1\n")
        for n in names { w.text("property float \(n)\n") }
        w.text("end_header\n")
        let values: [Float] = [1, 2, 3, 0.5, 0.25, 0.125] + (0..<45).map { 100 + Float($0) }
            + [0, 0, 0, 0, 0, 0, 0, -2]
        for v in values { w.f32(v) }
        let cloud = try SceneLoader.load(data: w.data, path: "d3.ply").cloud
        XCTAssertEqual(cloud.shDegree, 3)
        XCTAssertEqual(cloud.coefficientsPerGaussian, 16)
        XCTAssertEqual(cloud.shCoefficient(0, 0), SIMD3(0.5, 0.25, 0.125))
        for k in 1..<16 {
            XCTAssertEqual(cloud.shCoefficient(0, k), SIMD3(100 + Float(k - 1), 115 + Float(k - 1), 130 + Float(k - 1)))
        }
        XCTAssertEqual(cloud.rotations, [SIMD4(0, 0, 0, -1)])
    }

    // MARK: malformed input

    private func binaryDegree0(count: Int, vertices: Int) -> Data {
        var w = ByteWriter(bigEndian: false)
        w.text("ply\nformat binary_little_endian 1.0\nelement vertex \(count)\n\(requiredHeader)end_header\n")
        for _ in 0..<(vertices * 14) { w.f32(0) }
        return w.data
    }

    func testTruncatedBody() {
        assertFileProblem("truncated PLY body: header declares 3 vertices (56 bytes each) but only 112 bytes follow") {
            _ = try SceneLoader.load(data: binaryDegree0(count: 3, vertices: 2), path: "t.ply")
        }
    }

    func testCountFarBeyondFileSize() {
        assertFileProblem("truncated PLY body: header declares 1000000000000 vertices (56 bytes each) but only 56 bytes follow") {
            _ = try SceneLoader.load(data: binaryDegree0(count: 1_000_000_000_000, vertices: 1), path: "t.ply")
        }
        // count × size overflows Int: still a clean error.
        assertFileProblem("truncated PLY body: header declares \(Int.max) vertices (56 bytes each) but only 0 bytes follow") {
            _ = try SceneLoader.load(data: binaryDegree0(count: Int.max, vertices: 0), path: "t.ply")
        }
        let ascii = "ply\nformat ascii 1.0\nelement vertex 50\n\(requiredHeader)end_header\n0 0 0\n"
        assertFileProblem("truncated PLY body: header declares 50 vertices but only 6 bytes of text follow") {
            _ = try load(ascii)
        }
    }

    func testListRunningPastTheEnd() {
        var w = ByteWriter(bigEndian: false)
        w.text("ply\nformat binary_little_endian 1.0\nelement face 1\nproperty list uchar int idx\nend_header\n")
        w.u8(200); w.i32(1)
        let ply = try? PLYFile(data: w.data, path: "f.ply")
        XCTAssertNotNil(ply)
        assertFileProblem("truncated PLY body: face 0 runs past the end of the file") {
            _ = try ply?.readElement("face", properties: [])
        }
    }

    func testAsciiEndsEarly() {
        let text = "ply\nformat ascii 1.0\nelement vertex 3\n\(requiredHeader)end_header\n"
            + "0 0 0 0 0 0 0 0 0 0 1 0 0 0\n" + String(repeating: "\n", count: 80)
        assertFileProblem("truncated PLY body: the file ends after 1 vertex of 3") { _ = try load(text) }
    }

    func testMissingRequiredProperty() {
        let header = requiredHeader.replacingOccurrences(of: "property float opacity\n", with: "")
        let text = "ply\nformat ascii 1.0\nelement vertex 1\n\(header)end_header\n0 0 0 0 0 0 0 0 0 1 0 0 0\n"
        assertFileProblem("missing required property 'opacity'") { _ = try load(text) }
    }

    func testNonFiniteValues() {
        let text = "ply\nformat ascii 1.0\nelement vertex 2\n\(requiredHeader)end_header\n"
            + "0 0 0 0 0 0 0 0 0 0 1 0 0 0\n0 0 0 0 0 0 0 0 nan 0 1 0 0 0\n"
        assertFileProblem("non-finite value in property 'scale_1' of vertex 1") { _ = try load(text) }

        var w = ByteWriter(bigEndian: false)
        w.text("ply\nformat binary_little_endian 1.0\nelement vertex 1\n\(requiredHeader)end_header\n")
        for v: Float in [0, 0, .infinity, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0] { w.f32(v) }
        assertFileProblem("non-finite value in property 'z' of vertex 0") {
            _ = try SceneLoader.load(data: w.data, path: "t.ply")
        }
    }

    func testZeroGaussians() {
        assertFileProblem("the file holds no Gaussians") {
            _ = try load("ply\nformat ascii 1.0\nelement vertex 0\n\(requiredHeader)end_header\n")
        }
        assertFileProblem("the file holds no Gaussians") {
            _ = try SceneLoader.load(data: binaryDegree0(count: 0, vertices: 0), path: "t.ply")
        }
    }

    func testNotAPLYOrSplatFile() {
        assertFileProblem("not a PLY or .splat file (unrecognised content)") { _ = try load("hello world\n") }
        assertFileProblem("the file is empty") { _ = try load("") }
        assertFileProblem("not a PLY file (first line is not 'ply')") {
            _ = try PLYHeader.parse(Data("plyx\nformat ascii 1.0\nend_header\n".utf8), path: "t.ply")
        }
    }

    func testBadFRestCount() {
        let five = (0..<5).map { "property float f_rest_\($0)\n" }.joined()
        assertFileProblem("unsupported number of f_rest properties: 5 (expected 0, 9, 24 or 45)") {
            _ = try load("ply\nformat ascii 1.0\nelement vertex 1\n\(requiredHeader)\(five)end_header\n"
                         + String(repeating: "0 ", count: 19))
        }
        let gap = [0, 1, 2, 3, 5, 6, 7, 8, 9].map { "property float f_rest_\($0)\n" }.joined()
        assertFileProblem("f_rest properties are not numbered 0 to 8: f_rest_4 is missing") {
            _ = try load("ply\nformat ascii 1.0\nelement vertex 1\n\(requiredHeader)\(gap)end_header\n"
                         + String(repeating: "0 ", count: 23))
        }
    }

    func testGarbageHeaderLines() {
        assertFileProblem("unexpected line 3 in PLY header: 'hello there'") {
            _ = try load("ply\nformat ascii 1.0\nhello there\nelement vertex 1\nend_header\n")
        }
        assertFileProblem("unknown PLY type 'half' for property 'x'") {
            _ = try load("ply\nformat ascii 1.0\nelement vertex 1\nproperty half x\nend_header\n")
        }
        assertFileProblem("bad count '-4' for element 'vertex' in PLY header") {
            _ = try load("ply\nformat ascii 1.0\nelement vertex -4\nend_header\n")
        }
        assertFileProblem("unsupported PLY format 'binary_middle_endian 1.0'") {
            _ = try load("ply\nformat binary_middle_endian 1.0\nend_header\n")
        }
        assertFileProblem("property on line 3 of the PLY header comes before any element") {
            _ = try load("ply\nformat ascii 1.0\nproperty float x\nend_header\n")
        }
        assertFileProblem("duplicate property 'x' in element 'vertex'") {
            _ = try load("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float x\nend_header\n")
        }
        assertFileProblem("PLY header has no 'format' line") { _ = try load("ply\nend_header\n") }
        assertFileProblem("PLY header has no 'end_header' line") {
            _ = try load("ply\nformat ascii 1.0\nelement vertex 1\n")
        }
        let huge = "ply\nformat ascii 1.0\n" + String(repeating: "comment padding padding padding\n", count: 3000)
        assertFileProblem("PLY header is longer than 64 KiB or has no 'end_header' line") { _ = try load(huge) }
    }

    func testMalformedAsciiValues() {
        let text = "ply\nformat ascii 1.0\nelement vertex 2\n\(requiredHeader)end_header\n"
            + "0 0 0 0 0 0 0 0 0 0 1 0 0 0\n0 1.2.3 0 0 0 0 0 0 0 0 1 0 0 0\n"
        assertFileProblem("malformed number '1.2.3' in property 'y' of vertex 1") { _ = try load(text) }
        let short = "ply\nformat ascii 1.0\nelement vertex 1\n\(requiredHeader)end_header\n0 0 0\n"
            + String(repeating: " ", count: 40)
        assertFileProblem("vertex 0 has too few values on its line (found 3)") { _ = try load(short) }
        let long = "ply\nformat ascii 1.0\nelement vertex 1\n\(requiredHeader)end_header\n"
            + "0 0 0 0 0 0 0 0 0 0 1 0 0 0 9\n"
        assertFileProblem("vertex 0 has 15 values on its line, expected 14") { _ = try load(long) }
    }

    /// Every prefix and many single-byte corruptions of valid files either load or throw a
    /// SceneFileError: no trap (debug builds trap on overflow and out-of-bounds access).
    func testDamagedFilesNeverCrash() {
        let originals = [Self.mixedTypes(bigEndian: false), Self.mixedTypes(bigEndian: true),
                         Data(Self.asciiDegree1.utf8)]
        func attempt(_ data: Data) {
            do { _ = try SceneLoader.load(data: data, path: "d.ply") } catch { XCTAssertTrue(error is SceneFileError) }
        }
        var rng = SplitMix64(seed: 99)
        for original in originals {
            for length in 0..<original.count { attempt(original.prefix(length)) }
            for _ in 0..<1500 {
                var damaged = original
                let at = damaged.startIndex + Int(rng.next() % UInt64(damaged.count))
                damaged[at] = UInt8(truncatingIfNeeded: rng.next())
                attempt(damaged)
            }
        }
    }

    func testFileSystemErrors() throws {
        assertFileProblem("no such file") { _ = try SceneLoader.load(path: "/nonexistent/scene.ply") }
        // A folder is a per-frame PLY sequence; an empty one says so.
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("plytest-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        assertFileProblem("no .ply frames found") { _ = try SceneLoader.load(path: empty.path) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("plytest-\(UUID().uuidString).ply")
        try PLYWriter.gaussianPLY(SceneGenerator.benchmarkBall(count: 5, seed: 3)).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try SceneLoader.load(path: url.path).cloud.count, 5)
    }
}

final class PLYWriterTests: XCTestCase {
    /// A cloud with the edge cases the writer must survive: opacity 0 and 1, zero scale.
    private func edgeCloud() -> SplatCloud {
        var cloud = SceneGenerator.synthetic(seed: 5)
        cloud.opacities[0] = 0
        cloud.opacities[1] = 1
        cloud.scales[2] = SIMD3(0, 1, 2)
        return cloud
    }

    private func checkRoundTrip(_ encoding: PLYEncoding) throws {
        let original = edgeCloud()
        let data = PLYWriter.gaussianPLY(original, encoding: encoding, comments: ["two\nlines"])
        let scene = try SceneLoader.load(data: data, path: "rt.ply")
        XCTAssertEqual(scene.format, .gaussianPLY)
        XCTAssertEqual(scene.formatDetail, encoding.rawValue)
        let loaded = scene.cloud
        XCTAssertEqual(try PLYHeader.parse(data, path: "rt.ply").comments, ["two lines"])
        XCTAssertEqual(loaded.count, original.count)
        XCTAssertEqual(loaded.shDegree, original.shDegree)
        XCTAssertEqual(loaded.positions, original.positions)
        XCTAssertEqual(loaded.sh, original.sh)
        for i in 0..<original.count {
            let expectedOpacity = min(max(original.opacities[i], 1e-6), 1 - 1e-6)
            XCTAssertEqual(loaded.opacities[i], expectedOpacity, accuracy: 2e-7)
            for a in 0..<3 {
                XCTAssertEqual(loaded.scales[i][a], original.scales[i][a],
                               accuracy: 1e-6 * original.scales[i][a] + Float.leastNormalMagnitude)
            }
            for l in 0..<4 { XCTAssertEqual(loaded.rotations[i][l], original.rotations[i][l], accuracy: 1e-6) }
        }
    }

    func testRoundTripBinaryLittleEndian() throws { try checkRoundTrip(.binaryLittleEndian) }
    func testRoundTripBinaryBigEndian() throws { try checkRoundTrip(.binaryBigEndian) }
    func testRoundTripAscii() throws { try checkRoundTrip(.ascii) }

    func testWriterLayout() throws {
        let data = PLYWriter.gaussianPLY(SceneGenerator.benchmarkBall(count: 3, seed: 1, shDegree: 1))
        let header = try PLYHeader.parse(data, path: "w.ply")
        let names = header.elements[0].properties.map(\.name)
        XCTAssertEqual(names.prefix(9), ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"])
        XCTAssertEqual(names.count, 9 + 9 + 8)
        XCTAssertEqual(data.count, header.byteCount + 3 * 26 * 4)
    }
}
