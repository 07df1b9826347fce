import Foundation
import SplatCore
@testable import SplatFormats
import SplatTestSupport
import XCTest

/// Dynamic 3D Gaussians npz read one timestep at a time: stored members by offset, deflated ones
/// through a forward inflater (jumping back restarts it), each timestep exactly the whole-file
/// reader's frame; damage found while streaming is named by member and timestep.
final class DynamicGaussiansTimestepsTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try TestPaths.temporaryFolder(for: self) }

    /// Four timesteps of `count` Gaussians (SH degree 0), as the npz writer stores them.
    func members(count: Int = 300) -> [(String, [UInt8])] {
        let frames = (0..<4).map { k -> SplatCloud in
            var cloud = Fixtures.randomCloud(count: count, degree: 0, seed: 11, camera: Fixtures.camera(), mix: [.ordinary])
            cloud.positions = cloud.positions.map { $0 + SIMD3(Float(k) * 0.05, 0, 0) }
            cloud.rotations = cloud.rotations.map { $0 * Float(k + 1) }  // unnormalised, as the trainer stores them
            return cloud
        }
        let zip = try! ZipArchive(data: DynamicGaussiansNPZ.write(frames), path: "w.npz")
        return zip.entries.map { ($0.name, try! zip.read($0, limit: 1 << 30)) }
    }

    /// An archive of `members`, the (T, N, C) arrays deflated when `deflate`.
    func archive(_ members: [(String, [UInt8])], deflate: Bool) -> Data {
        var zip = TestZipWriter()
        zip.members = members.map { name, bytes in
            let timeVarying = ["means3D.npy", "unnorm_rotations.npy", "rgb_colors.npy"].contains(name)
            return deflate && timeVarying
                ? .init(name: name, content: bytes, method: 8, compressed: [UInt8](Deflate.compress(Data(bytes))))
                : .init(name: name, content: bytes)
        }
        return Data(zip.archive())
    }

    func testEveryTimestepIsTheWholeFileReadersFrameStoredOrDeflatedInAnyOrder() throws {
        for deflate in [false, true] {
            let data = archive(members(), deflate: deflate)
            let path = folder.appendingPathComponent("p\(deflate).npz").path
            try data.write(to: URL(fileURLWithPath: path))
            let eager = try XCTUnwrap(try SceneLoader.load(path: path).scene.keyframes)
            let timesteps = try DynamicGaussiansTimesteps(path: path)
            XCTAssertEqual(timesteps.timesteps, 4)
            XCTAssertEqual(timesteps.count, 300)
            for k in [0, 3, 1, 2, 2, 0] {  // backwards jumps restart the inflater
                XCTAssertEqual(try timesteps.decodeTimestep(k), eager.frames[k], "deflated \(deflate), timestep \(k)")
            }
        }
    }

    func testTheLoaderStreamsTheBundledCaptureWithTheEagerTimesAndFrames() throws {
        let path = TestPaths.scene("dancer.npz")
        let options = SceneLoader.Options(frameRate: 30)
        let eager = try SceneLoader.load(path: path, options: options).scene
        let loaded = try SceneLoader.open(path: path, options: options, cacheBytes: 1 << 20)
        XCTAssertEqual(loaded.format, .dynamicGaussiansNPZ)
        XCTAssertTrue(loaded.formatDetail.hasSuffix("timesteps, streamed"), loaded.formatDetail)
        let stream = try XCTUnwrap(loaded.stream)
        XCTAssertEqual(stream.times, eager.keyframes?.times)
        XCTAssertEqual(loaded.scene.metadata.timeRange, eager.metadata.timeRange)
        let end = try XCTUnwrap(eager.metadata.timeRange).upperBound
        for t in [0, end * 0.37, end * 0.5, end] {
            XCTAssertEqual(try stream.window(at: t).scene.slice(at: t), eager.slice(at: t), "t = \(t)")
        }
    }

    func testATruncatedOrDamagedArrayIsNamedByMemberWhenItsTimestepIsRead() throws {
        // Members larger than the inflater's 256 KB input buffer, so the cut is met while reading.
        let parts = members(count: 30_000)
        for deflate in [false, true] {
            let data = archive(parts, deflate: deflate)
            let path = folder.appendingPathComponent("cut\(deflate).npz").path
            try data.write(to: URL(fileURLWithPath: path))
            let timesteps = try DynamicGaussiansTimesteps(path: path)
            XCTAssertNoThrow(try timesteps.decodeTimestep(0))
            // The capture is cut short on disk while it plays: a clear error, never a crash.
            try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try timesteps.decodeTimestep(3)) { error in
                let problem = (error as? SceneFileError)?.problem ?? "\(error)"
                XCTAssertTrue(problem.hasPrefix("npz member 'means3D.npy' ") || problem.hasPrefix("npz member 'unnorm_rotations.npy' ")
                              || problem.hasPrefix("npz member 'rgb_colors.npy' "), problem)
                XCTAssertTrue(deflate ? problem.contains("is damaged (") : problem.contains("the file was truncated"), problem)
            }
        }
    }

    func testANonFiniteValueInATimestepIsReportedWithTheWholeFileReadersWords() throws {
        var parts = members()
        let means = try NPYArray.parse(parts[0].1, name: "means3D.npy", path: "x")
        var values = means.values
        values[2 * 300 * 3 + 7] = .nan
        parts[0].1 = NPYWriter.float32(values, shape: means.shape)
        let path = folder.appendingPathComponent("nan.npz").path
        try archive(parts, deflate: true).write(to: URL(fileURLWithPath: path))
        let timesteps = try DynamicGaussiansTimesteps(path: path)
        XCTAssertNoThrow(try timesteps.decodeTimestep(1))
        XCTAssertThrowsError(try timesteps.decodeTimestep(2)) {
            XCTAssertEqual(($0 as? SceneFileError)?.problem, "non-finite value in 'means3D' at element \(2 * 300 * 3 + 7)")
        }
        XCTAssertThrowsError(try SceneLoader.load(path: path)) {
            XCTAssertEqual(($0 as? SceneFileError)?.problem, "non-finite value in 'means3D' at element \(2 * 300 * 3 + 7)")
        }
    }
}
