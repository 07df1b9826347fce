import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats

/// The keyframe formats (per-frame PLY sequences, Dynamic 3D Gaussians npz): loading and field mappings.
final class KeyframeFormatsTests: XCTestCase {
    func frame(_ x: Float) -> SplatCloud {
        SplatCloud(positions: [[x, 2 * x, 0]], scales: [SIMD3(repeating: 0.1)], rotations: [[1, 0, 0, 0]],
                   opacities: [0.5], shDegree: 0, sh: [0.2, 0.2, 0.2])
    }

    func testNaturalOrderAndPLYSequenceLoading() throws {
        XCTAssertEqual(["f10.ply", "f2.ply", "f1.ply", "a.ply"].sorted(by: PLYSequence.naturalOrder), ["a.ply", "f1.ply", "f2.ply", "f10.ply"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plyseq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, x) in [("frame_10.ply", Float(10)), ("frame_2.ply", 2), ("frame_1.ply", 1)] {
            try PLYWriter.gaussianPLY(frame(x)).write(to: folder.appendingPathComponent(name))
        }
        try Data("not a frame".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let scene = try SceneLoader.load(path: folder.path, options: SceneLoader.Options(frameRate: 4))
        XCTAssertEqual(scene.format, .plySequence)
        XCTAssertEqual(scene.scene.keyframes?.times, [0, 0.25, 0.5])
        XCTAssertEqual(scene.scene.metadata.timeUnit, "seconds")
        XCTAssertEqual(scene.scene.slice(at: 0.375).positions[0].x, 6, accuracy: 1e-5)  // between 2 and 10
        let glob = try SceneLoader.load(path: folder.appendingPathComponent("frame_?.ply").path)
        XCTAssertEqual(glob.scene.keyframes?.frames.count, 2)
        XCTAssertEqual(glob.scene.metadata.timeUnit, "frames")
    }

    func testDynamicGaussiansNPZMapping() throws {
        // Two timesteps of one Gaussian; the writer and loader are inverse mappings.
        let a = SplatCloud(positions: [[1, 2, 3]], scales: [[0.1, 0.2, 0.3]], rotations: [[1, 0, 0, 0]], opacities: [0.75],
                           shDegree: 0, sh: [(0.25 - 0.5) / SphericalHarmonics.c0, 0, (1 - 0.5) / SphericalHarmonics.c0])
        var b = a
        b.positions = [[3, 2, 1]]
        b.rotations = [[0, 1, 0, 0]]
        let data = DynamicGaussiansNPZ.write([a, b])
        let scene = try SceneLoader.load(data: data, path: "params.npz", options: SceneLoader.Options(frameRate: 2)).scene
        let frames = try XCTUnwrap(scene.keyframes)
        XCTAssertEqual(frames.times, [0, 0.5])
        XCTAssertEqual(frames.frames[1].positions, [[3, 2, 1]])
        XCTAssertEqual(frames.frames[1].rotations, [[0, 1, 0, 0]])
        XCTAssertEqual(frames.frames[0].scales[0].z, 0.3, accuracy: 1e-6)
        XCTAssertEqual(frames.frames[0].opacities[0], 0.75, accuracy: 1e-6)
        // Plain RGB comes back as the DC term whose colour is that RGB.
        let colour = SphericalHarmonics.colour(of: frames.frames[0], index: 0, cameraPosition: [0, 0, -10])
        XCTAssertEqual(colour.x, 0.25, accuracy: 1e-6)
        XCTAssertEqual(colour.z, 1, accuracy: 1e-6)
    }

    func testDynamicGaussiansNPZErrors() {
        func problem(_ members: [(String, [UInt8])]) -> String? {
            do { _ = try DynamicGaussiansNPZ.scene(data: ZipWriter.stored(members), path: "p.npz", frameRate: nil); return nil } catch {
                return (error as? SceneFileError)?.problem
            }
        }
        let means = NPYWriter.float32(Array(repeating: 0, count: 2 * 3 * 3), shape: [2, 3, 3])
        let rotations = NPYWriter.float32(Array(repeating: 1, count: 2 * 3 * 4), shape: [2, 3, 4])
        let colours = NPYWriter.float32(Array(repeating: 0.5, count: 2 * 3 * 3), shape: [2, 3, 3])
        let scales = NPYWriter.float32(Array(repeating: -2, count: 3), shape: [3, 1])
        let opacities = NPYWriter.float32(Array(repeating: 0, count: 3), shape: [3, 1])
        let complete = [("means3D.npy", means), ("unnorm_rotations.npy", rotations), ("rgb_colors.npy", colours),
                        ("log_scales.npy", scales), ("logit_opacities.npy", opacities)]
        XCTAssertNil(problem(complete))
        XCTAssertEqual(problem(complete.filter { $0.0 != "rgb_colors.npy" }),
                       "npz has no 'rgb_colors' array (Dynamic 3D Gaussians params need means3D, unnorm_rotations, rgb_colors, log_scales, logit_opacities)")
        var badShape = complete
        badShape[1] = ("unnorm_rotations.npy", NPYWriter.float32(Array(repeating: 1, count: 2 * 3 * 3), shape: [2, 3, 3]))
        XCTAssertEqual(problem(badShape), "unnorm_rotations must have shape (2, 3, 4), got [2, 3, 3]")
        var nan = complete
        nan[3] = ("log_scales.npy", NPYWriter.float32([-2, .nan, -2], shape: [3, 1]))
        XCTAssertEqual(problem(nan), "non-finite value in 'log_scales' at element 1")
    }
}
