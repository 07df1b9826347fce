import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats
import SplatTestSupport

/// The one list of formats: every registered format recognises and decodes its own seeds, every
/// reader is fuzzed from the same list, and encoders round-trip what their decoders read.
final class RegistryTests: XCTestCase {
    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// Loads each seed through `SceneLoader` (a folder of them for the folder format).
    func loadSeeds(of format: any SceneFormat) throws -> [LoadedScene] {
        let folder = try temporaryFolder()
        let seeds = try format.fuzzSeeds()
        for seed in seeds { try seed.data.write(to: folder.appendingPathComponent(seed.fileName)) }
        if format.detects(SceneSource(path: folder.path, data: nil)) { return [try SceneLoader.load(path: folder.path)] }
        return try seeds.map { try SceneLoader.load(path: folder.appendingPathComponent($0.fileName).path) }
    }

    func readsSeedsAsFolder(_ format: any SceneFormat) throws -> Bool {
        let folder = try temporaryFolder()
        for seed in try format.fuzzSeeds() { try seed.data.write(to: folder.appendingPathComponent(seed.fileName)) }
        return format.detects(SceneSource(path: folder.path, data: nil))
    }

    func testEveryFormatDetectsAndDecodesItsOwnSeeds() throws {
        XCTAssertEqual(SceneFormats.all.map(\.id.rawValue),
                       ["4dgaussians", "sog", "ply-sequence", "splatv", "4dgs-checkpoint", "dynamic3dgs-npz", "spz", "gltf", "compressed-ply", "stg-lite-ply", "4dgs-ply", "3dgs-ply", "ksplat", "splat"])
        for format in SceneFormats.all {
            XCTAssertFalse(try format.fuzzSeeds().isEmpty, "\(format.id) has no seed")
            for loaded in try loadSeeds(of: format) {
                XCTAssertEqual(loaded.format, format.id, "a \(format.id) seed is detected as \(loaded.format)")
                XCTAssertGreaterThan(loaded.scene.count, 0, "\(format.id)")
            }
        }
    }

    func testEverySeedIsClaimedByItsOwnFormatOnly() throws {
        // Strict content tests come first in the list: no earlier format claims a later one's seed.
        // Folder formats (their seeds are a folder's files) are loaded as a folder by loadSeeds.
        for format in SceneFormats.all where try !readsSeedsAsFolder(format) {
            for seed in try format.fuzzSeeds() {
                let source = SceneSource(path: seed.fileName, data: seed.data)
                XCTAssertEqual(try SceneLoader.format(of: source).id, format.id, seed.fileName)
            }
        }
    }

    func testEveryReaderIsFuzzedFromTheRegistry() throws {
        let names = FuzzedReaders.all.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "two readers share a fuzz target name")
        for format in SceneFormats.all { XCTAssertTrue(names.contains(format.name), "\(format.id) is not fuzzed") }
        XCTAssertEqual(names.filter { !SceneFormats.all.map(\.name).contains($0) }, ["cameras", "transforms", "path", "torch-pth"])
        for reader in FuzzedReaders.all {
            XCTAssertEqual(FuzzedReaders.reader(named: reader.name)?.name, reader.name)
            let seeds = try reader.fuzzSeeds()
            XCTAssertFalse(seeds.isEmpty, "\(reader.name) has no seed")
            // A seed is a valid file: the fuzz entry point reads it without an error.
            for seed in seeds { XCTAssertNoThrow(try reader.fuzz(seed.data), "\(reader.name): \(seed.fileName)") }
            XCTAssertThrowsError(try reader.fuzz(Data([0x00, 0x01, 0x02])), reader.name)
        }
    }

    func testTheFuzzHarnessTakesItsReadersFromTheRegistry() throws {
        let root = TestPaths.repositoryRoot
        let target = try String(contentsOf: root.appendingPathComponent("Fuzz/FuzzTarget.swift"), encoding: .utf8)
        XCTAssertTrue(target.contains("FuzzedReaders.reader(named:"))
        let script = try String(contentsOf: root.appendingPathComponent("scripts/fuzz.sh"), encoding: .utf8)
        // The default reader list is the seed folders, one per registered reader: no list in the script.
        XCTAssertTrue(script.contains("mapfile -t formats < <(ls \"$work/seeds\")"))
        XCTAssertFalse(script.contains("formats=(ply"))
    }

    func testEncodersRoundTripTheirDecodedSeeds() throws {
        var encoded: [String] = []
        for format in SceneFormats.all {
            for loaded in try loadSeeds(of: format) {
                let data: Data
                do { data = try format.encode(loaded.scene) } catch let error as SceneEncodingError {
                    XCTAssertEqual(error.format, format.id)
                    continue
                }
                let again = try format.decode(SceneSource(path: "again", data: data), options: .init())
                XCTAssertEqual(again.format, format.id)
                XCTAssertEqual(again.scene.count, loaded.scene.count, "\(format.id)")
                XCTAssertEqual(again.scene.canonical.positions, loaded.scene.canonical.positions, "\(format.id)")
                encoded.append(format.id.rawValue)
            }
        }
        XCTAssertEqual(Set(encoded), ["splatv", "dynamic3dgs-npz", "spz", "gltf", "compressed-ply", "sog", "stg-lite-ply", "3dgs-ply", "splat"])
        XCTAssertThrowsError(try GaussianPLY().encode(SeedScenes.polynomialMotion())) { error in
            XCTAssertEqual("\(error)", "3dgs-ply: holds one static cloud: the scene moves")
            XCTAssertEqual((error as? SplatError)?.kind, .badOption)
        }
    }

    func testOpeningChecks() throws {
        let checks = OpeningChecks(path: "f.bin")
        XCTAssertThrowsError(try SceneLoader.load(data: Data(), path: "f.bin")) { XCTAssertEqual("\($0)", "f.bin: the file is empty") }
        XCTAssertThrowsError(try checks.gaussians(0, shDegree: 0, temporal: false)) {
            XCTAssertEqual("\($0)", "f.bin: the file holds no Gaussians")
        }
        XCTAssertThrowsError(try checks.gaussians(Int.max / 2, shDegree: 3, temporal: true)) {
            XCTAssertEqual(($0 as? SplatError)?.kind, .badInput)
        }
        XCTAssertThrowsError(try [Float(1), .nan].withUnsafeBufferPointer {
            try checks.finite($0, names: ["a", "b"], field: "property", of: "vertex 7")
        }) { XCTAssertEqual("\($0)", "f.bin: non-finite value in property 'b' of vertex 7") }
        XCTAssertEqual(OpeningChecks.firstNonFinite([0, 1, -.infinity, .nan]), 2)
        XCTAssertNil(OpeningChecks.firstNonFinite([0, -1, .greatestFiniteMagnitude]))
        XCTAssertTrue(OpeningChecks.recordsFit(3, each: 32, in: 96))
        XCTAssertFalse(OpeningChecks.recordsFit(4, each: 32, in: 96))
        XCTAssertFalse(OpeningChecks.recordsFit(Int.max, each: 32, in: Int.max))
        XCTAssertNil(OpeningChecks.byteCount(-1, each: 4))
    }

    func testADamagedFileOfAHeaderlessFormatIsExplainedByItsExtension() {
        let odd = Data(repeating: 1, count: 33)
        XCTAssertThrowsError(try SceneLoader.load(data: odd, path: "x.splat")) {
            XCTAssertEqual("\($0)", "x.splat: truncated .splat file: 33 bytes is not a multiple of the 32-byte record size")
        }
        XCTAssertThrowsError(try SceneLoader.load(data: odd, path: "x.bin")) {
            XCTAssertEqual("\($0)", "x.bin: not a PLY or .splat file (unrecognised content)")
        }
    }

    func testOneHalfFloatDecoderForSplatVAndNPY() throws {
        // NPY '<f2' goes through HalfFloat: 1.0, −2.0, the smallest subnormal, −∞.
        let halves: [UInt16] = [0x3C00, 0xC000, 0x0001, 0xFC00]
        var header = "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        for h in halves { bytes += [UInt8(h & 0xFF), UInt8(h >> 8)] }
        let array = try NPYArray.parse(bytes, name: "h.npy", path: "h.npz")
        XCTAssertEqual(array.values, halves.map(HalfFloat.float(fromBits:)))
        XCTAssertEqual(array.values, [1, -2, 0x1p-24, -.infinity])
    }
}
