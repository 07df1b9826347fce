import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats
import SplatTestSupport

/// 4DGS time-varying colour (TemporalSH) against the trainer's own code: Tests/Fixtures/sh4d/ was
/// made by tools/sh4d_fixtures.py (the trainer's eval_shfs_4d on PyTorch, directions as its CUDA
/// kernel takes them, the PLYs written by tools/convert_4dgs_checkpoint.py from checkpoints saved
/// as train.py saves them).
final class TemporalSHTests: XCTestCase {
    struct Expected: Decodable {
        struct Case: Decodable { var camera: [Float]; var time: Float; var colours: [[Float]] }
        struct Model: Decodable { var sh_degree_t: Int; var cases: [Case] }
        var time_duration: [Float]
        var models: [String: Model]
    }

    static let folder = TestPaths.fixtures.appendingPathComponent("sh4d")

    func load(_ name: String) throws -> TemporalCloud {
        try SceneLoader.load(path: Self.folder.appendingPathComponent("\(name).4d.ply").path).scene
    }

    func testColoursMatchTheTrainersKernelWithin1e5() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.folder.appendingPathComponent("expected.json")))
        XCTAssertEqual(expected.models.count, 2)
        for (name, model) in expected.models.sorted(by: { $0.key < $1.key }) {
            let scene = try load(name)
            let colour = try XCTUnwrap(scene.motion?.colour, name)
            XCTAssertEqual(colour.degreeT, model.sh_degree_t, name)
            XCTAssertEqual(colour.duration, expected.time_duration[0]...expected.time_duration[1], name)
            XCTAssertEqual(scene.shDegree, 3, name)
            var worst: Float = 0, compared = 0, lit = 0
            for c in model.cases {
                let camera = SIMD3(c.camera[0], c.camera[1], c.camera[2])
                let slice = scene.states(of: 0..<scene.count, at: c.time)
                XCTAssertEqual(c.colours.count, scene.count)
                for (i, rgb) in c.colours.enumerated() {
                    let ours = SphericalHarmonics.colour(of: slice, index: i, cameraPosition: camera)
                    for k in 0..<3 {
                        // 1e-5 relative, against at least 0.1 (clamped channels are exactly 0).
                        let error = abs(ours[k] - rgb[k]) / max(abs(rgb[k]), 0.1)
                        worst = max(worst, error)
                        compared += 1
                        if rgb[k] > 0 { lit += 1 }
                        XCTAssertLessThanOrEqual(error, 1e-5, "\(name) t = \(c.time) camera \(camera) #\(i) channel \(k): \(ours[k]) vs \(rgb[k])")
                    }
                }
            }
            XCTAssertGreaterThan(lit, compared / 2, "\(name): most channels must be unclamped to test anything")
            print("4DGS colour \(name): \(compared) channels, worst relative error \(worst)")
        }
    }

    /// The time terms matter: without them (or looking from the position at t) the colours differ
    /// from the trainer's by far more than the tolerance.
    func testTheTimeTermsAndTheCanonicalViewChangeTheColour() throws {
        let scene = try load("t2")
        let colour = try XCTUnwrap(scene.motion?.colour)
        var plain = scene
        plain.motion?.colour = nil
        let camera = SIMD3<Float>(0, 0, -4), t: Float = 2.7
        let folded = scene.states(of: 0..<scene.count, at: t), unfolded = plain.states(of: 0..<scene.count, at: t)
        XCTAssertNil(unfolded.viewOrigins)
        XCTAssertEqual(folded.viewOrigins, scene.positions)
        var largest: Float = 0
        for i in 0..<scene.count {
            let d = SphericalHarmonics.colour(of: folded, index: i, cameraPosition: camera)
                - SphericalHarmonics.colour(of: unfolded, index: i, cameraPosition: camera)
            for k in 0..<3 { largest = Swift.max(largest, Swift.abs(d[k])) }
        }
        XCTAssertGreaterThan(largest, 0.05)
        // Looking from the position at t instead of the canonical mean moves the colour too.
        var fromSlice = folded
        fromSlice.viewOrigins = nil
        var moved: Float = 0
        for i in 0..<scene.count {
            let d = SphericalHarmonics.colour(of: folded, index: i, cameraPosition: camera)
                - SphericalHarmonics.colour(of: fromSlice, index: i, cameraPosition: camera)
            for k in 0..<3 { moved = Swift.max(moved, Swift.abs(d[k])) }
        }
        XCTAssertGreaterThan(moved, 1e-3)
        // At Δ = 0 both factors are 1; at Δ = T/2 they are −1 and +1.
        let (a, b) = TemporalSH.factors(timeCenter: 3, time: 3, period: colour.period)
        XCTAssertEqual(a, 1); XCTAssertEqual(b, 1)
        let (c, d) = TemporalSH.factors(timeCenter: 3, time: 8, period: 10)
        XCTAssertEqual(c, -1, accuracy: 1e-6); XCTAssertEqual(d, 1, accuracy: 1e-6)
    }

    func testWriteThenReadKeepsEveryCoefficient() throws {
        let scene = try load("t2")
        let colour = try XCTUnwrap(scene.motion?.colour)
        var rng = SplitMix64(seed: 3)
        let raws = (0..<scene.count).map { i in
            Gaussian4D(mean: SIMD4(SIMD4<Float>(scene.positions[i], scene.motion!.timeCenters[i])),
                       logScale: SIMD4(-2, -2, -2, 1), left: SIMD4(1, 0, 0, 0), right: SIMD4(SIMD4<Float>(rng.rotation())))
        }
        let data = Gaussian4DPLY.write(raws, opacities: scene.opacities, shDegree: 3, sh: scene.sh, timeRange: 0...10,
                                       colour: colour)
        let back = try SceneLoader.load(data: data, path: "back.4d.ply").scene
        XCTAssertEqual(back.sh, scene.sh)
        XCTAssertEqual(back.motion?.colour, colour)
    }

    /// Files without `sh_degree_t` (every 4D PLY before it) keep their colour model: no time
    /// terms, view from the position at t.
    func testAFileWithoutShDegreeTHasNoTemporalSH() throws {
        let scene = try SceneLoader.load(path: TestPaths.repositoryRoot.appendingPathComponent("Scenes/dancer.4d.ply").path).scene
        XCTAssertNotNil(scene.motion)
        XCTAssertNil(scene.motion?.colour)
        XCTAssertNil(scene.slice(at: 1).viewOrigins)
    }

    func testBadHeadersNameTheProblem() throws {
        let original = try Data(contentsOf: Self.folder.appendingPathComponent("t1.4d.ply"))
        func replacing(_ old: String, _ new: String) -> Data {
            let end = original.range(of: Data("end_header\n".utf8))!.upperBound
            let header = String(decoding: original[..<end], as: UTF8.self).replacingOccurrences(of: old, with: new)
            return Data(header.utf8) + original[end...]
        }
        func problem(_ data: Data) -> String? {
            do { _ = try SceneLoader.load(data: data, path: "bad.4d.ply"); return nil } catch {
                return (error as? SceneFileError)?.problem
            }
        }
        XCTAssertEqual(problem(replacing("comment splat4d time_duration 0.0 10.0\n", "")),
                       "header comment 'sh_degree_t 1' needs 'time_duration T0 T1' (the training config's time_duration)")
        XCTAssertEqual(problem(replacing("sh_degree_t 1", "sh_degree_t 3")), "bad header comment 'sh_degree_t': expected 0, 1 or 2")
        XCTAssertEqual(problem(replacing("time_duration 0.0 10.0", "time_duration 10 0")),
                       "bad header comment 'time_duration': expected two finite numbers T0 < T1")
        // The f_rest count of sh_degree_t 1 (3·(32 − 1) = 93) read as sh_degree_t 2.
        XCTAssertEqual(problem(replacing("sh_degree_t 1", "sh_degree_t 2")),
                       "unsupported number of f_rest properties: 93 (with sh_degree_t 2, expected 6, 33, 78, 141)")
    }
}
