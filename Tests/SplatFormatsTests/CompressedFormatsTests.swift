import Foundation
import SplatCore
import SplatFormats
import SplatTestSupport
import XCTest

/// SPZ and PlayCanvas compressed PLY: files from an independent writer (gsply, see
/// Tests/Fixtures/compressed/README.md), our writers read back by our readers, and hostile input.
final class CompressedFormatsTests: XCTestCase, UnitBallFixture {
    static let folder = TestPaths.fixtures.appendingPathComponent("compressed")
    static func fixture(_ name: String) -> String { folder.appendingPathComponent(name).path }

    // MARK: - Files from gsply

    func testGsplyCompressedPLYRendersLikeTheSourceQuantisedTheSameWay() throws {
        let source = try source()
        let loaded = try SceneLoader.load(path: Self.fixture("gsply.compressed.ply"))
        XCTAssertEqual(loaded.format, .compressedPLY)
        XCTAssertEqual(loaded.cloud.count, 1000)
        XCTAssertEqual(loaded.cloud.shDegree, 3)
        let quantised = try CompressedPLY.decode(data: CompressedPLY.encode(source), path: "ours")
        XCTAssertGreaterThanOrEqual(try psnr(loaded.cloud, quantised), 45)
        // And close to the unquantised source.
        XCTAssertGreaterThanOrEqual(try psnr(loaded.cloud, source), 40)
        // Every position lies in the source's bounds.
        let bounds = try XCTUnwrap(Bounds(of: source.positions))
        for p in loaded.cloud.positions {
            XCTAssertTrue(all(p .>= bounds.min - 1e-5) && all(p .<= bounds.max + 1e-5))
        }
    }

    func testGsplyCompressedPLYWithoutSH() throws {
        let loaded = try SceneLoader.load(path: Self.fixture("gsply-sh0.compressed.ply"))
        XCTAssertEqual(loaded.format, .compressedPLY)
        XCTAssertEqual(loaded.cloud.shDegree, 0)
        let s = try source()
        let flat = SplatCloud(positions: s.positions, scales: s.scales, rotations: s.rotations, opacities: s.opacities,
                              shDegree: 0, sh: (0..<s.count).flatMap { Array(s.sh[($0 * 48)..<($0 * 48 + 3)]) })
        let quantised = try CompressedPLY.decode(data: CompressedPLY.encode(flat), path: "ours")
        XCTAssertGreaterThanOrEqual(try psnr(loaded.cloud, quantised), 45)
    }

    func testGsplySPZDecodesWithinTheQuantisationSteps() throws {
        let source = try source()
        for version in [3, 4] {
            let loaded = try SceneLoader.load(path: Self.fixture("gsply-v\(version).spz"))
            XCTAssertEqual(loaded.format, .spz)
            XCTAssertEqual(loaded.formatDetail, "version \(version)")
            XCTAssertEqual(loaded.antialiased, false)
            let cloud = loaded.cloud
            XCTAssertEqual(cloud.count, source.count)
            XCTAssertEqual(cloud.shDegree, 3)
            let k = 16
            for i in 0..<cloud.count {
                // Positions in our axes (the file's right-up-back mapped back): 12 fractional bits.
                XCTAssertLessThanOrEqual(maxAbs(cloud.positions[i], source.positions[i]), 0.5 / 4096 + 1e-6, "position \(i)")
                let logRatio = SIMD3((0..<3).map { log(cloud.scales[i][$0] / source.scales[i][$0]) })
                XCTAssertLessThanOrEqual(maxAbs(logRatio, .zero), 0.5 / 16 + 1e-4, "scale \(i)")
                XCTAssertLessThanOrEqual(abs(cloud.opacities[i] - source.opacities[i]), 0.5 / 255 + 1e-4, "opacity \(i)")
                XCTAssertGreaterThan(abs((cloud.rotations[i] * source.rotations[i]).sum()), 0.998, "rotation \(i)")
                XCTAssertLessThanOrEqual(maxAbs(cloud.shCoefficient(i, 0), source.shCoefficient(i, 0)), 0.5 / (0.15 * 255) + 1e-4)
                for j in 3..<(k * 3) {
                    // SH saturates at ±1 in SPZ; within that range, half a step of 1/128.
                    let expected = min(max(source.sh[i * k * 3 + j], -1), 127.0 / 128)
                    XCTAssertEqual(cloud.sh[i * k * 3 + j], expected, accuracy: 0.5 / 128 + 1e-5, "SH \(j) of \(i)")
                }
            }
            let quantised = try SPZ.decode(data: SPZ.encode(source, version: version), path: "ours").cloud
            XCTAssertGreaterThanOrEqual(try psnr(cloud, quantised), 45, "version \(version)")
        }
        // The same packing in both containers: versions 3 and 4 of gsply decode to the same cloud.
        XCTAssertEqual(try SceneLoader.load(path: Self.fixture("gsply-v3.spz")).cloud,
                       try SceneLoader.load(path: Self.fixture("gsply-v4.spz")).cloud)
    }

    func testOurSPZVersion4MatchesVersion3AndIsSmallerThanTheArrays() throws {
        for degree in 0...3 {
            let cloud = SceneGenerator.benchmarkBall(count: 700, seed: 8, shDegree: degree)
            let v4 = SPZ.encode(cloud, version: 4, antialiased: degree == 1)
            let file = try SPZ.decode(data: v4, path: "ours.spz")
            XCTAssertEqual(file.version, 4)
            XCTAssertEqual(file.antialiased, degree == 1)
            XCTAssertEqual(file.cloud, try SPZ.decode(data: SPZ.encode(cloud, version: 3), path: "v3.spz").cloud, "degree \(degree)")
            // Header, one table entry per non-empty array (no SH array at degree 0), zstd streams.
            XCTAssertEqual(Int(v4[15]), degree == 0 ? 5 : 6)
            XCTAssertLessThan(v4.count, 700 * (9 + 1 + 3 + 3 + 4 + 3 * (SplatCloud.coefficientCount(degree: degree) - 1)))
        }
    }

    func testSPZVersion5IsRefusedByName() throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("gsply-v4.spz")))
        data[4] = 5
        assertFileProblem("SPZ version 5 is not supported (this reader takes versions 2 and 3 in one gzip stream, and version 4)") {
            _ = try SPZ.decode(data: data, path: "v5.spz")
        }
    }

    /// Damaged version-4 files: each check names its problem, before any large allocation.
    func testDamagedSPZVersion4() throws {
        let good = SPZ.encode(SceneGenerator.benchmarkBall(count: 50, seed: 1, shDegree: 1), version: 4)
        func patched(_ change: (inout Data) -> Void) -> Data { var d = good; change(&d); return d }
        func u64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let firstStreamSize = Int(good.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 32, as: UInt64.self) })
        let cases: [(Data, String)] = [
            (good.prefix(20), "truncated SPZ file: 20 bytes, the version-4 header needs 32"),
            (patched { $0[15] = 3 }, "SPZ stream table lists 3 streams, 6 expected for SH degree 1"),
            (patched { $0[16] = 0xF0; $0[17] = 0xFF }, "SPZ stream table at byte 65520 lies outside the file (\(good.count) bytes)"),
            (patched { $0.replaceSubrange(40..<48, with: u64(449)) }, "SPZ positions stream holds 449 bytes, 450 expected for 50 Gaussians"),
            (good.prefix(good.count - 3), "truncated SPZ file: the SH stream needs"),
            (patched { $0[32 + 6 * 16] ^= 0xFF }, "damaged SPZ positions stream (not a zstd frame)"),
            (patched { $0[32 + 6 * 16 + firstStreamSize - 1] ^= 0x55 }, "damaged SPZ positions stream"),
            (patched { $0[8] = 0xFF; $0[9] = 0xFF; $0[10] = 0xFF; $0[11] = 0x00 }, "SPZ header declares 16777215 Gaussians"),
            (patched { $0[12] = 4 }, "SPZ SH degree 4 is not 0 to 3"),
        ]
        for (data, message) in cases {
            XCTAssertThrowsError(try SPZ.decode(data: data, path: "bad.spz"), message) { error in
                XCTAssert("\(error)".hasPrefix("bad.spz: " + message), "\(error)")
            }
        }
    }

    // MARK: - Our writers, our readers

    func testCompressedPLYRoundTripsWithinItsSteps() throws {
        let cloud = SceneGenerator.benchmarkBall(count: 600, seed: 5, shDegree: 2)
        for colourBounds in [true, false] {
            let back = try CompressedPLY.decode(data: CompressedPLY.encode(cloud, order: .asGiven, colourBounds: colourBounds), path: "c")
            XCTAssertEqual(back.count, cloud.count)
            XCTAssertEqual(back.shDegree, 2)
            let extent = try XCTUnwrap(Bounds(of: cloud.positions)).extent
            for i in 0..<cloud.count {
                // Chunk bounds are at most the scene's: half a step of 1/2047 (x, z) or 1/1023 (y).
                XCTAssertLessThanOrEqual(maxAbs(back.positions[i], cloud.positions[i]), extent.max() * 0.5 / 1023 + 1e-5)
                XCTAssertGreaterThan(abs((back.rotations[i] * cloud.rotations[i]).sum()), 0.999)
                XCTAssertEqual(back.opacities[i], min(max(cloud.opacities[i], 1e-4), 1 - 1e-4), accuracy: 0.5 / 255 + 1e-4)
            }
        }
        let reordered = try CompressedPLY.decode(data: CompressedPLY.encode(cloud), path: "c")
        // Morton order: every Gaussian written once, each decoded one near an original.
        XCTAssertEqual(reordered.count, cloud.count)
        let extent = try XCTUnwrap(Bounds(of: cloud.positions)).extent.max()
        for p in reordered.positions {
            XCTAssertLessThanOrEqual(cloud.positions.map { maxAbs($0, p) }.min()!, extent * 0.5 / 1023 + 1e-5)
        }
    }

    func testSPZRoundTripsBothVersionsAndTheAntialiasedFlag() throws {
        let cloud = SceneGenerator.benchmarkBall(count: 300, seed: 7, shDegree: 1)
        for version in [2, 3] {
            let data = SPZ.encode(cloud, version: version, antialiased: version == 2)
            let loaded = try SceneLoader.load(data: data, path: "f.spz")
            XCTAssertEqual(loaded.format, .spz)
            XCTAssertEqual(loaded.formatDetail, version == 2 ? "version 2, antialiased" : "version 3")
            XCTAssertEqual(loaded.antialiased, version == 2)
            let back = loaded.cloud
            for i in 0..<cloud.count {
                XCTAssertLessThanOrEqual(maxAbs(back.positions[i], cloud.positions[i]), 0.5 / 4096 + 1e-6)
                XCTAssertGreaterThan(abs((back.rotations[i] * cloud.rotations[i]).sum()), version == 2 ? 0.99 : 0.999)
                for j in 3..<12 {
                    XCTAssertEqual(back.sh[i * 12 + j], min(max(cloud.sh[i * 12 + j], -1), 127.0 / 128), accuracy: 0.5 / 128 + 1e-5)
                }
            }
        }
    }

    func testExportFormatsFromTheOutputName() {
        XCTAssertEqual(ExportFormat(path: "a/b.compressed.ply"), .compressedPLY)
        XCTAssertEqual(ExportFormat(path: "b.PLY"), .ply)
        XCTAssertEqual(ExportFormat(path: "b.spz"), .spz)
        XCTAssertEqual(ExportFormat(path: "b.splat"), .splat)
        XCTAssertEqual(ExportFormat(path: "b.glb"), .glb)
        XCTAssertNil(ExportFormat(path: "b.gltf"))
    }

    // MARK: - Hostile input

    /// An SPZ gzip stream with this header and `body` after it.
    func spz(version: UInt32 = 3, count: UInt32, degree: UInt8 = 0, flags: UInt8 = 0, body: [UInt8] = []) -> Data {
        var raw: [UInt8] = []
        for word in [SPZ.magic, version, count] { withUnsafeBytes(of: word.littleEndian) { raw += $0 } }
        raw += [degree, 12, flags, 0] + body
        return raw.withUnsafeBytes { Deflate.compress($0, wrapper: .gzip) }
    }

    func testDamagedSPZFiles() throws {
        let good = SPZ.encode(SceneGenerator.benchmarkBall(count: 50, seed: 1, shDegree: 0))
        assertFileProblem("SPZ version 5 is not supported (this reader takes versions 2 and 3 in one gzip stream, and version 4)") {
            _ = try SPZ.decode(data: spz(version: 5, count: 1), path: "f.spz")
        }
        assertFileProblem("SPZ version 1 is not supported (this reader takes versions 2 and 3 in one gzip stream, and version 4)") {
            _ = try SPZ.decode(data: spz(version: 1, count: 1), path: "f.spz")
        }
        assertFileProblem("SPZ SH degree 4 is not 0 to 3") { _ = try SPZ.decode(data: spz(count: 1, degree: 4), path: "f.spz") }
        assertFileProblem("SPZ header declares 1000000 Gaussians (20000016 bytes) but the file holds only 36 compressed bytes") {
            _ = try SPZ.decode(data: spz(count: 1_000_000), path: "f.spz")
        }
        assertFileProblem("damaged SPZ gzip stream (stream ended after 16 bytes; 36 were expected)") {
            _ = try SPZ.decode(data: spz(count: 1), path: "f.spz")
        }
        assertFileProblem("damaged SPZ gzip stream (stream holds more than the expected 36 bytes)") {
            _ = try SPZ.decode(data: spz(count: 1, body: [UInt8](repeating: 0, count: 21)), path: "f.spz")
        }
        assertFileProblem("damaged SPZ gzip stream (truncated input)") {
            _ = try SPZ.decode(data: good.prefix(good.count - 20), path: "f.spz")
        }
        assertFileProblem("truncated SPZ file: the gzip stream ends before the 16-byte header") {
            _ = try SPZ.decode(data: good.prefix(12), path: "f.spz")
        }
        assertFileProblem("the file is empty") { _ = try SPZ.decode(data: Data(), path: "f.spz") }
        // A count that no memory budget holds is refused before anything is inflated.
        XCTAssertThrowsError(try SPZ.decode(data: spz(count: UInt32.max, degree: 3), path: "f.spz")) { error in
            XCTAssertTrue("\(error)".hasPrefix("f.spz: 4294967295 Gaussians need "), "\(error)")
        }
    }

    func testDamagedCompressedPLYFiles() throws {
        let good = CompressedPLY.encode(SceneGenerator.benchmarkBall(count: 300, seed: 1, shDegree: 1))
        let text = String(decoding: good.prefix(2000), as: UTF8.self)
        let headerEnd = try XCTUnwrap(text.range(of: "end_header\n")).upperBound
        let header = String(text[..<headerEnd])
        let body = good.suffix(from: header.utf8.count)
        func with(_ edit: (String) -> String, body: Data? = nil) -> Data { Data(edit(header).utf8) + (body ?? Data(good.suffix(from: header.utf8.count))) }

        assertFileProblem("compressed PLY has 3 chunks for 300 vertices; expected 2 (one per 256)") {
            // One more chunk record, so the sizes still fit.
            _ = try CompressedPLY.decode(data: with({ $0.replacingOccurrences(of: "element chunk 2", with: "element chunk 3") },
                                                   body: Data(repeating: 0, count: 72) + body), path: "c.ply")
        }
        assertFileProblem("property 'packed_color' of element 'vertex' is float32; compressed PLY stores it as uint32") {
            _ = try CompressedPLY.decode(data: with { $0.replacingOccurrences(of: "property uint packed_color", with: "property float packed_color") }, path: "c.ply")
        }
        assertFileProblem("compressed PLY element 'chunk' has no property 'max_scale_z'") {
            _ = try CompressedPLY.decode(data: with { $0.replacingOccurrences(of: "property float max_scale_z", with: "property float other") }, path: "c.ply")
        }
        assertFileProblem("unsupported number of SH properties in compressed PLY: 8 (expected 9, 24 or 45)") {
            _ = try CompressedPLY.decode(data: with { $0.replacingOccurrences(of: "property uchar f_rest_8\n", with: "") }, path: "c.ply")
        }
        assertFileProblem("compressed PLY must be binary_little_endian, not binary_big_endian") {
            _ = try CompressedPLY.decode(data: with { $0.replacingOccurrences(of: "binary_little_endian", with: "binary_big_endian") }, path: "c.ply")
        }
        assertFileProblem("truncated PLY body: header declares 300 sh elements (9 bytes each) but only 2699 bytes follow") {
            _ = try CompressedPLY.decode(data: good.prefix(good.count - 1), path: "c.ply")
        }
        var infinite = good
        infinite.replaceSubrange((header.utf8.count)..<(header.utf8.count + 4), with: withUnsafeBytes(of: Float.infinity.bitPattern.littleEndian) { Data($0) })
        assertFileProblem("non-finite value in property 'min_x' of chunk 0") { _ = try CompressedPLY.decode(data: infinite, path: "c.ply") }
        // Before this reader, such a file was read as a 3DGS PLY: "missing required property 'x'".
        XCTAssertEqual(try SceneLoader.load(data: good, path: "c.ply").format, .compressedPLY)
    }
}

/// The largest absolute component difference.
private func maxAbs(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
    let d = a - b
    return max(abs(d.x), abs(d.y), abs(d.z))
}
