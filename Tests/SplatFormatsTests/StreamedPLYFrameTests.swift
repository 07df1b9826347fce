import Foundation
import SplatCore
@testable import SplatFormats
import SplatTestSupport
import XCTest

/// The streamed frame reader: the standard 3DGS PLY read in pieces gives exactly the registry's
/// cloud, writes into a reused cloud's arrays, and leaves everything else to the whole-file path.
final class StreamedPLYFrameTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try TestPaths.temporaryFolder(for: self) }

    func write(_ name: String, _ data: Data) throws -> String {
        let url = folder.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func testPiecesGiveExactlyTheRegistrysCloudForEveryDegree() throws {
        for degree in 0...3 {
            let cloud = SceneGenerator.benchmarkBall(count: 1000, seed: UInt64(degree), shDegree: degree)
            let path = try write("d\(degree).ply", PLYWriter.gaussianPLY(cloud))
            let expected = try SceneLoader.load(path: path).cloud
            // 7 records a piece: many pieces and a short last one.
            let stride = 4 * (17 + 3 * SplatCloud.coefficientCount(degree: degree))
            for pieceBytes in [7 * stride + 5, 8 << 20] {
                var none: SplatCloud? = nil
                let streamed = try XCTUnwrap(StreamedPLYFrame(path: path, pieceBytes: pieceBytes).decode(reusing: &none))
                XCTAssertEqual(streamed, expected, "degree \(degree), \(pieceBytes)-byte pieces")
            }
        }
    }

    func testACloudOfTheSameShapeIsOverwrittenInPlace() throws {
        let a = SceneGenerator.benchmarkBall(count: 500, seed: 1, shDegree: 2)
        let b = SceneGenerator.benchmarkBall(count: 500, seed: 2, shDegree: 2)
        let pathA = try write("a.ply", PLYWriter.gaussianPLY(a)), pathB = try write("b.ply", PLYWriter.gaussianPLY(b))
        var none: SplatCloud? = nil
        var storage: SplatCloud? = try StreamedPLYFrame(path: pathA).decode(reusing: &none)
        let shAddress = storage?.sh.withUnsafeBufferPointer { $0.baseAddress }
        let positionsAddress = storage?.positions.withUnsafeBufferPointer { $0.baseAddress }
        let frameB = try XCTUnwrap(StreamedPLYFrame(path: pathB).decode(reusing: &storage))
        XCTAssertNil(storage, "the storage is taken")
        XCTAssertEqual(frameB, try SceneLoader.load(path: pathB).cloud)
        XCTAssertEqual(frameB.sh.withUnsafeBufferPointer { $0.baseAddress }, shAddress, "written into the same SH array")
        XCTAssertEqual(frameB.positions.withUnsafeBufferPointer { $0.baseAddress }, positionsAddress)
        // Another shape: a new cloud, still exactly the file's.
        var small: SplatCloud? = SceneGenerator.benchmarkBall(count: 10, seed: 3, shDegree: 2)
        XCTAssertEqual(try StreamedPLYFrame(path: pathA).decode(reusing: &small), try SceneLoader.load(path: pathA).cloud)
    }

    func testEverythingButTheStandardLayoutIsLeftToTheWholeFilePath() throws {
        let cloud = SceneGenerator.benchmarkBall(count: 100, seed: 5, shDegree: 1)
        var nan = cloud
        nan.positions[42].y = .nan
        var cases: [(String, Data)] = [
            ("ascii.ply", PLYWriter.gaussianPLY(cloud, encoding: .ascii)),
            ("big-endian.ply", PLYWriter.gaussianPLY(cloud, encoding: .binaryBigEndian)),
            ("trailing.ply", PLYWriter.gaussianPLY(cloud) + Data([1, 2, 3])),
            ("truncated.ply", PLYWriter.gaussianPLY(cloud).dropLast(10)),
            ("nan.ply", PLYWriter.gaussianPLY(nan)),
            ("empty.ply", Data()),
            ("not-a-ply.ply", Data("hello".utf8)),
        ]
        // Every PLY that the registry reads as another format (4D layouts, compressed PLY, ...).
        for format in SceneFormats.all where format.id != .gaussianPLY {
            for seed in try format.fuzzSeeds() where PLYHeader.hasMagic(seed.data) {
                let source = SceneSource(path: seed.fileName, data: seed.data)
                guard SceneFormats.all.first(where: { $0.detects(source) })?.id != .gaussianPLY else { continue }
                cases.append(("\(format.id.rawValue)-\(seed.fileName)", seed.data))
            }
        }
        XCTAssertGreaterThan(cases.count, 9, "the registry has other PLY-based formats")
        for (name, data) in cases {
            let path = try write(name, data)
            var none: SplatCloud? = nil
            XCTAssertNil(try StreamedPLYFrame(path: path).decode(reusing: &none), name)
        }
        var none: SplatCloud? = nil
        XCTAssertNil(try StreamedPLYFrame(path: folder.path + "/missing.ply").decode(reusing: &none))
    }
}
