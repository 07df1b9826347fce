import Foundation
import SplatCore
@testable import SplatFormats
import SplatTestSupport
import XCTest

/// .ksplat: files written by the format's author (GaussianSplats3D, see
/// Tests/Fixtures/ksplat/README.md) against the library's own reading and against the source PLY,
/// header values, sequences of .ksplat frames, and hostile input.
final class KSplatTests: XCTestCase, UnitBallFixture {
    static let folder = TestPaths.fixtures.appendingPathComponent("ksplat")
    static func fixture(_ name: String) -> String { folder.appendingPathComponent(name).path }
    static let names = ["mode0.ksplat", "mode1.ksplat", "mode2.ksplat", "mode2-sh0.ksplat"]

    func fixtureData(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: Self.fixture(name))) }

    /// The source cut to `degree` as the library's writer keeps it.
    func truncated(_ s: SplatCloud, degree: Int) -> SplatCloud {
        let k = s.coefficientsPerGaussian, kept = (degree + 1) * (degree + 1)
        var sh: [Float] = []
        for i in 0..<s.count { sh += s.sh[(i * k * 3)..<(i * k * 3 + kept * 3)] }
        return SplatCloud(positions: s.positions, scales: s.scales, rotations: s.rotations, opacities: s.opacities, shDegree: degree, sh: sh)
    }

    /// For each decoded Gaussian, the source Gaussian at the nearest position (the library stores
    /// them in its bucket order).
    func nearestSource(_ cloud: SplatCloud, _ source: SplatCloud) -> [Int] {
        cloud.positions.map { p in
            source.positions.indices.min { distanceSquared(source.positions[$0], p) < distanceSquared(source.positions[$1], p) }!
        }
    }

    // MARK: - Files from GaussianSplats3D

    func testFixturesRenderLikeTheSourceQuantisedTheSameWay() throws {
        let source = try source()
        for name in Self.names {
            let file = try KSplat.decode(data: fixtureData(name), path: name)
            let level = file.header.compressionLevel
            let degree = file.cloud.shDegree
            XCTAssertEqual(file.cloud.count, 1000, name)
            XCTAssertEqual(degree, name.contains("sh0") ? 0 : 2, name)
            // The source through the same quantisation (8-bit colour and alpha floored, halves,
            // 8-bit SH over the source's range) in our seed writer, read back.
            let quantised = try KSplat.decode(data: KSplatSeedWriter.file(truncated(source, degree: degree), compressionLevel: level), path: "q").cloud
            XCTAssertGreaterThanOrEqual(try psnr(file.cloud, quantised), 45, name)
            XCTAssertGreaterThanOrEqual(try psnr(file.cloud, truncated(source, degree: degree)), 40, name)
        }
    }

    func testFixturesDecodeWithinTheQuantisationStepsOfTheSource() throws {
        let source = try source()
        let c0 = SphericalHarmonics.c0
        for name in Self.names {
            let file = try KSplat.decode(data: fixtureData(name), path: name)
            let cloud = file.cloud, level = file.header.compressionLevel
            let match = nearestSource(cloud, source)
            XCTAssertEqual(Set(match).count, 1000, "\(name): every source Gaussian once")
            let k = cloud.coefficientsPerGaussian, ks = source.coefficientsPerGaussian
            let shStep = (file.header.shRange.upperBound - file.header.shRange.lowerBound) / 255
            for (i, j) in match.enumerated() {
                // Level 0 keeps float32 centres; 1 and 2 round to (block/2)/32767 around the bucket centre.
                let positionStep: Float = level == 0 ? 0 : 2.5 / 32767 / (name == "mode2.ksplat" ? 5 : 1)
                XCTAssertLessThanOrEqual(largest(abs(cloud.positions[i] - source.positions[j])),
                                         positionStep / 2 + 1e-6, "\(name) position \(i)")
                // three.js's toHalfFloat (the writer's) truncates: up to one half-float step, 2^-10 relative.
                let halfStep: Float = level == 0 ? 1e-7 : 1.0 / 1024
                for a in 0..<3 {
                    XCTAssertEqual(cloud.scales[i][a], source.scales[j][a], accuracy: source.scales[j][a] * halfStep + 1e-7, "\(name) scale \(i)")
                }
                XCTAssertGreaterThan(abs((cloud.rotations[i] * source.rotations[j]).sum()), 1 - 1e-5 - (level == 0 ? 0 : 2e-3), "\(name) rotation \(i)")
                // Colour and alpha are floored to bytes: the decoded value lies at most one step below.
                let rgb = (0.5 + c0 * cloud.shCoefficient(i, 0)) * 255, rgbSource = (0.5 + c0 * source.shCoefficient(j, 0)) * 255
                for c in 0..<3 where rgbSource[c] > 0 && rgbSource[c] < 255 {
                    XCTAssertTrue(rgb[c] <= rgbSource[c] + 1e-3 && rgb[c] > rgbSource[c] - 1 - 1e-3, "\(name) colour \(i): \(rgb) vs \(rgbSource)")
                }
                XCTAssertTrue(cloud.opacities[i] <= source.opacities[j] + 1e-5 && cloud.opacities[i] > source.opacities[j] - 1.0 / 255 - 1e-5,
                              "\(name) opacity \(i)")
                for coefficient in 1..<k {
                    for c in 0..<3 {
                        let got = cloud.sh[(i * k + coefficient) * 3 + c], want = source.sh[(j * ks + coefficient) * 3 + c]
                        let tolerance: Float = level == 0 ? 0 : level == 1 ? abs(want) / 1024 + 1e-7 : shStep + 1e-6
                        XCTAssertEqual(got, want, accuracy: tolerance, "\(name) SH \(coefficient).\(c) of \(i)")
                    }
                }
            }
        }
    }

    /// Our decoder against the library's own getters, value by value (decoded-by-library.json).
    func testFixturesDecodeAsTheLibraryReadsThem() throws {
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: fixtureData("decoded-by-library.json")) as? [String: [[String: Any]]])
        for name in Self.names {
            let cloud = try KSplat.decode(data: fixtureData(name), path: name).cloud
            let samples = try XCTUnwrap(json[name])
            XCTAssertEqual(samples.count, 11, name)
            let k = cloud.coefficientsPerGaussian
            for sample in samples {
                let i = try XCTUnwrap(sample["index"] as? Int)
                func floats(_ key: String) throws -> [Float] { try XCTUnwrap(sample[key] as? [Double]).map(Float.init) }
                let centre = try floats("center"), scale = try floats("scale"), xyzw = try floats("rotationXYZW")
                let rgba = try floats("rgba"), sh = try floats("sh")
                for a in 0..<3 {
                    XCTAssertEqual(cloud.positions[i][a], centre[a], accuracy: 2e-6, "\(name) \(i)")
                    XCTAssertEqual(cloud.scales[i][a], scale[a], accuracy: scale[a] * 1e-6, "\(name) \(i)")
                }
                let q = normalizedQuaternion(SIMD4(xyzw[3], xyzw[0], xyzw[1], xyzw[2]))
                XCTAssertLessThanOrEqual(largest(abs(cloud.rotations[i] - q)), 1e-6, "\(name) \(i)")
                let rgb = (0.5 + SphericalHarmonics.c0 * cloud.shCoefficient(i, 0)) * 255
                for c in 0..<3 { XCTAssertEqual(rgb[c], rgba[c], accuracy: 1e-3, "\(name) \(i)") }
                XCTAssertEqual(cloud.opacities[i] * 255, min(max(rgba[3], 255e-4), 255 * (1 - 1e-4)), accuracy: 1e-3, "\(name) \(i)")
                // The library hands SH out coefficient-major with the channels inner, as Splat4D keeps them
                // (the file stores each band channel-major).
                XCTAssertEqual(sh.count, 3 * (k - 1), name)
                for v in sh.indices {
                    XCTAssertEqual(cloud.sh[i * k * 3 + 3 + v], sh[v], accuracy: 1e-5, "\(name) \(i) SH \(v)")
                }
            }
        }
    }

    func testHeaderValues() throws {
        let file = try KSplat.decode(data: fixtureData("mode1.ksplat"), path: "mode1.ksplat")
        let h = file.header
        XCTAssertEqual([h.versionMajor, h.versionMinor, h.maxSectionCount, h.sectionCount, h.maxSplatCount, h.splatCount, h.compressionLevel],
                       [0, 1, 3, 3, 1000, 1000, 1])
        XCTAssertEqual(h.sceneCenter, .zero)
        XCTAssertEqual(h.shRange.lowerBound, -0.19996801, accuracy: 1e-7)
        XCTAssertEqual(h.shRange.upperBound, 0.19984114, accuracy: 1e-7)
        XCTAssertEqual(file.sections.map(\.maxSplatCount), [400, 400, 200])
        XCTAssertEqual(file.sections.map(\.splatCount), [400, 400, 200])
        XCTAssertEqual(file.sections.map(\.bucketCount), [2, 2, 1])
        XCTAssertEqual(file.sections.map(\.fullBucketCount), [1, 1, 0])
        XCTAssertEqual(file.sections.map(\.partiallyFilledBucketCount), [1, 1, 1])
        XCTAssertEqual(Set(file.sections.map(\.bucketSize)), [256])
        XCTAssertEqual(Set(file.sections.map(\.bucketBlockSize)), [5])
        XCTAssertEqual(Set(file.sections.map(\.bucketStorageByteCount)), [12])
        XCTAssertEqual(Set(file.sections.map(\.compressionScaleRange)), [32767])
        XCTAssertEqual(Set(file.sections.map(\.shDegree)), [2])
        // Headers, then each section: 4 bytes per partial bucket length, 12 per bucket, 72 per record.
        XCTAssertEqual(file.sections.map(\.base), [7168, 7168 + 28828, 7168 + 2 * 28828])
        XCTAssertEqual(file.sections.map { $0.dataBase - $0.base }, [28, 28, 16])

        let mode2 = try KSplat.decode(data: fixtureData("mode2.ksplat"), path: "mode2.ksplat")
        XCTAssertEqual(mode2.header.compressionLevel, 2)
        XCTAssertEqual(mode2.sections.map(\.bucketCount), [23])
        XCTAssertEqual(mode2.sections.map(\.fullBucketCount), [11])
        XCTAssertEqual(mode2.sections.map(\.partiallyFilledBucketCount), [12])
        XCTAssertEqual(mode2.sections.map(\.bucketBlockSize), [1])
        let mode0 = try KSplat.decode(data: fixtureData("mode0.ksplat"), path: "mode0.ksplat")
        XCTAssertEqual(mode0.sections.map(\.bucketCount), [0])
        XCTAssertEqual(mode0.sections.map(\.compressionScaleRange), [1], "a stored 0 stands for level 0's range")
        XCTAssertEqual(try fixtureData("mode0.ksplat").count, 4096 + 1024 + 1000 * 140)
        let sh0 = try KSplat.decode(data: fixtureData("mode2-sh0.ksplat"), path: "mode2-sh0.ksplat")
        XCTAssertEqual(sh0.header.shRange, -1.5...1.5)

        let loaded = try SceneLoader.load(path: Self.fixture("mode1.ksplat"))
        XCTAssertEqual(loaded.format, .ksplat)
        XCTAssertEqual(loaded.formatDetail, "version 0.1, compression level 1, 3 sections")
    }

    func testAFolderOfKSplatFramesOpensAsASequence() throws {
        let folder = try TestPaths.temporaryFolder(for: self)
        try fixtureData("mode1.ksplat").write(to: folder.appendingPathComponent("take_0001.ksplat"))
        try fixtureData("mode2.ksplat").write(to: folder.appendingPathComponent("take_0002.ksplat"))
        let loaded = try SceneLoader.open(path: folder.path, cacheBytes: 1 << 24)
        XCTAssertEqual(loaded.formatDetail, "2 frames of ksplat, streamed")
        XCTAssertEqual(loaded.cloud, try KSplat.decode(data: fixtureData("mode1.ksplat"), path: "a").cloud)
        XCTAssertNotNil(loaded.stream)
        let sequence = try FrameSequence.open(path: folder.path, frameRate: nil)
        XCTAssertEqual(sequence.firstFormat, .ksplat)
        XCTAssertEqual(try sequence.decodeFrame(1), try KSplat.decode(data: fixtureData("mode2.ksplat"), path: "b").cloud)
    }

    /// Sections of different SH degrees (two files' sections spliced into one): read at the
    /// smallest degree, as the library renders them.
    func testSectionsOfDifferentSHDegreesAreReadAtTheSmallest() throws {
        let ball = SceneGenerator.benchmarkBall(count: 3, seed: 4, shDegree: 1)
        func part(_ range: Range<Int>, degree: Int) -> SplatCloud {
            let k = ball.coefficientsPerGaussian, kept = (degree + 1) * (degree + 1)
            var sh: [Float] = []
            for i in range { sh += ball.sh[(i * k * 3)..<(i * k * 3 + kept * 3)] }
            return SplatCloud(positions: Array(ball.positions[range]), scales: Array(ball.scales[range]),
                              rotations: Array(ball.rotations[range]), opacities: Array(ball.opacities[range]), shDegree: degree, sh: sh)
        }
        let a = KSplatSeedWriter.file(part(0..<2, degree: 1), compressionLevel: 0)
        let b = KSplatSeedWriter.file(part(2..<3, degree: 0), compressionLevel: 0)
        var spliced = Data(a.prefix(4096))
        spliced.replaceSubrange(4..<20, with: [2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0])
        spliced += a[4096..<5120] + b[4096..<5120] + a[5120...] + b[5120...]
        let file = try KSplat.decode(data: spliced, path: "mixed.ksplat")
        XCTAssertEqual(file.sections.map(\.shDegree), [1, 0])
        XCTAssertEqual(file.cloud.shDegree, 0)
        XCTAssertEqual(file.cloud.positions, ball.positions)
        let whole = try KSplat.decode(data: KSplatSeedWriter.file(part(0..<3, degree: 0), compressionLevel: 0), path: "whole").cloud
        XCTAssertEqual(file.cloud, whole)
    }

    // MARK: - Hostile input

    func testDamagedFilesSayWhatIsWrong() throws {
        let good = try fixtureData("mode2.ksplat")
        func edited(_ offset: Int, _ bytes: [UInt8], in data: Data? = nil) -> Data {
            var d = data ?? good
            d.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            return d
        }
        func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        func decode(_ data: Data) throws { _ = try KSplat.decode(data: data, path: "k.ksplat") }

        assertFileProblem("the file is empty") { try decode(Data()) }
        assertFileProblem("truncated .ksplat file: 100 bytes, the header alone takes 4096") { try decode(good.prefix(100)) }
        // A short file named .ksplat reaches this reader through its extension.
        assertFileProblem("truncated .ksplat file: 100 bytes, the header alone takes 4096") {
            _ = try SceneLoader.load(data: good.prefix(100), path: "k.ksplat")
        }
        assertFileProblem("truncated .ksplat file: section 0 declares 1000 Gaussians and 23 buckets from byte 5120, past the file's 53443 bytes") {
            try decode(good.prefix(good.count - 1))
        }
        assertFileProblem("ksplat version 0.0 is not supported (this reader takes version 0.1)") { try decode(edited(1, [0])) }
        assertFileProblem("ksplat version 2.1 is not supported (this reader takes version 0.1)") { try decode(edited(0, [2])) }
        assertFileProblem("ksplat compression level 3 is not supported (this reader takes levels 0, 1 and 2)") { try decode(edited(20, [3])) }
        assertFileProblem("truncated .ksplat file: the header declares 4294967295 sections, whose headers need 4398046514176 bytes, but the file holds only 53444") {
            try decode(edited(4, u32(.max)))
        }
        assertFileProblem("the .ksplat header declares no sections") { try decode(edited(4, u32(0))) }
        assertFileProblem("truncated .ksplat file: section 0 declares 4294967295 Gaussians and 23 buckets from byte 5120, past the file's 53444 bytes") {
            try decode(edited(4096 + 4, u32(.max)))
        }
        assertFileProblem("truncated .ksplat file: section 0 declares 1000 Gaussians and 4294967295 buckets from byte 5120, past the file's 53444 bytes") {
            try decode(edited(4096 + 12, u32(.max)))
        }
        assertFileProblem("the .ksplat header declares 999 Gaussians but its sections hold 1000") { try decode(edited(12, u32(999))) }
        assertFileProblem("ksplat section 0: SH degree 3 is not supported (the format stores degrees 0 to 2)") { try decode(edited(4096 + 40, [3])) }
        assertFileProblem("ksplat section 0: bucket storage of 16 bytes, expected 12 (three float32)") { try decode(edited(4096 + 20, [16])) }
        assertFileProblem("ksplat section 0: 12 full and 12 partially filled buckets do not make its 23 buckets") {
            try decode(edited(4096 + 32, u32(12)))
        }
        // The first partial bucket's length, one more: the buckets no longer cover the section.
        let firstPartial = Int(good.withUnsafeBytes { $0.uint32(5120) })
        assertFileProblem("ksplat section 0: its buckets hold 1001 Gaussians but it declares 1000") {
            try decode(edited(5120, u32(UInt32(firstPartial + 1))))
        }
        // A NaN bucket centre, and an infinite scale in a level-0 file.
        assertFileProblem("non-finite value in field 'x' of Gaussian 0") { try decode(edited(5120 + 48, u32(0x7FC0_0000))) }
        let level0 = try fixtureData("mode0.ksplat")
        assertFileProblem("non-finite value in field 'scale_1' of Gaussian 2") {
            try decode(edited(5120 + 2 * 140 + 16, u32(Float.infinity.bitPattern), in: level0))
        }
        assertFileProblem("negative scale in field 'scale_0' of Gaussian 0") {
            try decode(edited(5120 + 12, u32((-1 as Float).bitPattern), in: level0))
        }
        assertFileProblem("non-finite value in field 'rotation' of Gaussian 3") {
            try decode(edited(5120 + 3 * 140 + 28, u32(Float.nan.bitPattern), in: level0))
        }
        assertFileProblem("non-finite value in field 'sh' of Gaussian 1") {
            try decode(edited(5120 + 140 + 44, u32(Float.nan.bitPattern), in: level0))
        }
        // Without the extension, a damaged header is not taken for a .ksplat file.
        XCTAssertThrowsError(try SceneLoader.load(data: good.prefix(100), path: "k.bin")) {
            XCTAssertEqual("\($0)", "k.bin: not a PLY or .splat file (unrecognised content)")
        }
    }

    /// Every prefix of a seed, and random byte corruptions of the seeds and of a fixture's headers,
    /// load or throw a SceneFileError: no trap.
    func testDamagedFilesNeverCrash() throws {
        var originals = KSplat().fuzzSeeds().map(\.data)
        originals.append(try fixtureData("mode1.ksplat"))
        func attempt(_ data: Data) {
            do { _ = try KSplat.decode(data: data, path: "d.ksplat") } catch { XCTAssertTrue(error is SceneFileError, "\(error)") }
        }
        var rng = SplitMix64(seed: 11)
        for original in originals {
            for length in stride(from: 0, to: original.count, by: 7) { attempt(original.prefix(length)) }
            for _ in 0..<400 {
                var damaged = original
                // Mostly the header fields and section headers, where the counts are.
                let reach = rng.next() % 4 == 0 ? damaged.count : min(damaged.count, 4096 + 3 * 1024)
                let at = Int(rng.next() % UInt64(reach))
                let region = (at / 4) * 4
                if rng.next() % 2 == 0 || region + 4 > damaged.count {
                    damaged[at] = UInt8(truncatingIfNeeded: rng.next())
                } else {
                    damaged.replaceSubrange(region..<(region + 4), with: withUnsafeBytes(of: UInt32(truncatingIfNeeded: rng.next())) { Data($0) })
                }
                attempt(damaged)
            }
        }
    }

    func testDetectionNeedsTheHeaderPadding() throws {
        let good = try fixtureData("mode0.ksplat")
        XCTAssertTrue(KSplatHeader.looksLike(good))
        var dirty = good
        dirty[100] = 1
        XCTAssertFalse(KSplatHeader.looksLike(dirty))
        XCTAssertFalse(KSplatHeader.looksLike(good.prefix(5119)))
        // 5120 + 140·1000 bytes is a multiple of 32, the .splat record size: content decides for .ksplat.
        XCTAssertEqual(try SceneLoader.load(data: good, path: "scene.splat").format, .ksplat)
    }
}

private func distanceSquared(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { ((a - b) * (a - b)).sum() }
private func abs<V: SIMD>(_ v: V) -> V where V.Scalar == Float { v.replacing(with: -v, where: v .< 0) }
private func largest<V: SIMD>(_ v: V) -> Float where V.Scalar == Float { v.max() }
