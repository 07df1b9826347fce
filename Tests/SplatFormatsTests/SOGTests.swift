import Foundation
import SplatCore
@testable import SplatFormats
import SplatTestSupport
import XCTest

/// PlayCanvas SOG v2: files written without Splat4D (Pillow's WebP, the published layout; see
/// Tests/Fixtures/sog/README.md), our writer read back, both forms, sequences and hostile input.
final class SOGTests: XCTestCase, UnitBallFixture {
    static let folder = TestPaths.fixtures.appendingPathComponent("sog")
    static func fixture(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func dropSH(_ s: SplatCloud) -> SplatCloud {
        let k = s.coefficientsPerGaussian
        return SplatCloud(positions: s.positions, scales: s.scales, rotations: s.rotations, opacities: s.opacities,
                          shDegree: 0, sh: (0..<s.count).flatMap { Array(s.sh[($0 * k * 3)..<($0 * k * 3 + 3)]) })
    }

    /// Gaussian by Gaussian (same order): positions within one 16-bit step of the log-transformed
    /// bounds, rotations within the 8-bit smallest-three step, opacities within half an 8-bit step.
    func assertWithinSteps(_ decoded: SplatCloud, _ source: SplatCloud, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(decoded.count, source.count, file: file, line: line)
        let logs = source.positions.map { p in SIMD3((0..<3).map { SOGWriter.logTransform(p[$0]) }) }
        let lo = logs.reduce(SIMD3<Float>(repeating: .infinity)) { pointwiseMin($0, $1) }
        let hi = logs.reduce(SIMD3<Float>(repeating: -.infinity)) { pointwiseMax($0, $1) }
        let step = (hi - lo) / 65535
        var worstRotation: Float = 1, worstOpacity: Float = 0, worstPosition: Float = 0
        for i in 0..<source.count {
            let l = SIMD3((0..<3).map { SOGWriter.logTransform(decoded.positions[i][$0]) })
            worstPosition = max(worstPosition, ((l - logs[i]) / step).max())
            worstPosition = max(worstPosition, ((logs[i] - l) / step).max())
            worstRotation = min(worstRotation, abs((decoded.rotations[i] * normalizedQuaternion(source.rotations[i])).sum()))
            worstOpacity = max(worstOpacity, abs(decoded.opacities[i] - source.opacities[i]))
        }
        XCTAssertLessThanOrEqual(worstPosition, 0.51, "positions in 16-bit steps", file: file, line: line)
        XCTAssertGreaterThan(worstRotation, 0.9998, "rotation |q·q'|", file: file, line: line)
        XCTAssertLessThanOrEqual(worstOpacity, 0.5 / 255 + 1e-5, "opacity", file: file, line: line)
    }

    // MARK: - Files written without Splat4D

    /// Every value is the entry of the file's own codebook nearest the source's value.
    func assertNearestEntries(_ decoded: [Float], _ source: [Float], codebook: [Float], _ what: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        var worst: Float = 0
        for (d, v) in zip(decoded, source) {
            let best = codebook.map { abs($0 - v) }.min()!
            worst = max(worst, abs(d - v) - best)
        }
        XCTAssertLessThan(worst, 1e-4, what, file: file, line: line)
    }

    func codebook(_ key: String, in bundle: String) throws -> [Float] {
        let archive = try ZipArchive(data: Data(contentsOf: URL(fileURLWithPath: bundle)), path: bundle, kind: "SOG bundle")
        let meta = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(archive.read("meta.json", limit: 1 << 20))) as? [String: Any])
        return try XCTUnwrap((meta[key] as? [String: Any])?["codebook"] as? [Double]).map(Float.init)
    }

    func testPillowBundleDecodesWithinItsQuantisationSteps() throws {
        let source = try source()
        let loaded = try SceneLoader.load(path: Self.fixture("pillow.sog"))
        XCTAssertEqual(loaded.format, .sog)
        XCTAssertEqual(loaded.formatDetail, "PlayCanvas SOG v2 (bundle), SH degree 3")
        XCTAssertEqual(loaded.cloud.shDegree, 3)
        let cloud = loaded.cloud
        assertWithinSteps(cloud, source)
        assertNearestEntries(cloud.scales.flatMap { [log($0.x), log($0.y), log($0.z)] },
                             source.scales.flatMap { [log($0.x), log($0.y), log($0.z)] },
                             codebook: try codebook("scales", in: Self.fixture("pillow.sog")), "log scales")
        let dc = { (c: SplatCloud) in (0..<c.count).flatMap { i -> [Float] in let v = c.shCoefficient(i, 0); return [v.x, v.y, v.z] } }
        assertNearestEntries(dc(cloud), dc(source), codebook: try codebook("sh0", in: Self.fixture("pillow.sog")), "f_dc")
        // The higher bands come from a 512-entry palette: close to the source's on the whole.
        var squares: Double = 0, count = 0
        for i in 0..<cloud.count {
            for j in 1..<16 {
                let d = cloud.shCoefficient(i, j) - source.shCoefficient(i, j)
                squares += Double((d * d).sum())
                count += 3
            }
        }
        XCTAssertLessThan((squares / Double(count)).squareRoot(), 0.05, "SH rest RMS")
        XCTAssertGreaterThanOrEqual(try psnr(cloud, source), 40)
        // Without the palette (DC only), it renders like the source quantised by our writer.
        let quantised = try SceneLoader.load(data: SOGWriter.encode(dropSH(source)), path: "ours.sog").cloud
        XCTAssertGreaterThanOrEqual(try psnr(dropSH(cloud), quantised), 45)
    }

    func testPillowFolderFormOpensAsTheFolderOrItsMetaJSON() throws {
        let source = dropSH(try source())
        let folder = try SceneLoader.load(path: Self.fixture("pillow-sh0"))
        let meta = try SceneLoader.load(path: Self.fixture("pillow-sh0/meta.json"))
        XCTAssertEqual(folder.format, .sog)
        XCTAssertEqual(folder.formatDetail, "PlayCanvas SOG v2 (folder), SH degree 0")
        XCTAssertEqual(folder.cloud, meta.cloud)
        // SceneLoader.open (the CLI's way in) takes the folder as one scene, not as a frame sequence.
        let opened = try SceneLoader.open(path: Self.fixture("pillow-sh0"))
        XCTAssertEqual(opened.format, .sog)
        XCTAssertNil(opened.stream)
        assertWithinSteps(folder.cloud, source)
        let quantised = try SceneLoader.load(data: SOGWriter.encode(source), path: "ours.sog").cloud
        XCTAssertGreaterThanOrEqual(try psnr(folder.cloud, quantised), 45)
    }

    // MARK: - Our writer

    func testWriterRoundTripsWithinTheStepsAndIsDeterministic() throws {
        let camera = Fixtures.camera()
        for degree in [0, 1, 3] {
            let cloud = Fixtures.randomCloud(count: 300, degree: degree, seed: UInt64(10 + degree), camera: camera)
            let bytes = try SOGWriter.encode(cloud)
            if degree == 1 { XCTAssertEqual(try SOGWriter.encode(cloud), bytes, "same cloud, same bytes") }
            let loaded = try SceneLoader.load(data: bytes, path: "round.sog")
            XCTAssertEqual(loaded.format, .sog)
            XCTAssertEqual(loaded.cloud.shDegree, degree)
            // The writer reorders (Morton): put the source in that order to compare one by one.
            let order = CompressedPLY.mortonOrder(cloud.positions)
            let k = cloud.coefficientsPerGaussian
            let sorted = SplatCloud(positions: order.map { cloud.positions[$0] }, scales: order.map { cloud.scales[$0] },
                                    rotations: order.map { cloud.rotations[$0] }, opacities: order.map { cloud.opacities[$0] },
                                    shDegree: degree, sh: order.flatMap { Array(cloud.sh[($0 * k * 3)..<(($0 + 1) * k * 3)]) })
            assertWithinSteps(loaded.cloud, sorted)
            // 256 log-scale and colour centroids for 900 values each: small errors on the whole
            // (k-means leaves the rare outliers of the random mix coarser).
            var scaleError: Double = 0, colourError: Double = 0
            for i in 0..<sorted.count {
                for a in 0..<3 {
                    scaleError += Double(pow(log(loaded.cloud.scales[i][a] / sorted.scales[i][a]), 2))
                    colourError += Double(pow(loaded.cloud.shCoefficient(i, 0)[a] - sorted.shCoefficient(i, 0)[a], 2))
                }
            }
            XCTAssertLessThan((scaleError / Double(3 * sorted.count)).squareRoot(), 0.05, "log-scale RMS error, degree \(degree)")
            XCTAssertLessThan((colourError / Double(3 * sorted.count)).squareRoot(), 0.01, "f_dc RMS error, degree \(degree)")
            // Random SH of degree 3 has no structure for a palette to find: the render is checked on the fixture below.
            if degree < 3 { XCTAssertGreaterThanOrEqual(try psnr(loaded.cloud, cloud), degree == 0 ? 40 : 30, "degree \(degree)") }
        }
        // A scene's SH (the fixture's 1000 Gaussians of synthetic.ply, degree 3).
        let source = try source()
        let back = try SceneLoader.load(data: SOGWriter.encode(source), path: "ours.sog").cloud
        XCTAssertGreaterThanOrEqual(try psnr(back, source), 40)
    }

    func testImagesAreLaidOutAsTheFormatWants() throws {
        let cloud = Fixtures.randomCloud(count: 1000, degree: 1, seed: 4, camera: Fixtures.camera())
        let archive = try ZipArchive(data: SOGWriter.encode(cloud), path: "x.sog", kind: "SOG bundle")
        XCTAssertEqual(archive.entries.map(\.name), ["meta.json", "means_l.webp", "means_u.webp", "scales.webp", "quats.webp",
                                                    "sh0.webp", "shN_centroids.webp", "shN_labels.webp"])
        // ⌈√1000 / 4⌉·4 = 32 wide, ⌈1000 / 32 / 4⌉·4 = 32 high; the palette 512 entries (PlayCanvas's
        // size for 1000) of 3 coefficients: 64·3 wide, 8 rows.
        for name in ["means_l.webp", "quats.webp", "shN_labels.webp"] {
            let size = try XCTUnwrap(WebPImage.size(of: Data(archive.read(name, limit: 1 << 20))))
            XCTAssertEqual([size.width, size.height], [32, 32], name)
        }
        let centroids = try XCTUnwrap(WebPImage.size(of: Data(archive.read("shN_centroids.webp", limit: 1 << 20))))
        XCTAssertEqual([centroids.width, centroids.height], [192, 8])
        let meta = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(archive.read("meta.json", limit: 1 << 20))) as? [String: Any])
        XCTAssertEqual(meta["version"] as? Int, 2)
        XCTAssertEqual(meta["count"] as? Int, 1000)
        XCTAssertEqual(((meta["scales"] as? [String: Any])?["codebook"] as? [Any])?.count, 256)
        XCTAssertEqual((meta["shN"] as? [String: Any])?["count"] as? Int, 512)
        XCTAssertEqual((meta["shN"] as? [String: Any])?["bands"] as? Int, 1)
    }

    func testOneSOGCodebookPerDistinctValueWhenTheyFit() {
        let (book, labels) = SOGCodebook.scalar([3, 1, 2, 1, 3])
        XCTAssertEqual(Array(book.prefix(3)), [1, 2, 3])
        XCTAssertEqual(book.count, 256)
        XCTAssertEqual(labels, [2, 0, 1, 0, 2])
        // More distinct values than entries: ascending centroids, each value's label its nearest.
        let values = (0..<2000).map { Float(($0 * 7919) % 2000) / 100 }
        let many = SOGCodebook.scalar(values)
        XCTAssertEqual(many.centroids, many.centroids.sorted())
        for (v, label) in zip(values, many.labels) {
            let distances = many.centroids.map { abs($0 - v) }
            XCTAssertEqual(distances[Int(label)], distances.min()!, accuracy: 1e-6)
        }
    }

    func testPalettesNearestCentroidIsTheNearest() {
        var rng = SplitMix64(seed: 5)
        let d = 9, n = 3000, size = 300
        // Clustered data (like SH coefficients): a few centres plus noise.
        let centres = (0..<20 * d).map { _ in rng.uniform(-1, 1) }
        let vectors = (0..<n).flatMap { i in (0..<d).map { e in centres[(i % 20) * d + e] + 0.1 * rng.uniform(-1, 1) } }
        let centroids = (0..<size * d).map { _ in rng.uniform(-1.2, 1.2) }
        let labels = SOGCodebook.assign(vectors, rows: Array(0..<n), dimension: d, centroids: centroids)
        for i in 0..<n {
            let distances = (0..<size).map { j in (0..<d).reduce(Float(0)) { $0 + pow(vectors[i * d + $1] - centroids[j * d + $1], 2) } }
            XCTAssertEqual(labels[i], distances.indices.min { distances[$0] < distances[$1] }!, "vector \(i)")
        }
    }

    func testWebPRoundTripIsLosslessAndExact() throws {
        var rgba = [UInt8](repeating: 0, count: 5 * 3 * 4)
        for i in rgba.indices { rgba[i] = UInt8((i * 37) & 0xFF) }
        for p in 0..<15 where p % 3 == 0 { rgba[p * 4 + 3] = 0 }  // RGB under alpha 0 must survive
        let image = WebPImage(width: 5, height: 3, rgba: rgba)
        let decoded = try WebPImage.decode(image.losslessWebP(), path: "x.webp", maxPixels: 15)
        XCTAssertEqual(decoded, image)
        assertFileProblem("the WebP image is 5×3, more than the 14 pixels expected") {
            _ = try WebPImage.decode(image.losslessWebP(), path: "x.webp", maxPixels: 14)
        }
        assertFileProblem("not a WebP image (bad header)") { _ = try WebPImage.decode(Data("RIFF".utf8), path: "x", maxPixels: 9) }
    }

    // MARK: - Sequences and the CLI's formats

    func testAFolderOfSOGFramesOpensAsASequence() throws {
        let folder = try TestPaths.temporaryFolder(for: self)
        let camera = Fixtures.camera()
        for k in 0..<2 {
            let cloud = Fixtures.randomCloud(count: 40, degree: 0, seed: UInt64(k), camera: camera)
            try SOGWriter.encode(cloud).write(to: folder.appendingPathComponent("take_\(k + 1).sog"))
        }
        let opened = try SceneLoader.open(path: folder.path)
        XCTAssertEqual(opened.format, .frameSequence)
        XCTAssertEqual(opened.formatDetail, "2 frames of sog, streamed")
        XCTAssertEqual(try XCTUnwrap(opened.stream).times, [0, 1])
        XCTAssertEqual(try opened.slice(at: 1).count, 40)
        XCTAssertEqual(ExportFormat(path: "out/take_0001.SOG"), .sog)
    }

    // MARK: - Hostile input

    /// pillow.sog with some members replaced (nil removes one).
    func patchedBundle(_ changes: [String: [UInt8]?]) throws -> Data {
        let archive = try ZipArchive(data: Data(contentsOf: URL(fileURLWithPath: Self.fixture("pillow.sog"))), path: "x", kind: "SOG bundle")
        var members: [(name: String, bytes: [UInt8])] = []
        for entry in archive.entries {
            if let change = changes[entry.name] {
                if let bytes = change { members.append((entry.name, bytes)) }
            } else {
                members.append((entry.name, try archive.read(entry, limit: 1 << 24)))
            }
        }
        return ZipWriter.stored(members)
    }

    func meta(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let archive = try ZipArchive(data: Data(contentsOf: URL(fileURLWithPath: Self.fixture("pillow.sog"))), path: "x", kind: "SOG bundle")
        var root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(archive.read("meta.json", limit: 1 << 20))) as? [String: Any])
        edit(&root)
        return [UInt8](try JSONSerialization.data(withJSONObject: root))
    }

    func load(_ data: Data) throws { _ = try SceneLoader.load(data: data, path: "bad.sog") }

    func testHostileBundlesAreRefusedInOneLine() throws {
        let good = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("pillow.sog")))
        assertFileProblem("not a SOG bundle (ZIP) file: no end-of-central-directory record") { try self.load(good.prefix(good.count / 2)) }
        assertFileProblem("SOG version 1 (meta.json without 'version') is not supported; only SOG version 2 is read") {
            try self.load(try self.patchedBundle(["meta.json": try self.meta { $0["version"] = nil }]))
        }
        assertFileProblem("SOG version 3 is not supported; only SOG version 2 is read") {
            try self.load(try self.patchedBundle(["meta.json": try self.meta { $0["version"] = 3 }]))
        }
        assertFileProblem("meta.json is not valid JSON") {
            try self.load(try self.patchedBundle(["meta.json": Array("{\"version\": 2, ".utf8)]))
        }
        assertFileProblem("meta.json has no 'quats'") {
            try self.load(try self.patchedBundle(["meta.json": try self.meta { $0["quats"] = nil }]))
        }
        assertFileProblem("meta.json's 'sh0.codebook' must be a list of 1 to 256 numbers") {
            try self.load(try self.patchedBundle(["meta.json": try self.meta { $0["sh0"] = ["codebook": [], "files": ["sh0.webp"]] }]))
        }
        assertFileProblem("meta.json's 'scales.files' names '../scales.webp', not a file beside meta.json") {
            try self.load(try self.patchedBundle(["meta.json": try self.meta {
                $0["scales"] = ["codebook": [0.5], "files": ["../scales.webp"]]
            }]))
        }
        assertFileProblem("SOG bundle has no member 'quats.webp'") { try self.load(try self.patchedBundle(["quats.webp": nil])) }
    }

    func testAFolderMissingAnImageNamesTheFile() throws {
        let folder = try TestPaths.temporaryFolder(for: self)
        let source = Self.folder.appendingPathComponent("pillow-sh0")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name != "scales.webp" {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        XCTAssertThrowsError(try SceneLoader.load(path: folder.path)) { error in
            XCTAssertEqual(error as? SceneFileError, SceneFileError(path: folder.appendingPathComponent("scales.webp").path, problem: "no such file"))
        }
    }

    func testImagesThatDoNotFitTheCountAreRefused() throws {
        // Count larger than the images: 32×32 holds 1024.
        assertFileProblem("the means_l image is 32×32 (1024 pixels), fewer than the 1025 Gaussians meta.json declares") {
            try self.load(try self.patchedBundle(["meta.json": try self.meta { $0["count"] = 1025 }]))
        }
        // A smaller sh0 image.
        let small = WebPImage(width: 8, height: 8, rgba: [UInt8](repeating: 255, count: 256)).losslessWebP()
        assertFileProblem("the sh0 image is 8×8 (64 pixels), fewer than the 1000 Gaussians meta.json declares") {
            try self.load(try self.patchedBundle(["sh0.webp": [UInt8](small)]))
        }
        // A huge image declared by a small file is refused before its pixels are allocated.
        let big = WebPImage(width: 16000, height: 5, rgba: [UInt8](repeating: 7, count: 320_000)).losslessWebP()
        XCTAssertLessThan(big.count, 1000)
        assertFileProblem("the WebP image is 16000×5, more than the 69536 pixels expected") {
            try self.load(try self.patchedBundle(["scales.webp": [UInt8](big)]))
        }
        // The palette image must be 64 × coefficients wide.
        assertFileProblem("the shN centroids image is 8×8; palette entries of SH degree 3 need it 960 wide") {
            try self.load(try self.patchedBundle(["shN_centroids.webp": [UInt8](small)]))
        }
        // A damaged image.
        let quats = try ZipArchive(data: Data(contentsOf: URL(fileURLWithPath: Self.fixture("pillow.sog"))), path: "x",
                                   kind: "SOG bundle").read("quats.webp", limit: 1 << 20)
        assertFileProblem("the WebP image (32×32) cannot be decoded (truncated or damaged)") {
            try self.load(try self.patchedBundle(["quats.webp": Array(quats.prefix(quats.count / 2))]))
        }
        // A quaternion without its tag, and a colour index past a short codebook.
        let untagged = WebPImage(width: 32, height: 32, rgba: [UInt8](repeating: 128, count: 32 * 32 * 4).enumerated().map {
            $0.offset % 4 == 3 ? 0 : $0.element
        }).losslessWebP()
        assertFileProblem("Gaussian 0's largest-component tag is 0, not 252 to 255") {
            try self.load(try self.patchedBundle(["quats.webp": [UInt8](untagged)]))
        }
        XCTAssertThrowsError(try self.load(try self.patchedBundle(["meta.json": try self.meta {
            $0["sh0"] = ["codebook": [0.25, 0.5], "files": ["sh0.webp"]]
        }]))) { error in
            let problem = (error as? SceneFileError)?.problem ?? ""
            XCTAssertTrue(problem.hasPrefix("Gaussian ") && problem.hasSuffix("is past the 2-entry sh0.codebook"), problem)
        }
        // A palette label past shN.count.
        XCTAssertThrowsError(try self.load(try self.patchedBundle(["meta.json": try self.meta {
            var shN = $0["shN"] as! [String: Any]
            shN["count"] = 449  // still 8 rows of 64, but labels go to 511
            $0["shN"] = shN
        }]))) { error in
            let problem = (error as? SceneFileError)?.problem ?? ""
            XCTAssertTrue(problem.hasPrefix("Gaussian ") && problem.hasSuffix("is past the 449 palette entries"), problem)
            XCTAssertEqual((error as? SceneFileError)?.path, "bad.sog:shN_labels.webp")
        }
    }
}
