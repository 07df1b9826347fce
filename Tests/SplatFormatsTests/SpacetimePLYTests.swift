import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats
import SplatTestSupport

private func load(_ text: String, path: String = "hand.stg.ply") throws -> LoadedScene {
    try SceneLoader.load(data: Data(text.utf8), path: path)
}

/// A hand-built ascii Spacetime Gaussians lite PLY: two vertices, properties in a shuffled order
/// with an unrelated one (nx) in between (they are looked up by name).
private enum HandSTG {
    static let properties = ["omega_0", "omega_1", "omega_2", "omega_3", "x", "y", "z", "nx"]
        + (0..<9).map { "motion_\($0)" }
        + ["f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3",
           "trbf_center", "trbf_scale"]
    static let rows: [[String]] = [
        // ω = (0, 0, 1, 0); xyz (0.5, −1, 2); m = (1, −2, 0.5 | 0.25, 0.5, −1 | 2, 0, −3); rgb (0.2, 0.4, 0.6);
        // opacity logit 1; log-scales (0, −1, −2); rot (1, 0.5, 0, 0); centre 0.25, log time scale −1.
        ["0", "0", "1", "0", "0.5", "-1", "2", "7", "1", "-2", "0.5", "0.25", "0.5", "-1", "2", "0", "-3",
         "0.2", "0.4", "0.6", "1", "0", "-1", "-2", "1", "0.5", "0", "0", "0.25", "-1"],
        // ω = (0.5, 0.5, −0.5, 2); xyz (−0.3, 0.2, 1.5); m = (−0.5, 0, 1 | 0, 4, 0 | 1, 1, 1); rgb (0.9, 0.1, −0.05);
        // opacity logit −0.5; log-scales (−3, −2, −1); rot (0.2, −0.4, 0.6, 0.8); centre 0.9, log time scale −2.5.
        ["0.5", "0.5", "-0.5", "2", "-0.3", "0.2", "1.5", "-7", "-0.5", "0", "1", "0", "4", "0", "1", "1", "1",
         "0.9", "0.1", "-0.05", "-0.5", "-3", "-2", "-1", "0.2", "-0.4", "0.6", "0.8", "0.9", "-2.5"],
    ]

    static func text(rows: [[String]] = rows, dropping dropped: Set<String> = [], replacing: [String: String] = [:],
                     vertex: Int = 1) -> String {
        ASCIIPLY.text(comments: ["hand-built STG lite"], properties: properties, rows: rows, dropping: dropped,
                      replacing: replacing, vertex: vertex)
    }
}

final class SpacetimePLYTests: XCTestCase {
    func assertClose(_ a: SIMD3<Float>, _ b: SIMD3<Double>, _ tolerance: Double, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        for k in 0..<3 { XCTAssertEqual(Double(a[k]), b[k], accuracy: tolerance, "\(what)[\(k)]: \(a) vs \(b)", file: file, line: line) }
    }

    func assertClose(_ a: SIMD4<Float>, _ b: SIMD4<Double>, _ tolerance: Double, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        for k in 0..<4 { XCTAssertEqual(Double(a[k]), b[k], accuracy: tolerance, "\(what)[\(k)]: \(a) vs \(b)", file: file, line: line) }
    }

    func testHandBuiltFilePinsEveryField() throws {
        let loaded = try load(HandSTG.text())
        XCTAssertEqual(loaded.format, .spacetimePLY)
        XCTAssertEqual(loaded.formatDetail, "ascii")
        let scene = loaded.scene
        let m = try XCTUnwrap(scene.motion)
        XCTAssertEqual(scene.count, 2)
        XCTAssertEqual(scene.shDegree, 0)
        XCTAssertEqual(scene.metadata.timeRange, 0...1)
        XCTAssertEqual(scene.metadata.timeUnit, "segment")
        XCTAssertNil(scene.metadata.frameRate)
        XCTAssertEqual(m.falloffCutoff, 0)
        XCTAssertEqual(scene.positions, [[0.5, -1, 2], [-0.3, 0.2, 1.5]])
        XCTAssertEqual(m.timeCenters, [0.25, 0.9])
        XCTAssertEqual(m.timeScales, [exp(-1), exp(-2.5)], "time scale = exp(trbf_scale)")
        // motion_0..2 velocity, motion_3..5 acceleration (Δt²), motion_6..8 jerk (Δt³).
        XCTAssertEqual(m.velocities, [[1, -2, 0.5], [-0.5, 0, 1]])
        XCTAssertEqual(m.accelerations, [[0.25, 0.5, -1], [0, 4, 0]])
        XCTAssertEqual(m.jerks, [[2, 0, -3], [1, 1, 1]])
        // Rotation and ω are kept raw, (w, x, y, z) = (rot_0..3), (omega_0..3).
        XCTAssertEqual(scene.rotations, [[1, 0.5, 0, 0], [0.2, -0.4, 0.6, 0.8]])
        XCTAssertEqual(m.angularVelocities, [[0, 0, 1, 0], [0.5, 0.5, -0.5, 2]])
        XCTAssertEqual(scene.opacities[0], Float(1 / (1 + exp(-1.0))), accuracy: 1e-7)
        XCTAssertEqual(scene.opacities[1], Float(1 / (1 + exp(0.5))), accuracy: 1e-7)
        XCTAssertEqual(scene.scales, [[1, exp(-1), exp(-2)], [exp(-3), exp(-2), exp(-1)]])
        // f_dc is plain RGB: the SH DC term is (rgb − 0.5)/C0, so the renderer's 0.5 + C0·dc is rgb.
        let rgb: [[Float]] = [[0.2, 0.4, 0.6], [0.9, 0.1, -0.05]]
        for i in 0..<2 {
            for c in 0..<3 {
                XCTAssertEqual(scene.sh[i * 3 + c], (rgb[i][c] - 0.5) / SphericalHarmonics.c0, accuracy: 1e-6)
                XCTAssertEqual(SphericalHarmonics.c0 * scene.sh[i * 3 + c] + 0.5, rgb[i][c], accuracy: 1e-6)
            }
        }
        // The renderer's colour: rgb, with the negative channel clamped at 0.
        let slice = scene.slice(at: 0.85)
        let colour = SphericalHarmonics.colour(of: slice, index: 1, cameraPosition: [0, 0, -5])
        XCTAssertEqual(colour.x, 0.9, accuracy: 1e-6)
        XCTAssertEqual(colour.y, 0.1, accuracy: 1e-6)
        XCTAssertEqual(colour.z, 0)
    }

    /// The slice at two times against values computed by hand.
    func testSliceAtTwoTimes() throws {
        let scene = try load(HandSTG.text()).scene
        // t = 0.25: vertex 0 at its centre; vertex 1 (Δt = −0.65, u = −0.65/e^−2.5 ≈ −7.9) is gone.
        let early = scene.slice(at: 0.25)
        XCTAssertEqual(early.count, 1)
        XCTAssertEqual(early.positions[0], [0.5, -1, 2])
        assertClose(early.rotations[0], SIMD4(1, 0.5, 0, 0) / (1.25).squareRoot(), 1e-7, "q0(0.25)")
        XCTAssertEqual(early.opacities[0], Float(1 / (1 + exp(-1.0))), accuracy: 1e-7)
        XCTAssertEqual(early.scales[0], scene.scales[0])
        XCTAssertEqual(Array(early.sh), Array(scene.sh[0..<3]))

        // t = 0.85: both alive, in index order.
        let late = scene.slice(at: 0.85)
        XCTAssertEqual(late.count, 2)
        // Vertex 0, Δt = 0.6: μ = (0.5 + 0.6 + 0.09 + 0.432, −1 − 1.2 + 0.18, 2 + 0.3 − 0.36 − 0.648);
        // q = normalize(1, 0.5, 0.6, 0); α = σ(1)·exp(−(0.6·e)²) (no ½).
        assertClose(late.positions[0], [1.622, -2.02, 1.292], 2e-6, "μ0(0.85)")
        assertClose(late.rotations[0], SIMD4(1, 0.5, 0.6, 0) / (1.61).squareRoot(), 1e-6, "q0(0.85)")
        XCTAssertEqual(Double(late.opacities[0]), 1 / (1 + exp(-1.0)) * exp(-pow(0.6 * M_E, 2)), accuracy: 1e-6)
        // Vertex 1, Δt = −0.05: μ = (−0.3 + 0.025 − 0.000125, 0.2 + 0.01 − 0.000125, 1.5 − 0.05 − 0.000125);
        // q = normalize(0.175, −0.425, 0.625, 0.7); α = σ(−0.5)·exp(−(0.05/e^−2.5)²).
        assertClose(late.positions[1], [-0.275125, 0.209875, 1.449875], 1e-6, "μ1(0.85)")
        assertClose(late.rotations[1], SIMD4(0.175, -0.425, 0.625, 0.7) / (1.091875).squareRoot(), 1e-6, "q1(0.85)")
        XCTAssertEqual(Double(late.opacities[1]), 1 / (1 + exp(0.5)) * exp(-pow(0.05 * exp(2.5), 2)), accuracy: 1e-6)
        XCTAssertEqual(late.scales, scene.scales)
        XCTAssertEqual(late.sh, scene.sh)
    }

    func testDetectionByContent() throws {
        // A 3DGS PLY is not STG (nor 4D).
        var b = SplatCloudBuilder()
        b.add([0, 0, 1], scale: [0.1, 0.1, 0.1], opacity: 0.5, colour: [1, 0, 0])
        let plain = PLYWriter.gaussianPLY(b.cloud)
        let plainHeader = try PLYHeader.parse(plain, path: "p.ply")
        XCTAssertFalse(SpacetimePLY.matches(plainHeader))
        XCTAssertFalse(Gaussian4DPLY.matches(plainHeader))
        let loadedPlain = try SceneLoader.load(data: plain, path: "p.ply")
        XCTAssertEqual(loadedPlain.format, .gaussianPLY)
        XCTAssertTrue(loadedPlain.scene.isStatic)

        // STG carries every 3DGS property name too, but loads as STG, never as 3DGS; nor is it 4D.
        let stg = Data(HandSTG.text().utf8)
        let header = try PLYHeader.parse(stg, path: "s.ply")
        XCTAssertTrue(SpacetimePLY.matches(header))
        XCTAssertFalse(Gaussian4DPLY.matches(header))
        XCTAssertTrue(GaussianPLY.matches(header), "the STG layout is a superset of the 3DGS one")
        let loaded = try SceneLoader.load(data: stg, path: "whatever.ply")
        XCTAssertEqual(loaded.format, .spacetimePLY)
        XCTAssertFalse(loaded.scene.isStatic)
        // The name does not decide: an STG file called .splat is still STG.
        XCTAssertEqual(try SceneLoader.load(data: stg, path: "named.splat").format, .spacetimePLY)

        // A native 4D PLY is not STG.
        let d = PerformanceGenerator.dancer4D(keyTimes: 2, gaussiansPerLimb: 2)
        let fourD = Gaussian4DPLY.write(d.gaussians, opacities: d.opacities, shDegree: 1, sh: d.sh, timeRange: d.timeRange)
        let fourDHeader = try PLYHeader.parse(fourD, path: "f.ply")
        XCTAssertFalse(SpacetimePLY.matches(fourDHeader))
        XCTAssertTrue(Gaussian4DPLY.matches(fourDHeader))
        XCTAssertEqual(try SceneLoader.load(data: fourD, path: "f.ply").format, .gaussian4DPLY)
    }

    func testMissingProperties() throws {
        // With trbf_center and motion_0 present the file is STG, and every other property is required.
        for name in SpacetimePLY.names where name != "trbf_center" && name != "motion_0" {
            assertFileProblem("missing required property '\(name)'") { _ = try load(HandSTG.text(dropping: [name])) }
        }
        // Any STG-only property makes the header STG, so the STG reader names what is missing.
        for name in ["trbf_center", "motion_0"] {
            let ply = try PLYFile(data: Data(HandSTG.text(dropping: [name]).utf8), path: "s.ply")
            XCTAssertTrue(SpacetimePLY.matches(ply.header))
            assertFileProblem("missing required property '\(name)'") { _ = try SpacetimePLY.scene(from: ply) }
        }
    }

    /// The full model's PLY (the trainer's oursfull.py attribute list: 6 features f_dc_0..5 and
    /// f_t_0..2) is refused by name, never read as a lite model with wrong colours.
    func testFullModelPLYIsRefusedByName() throws {
        let names = ["x", "y", "z", "trbf_center", "trbf_scale", "nx", "ny", "nz"] + (0..<9).map { "motion_\($0)" }
            + (0..<6).map { "f_dc_\($0)" } + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
            + (0..<4).map { "omega_\($0)" } + (0..<3).map { "f_t_\($0)" }
        let row = names.map { $0 == "rot_0" ? Float(1) : 0.1 }
        let data = PLYWriter.table(names: names, values: row + row)
        XCTAssertThrowsError(try SceneLoader.load(data: data, path: "full.ply")) { error in
            XCTAssertEqual("\(error)", "full.ply: a Spacetime Gaussians full-model PLY (features decoded by a network): "
                           + "only the lite model is supported (see docs/spacetime-gaussians.md)")
        }
    }

    func testNonFiniteValues() {
        for (name, value) in [("motion_4", "nan"), ("trbf_scale", "inf"), ("omega_0", "-inf"), ("trbf_center", "nan"),
                              ("f_dc_1", "nan")] {
            assertFileProblem("non-finite value in property '\(name)' of vertex 1") {
                _ = try load(HandSTG.text(replacing: [name: value]))
            }
        }
        XCTAssertThrowsError(try load(HandSTG.text(replacing: ["x": "nan"]), path: "a/b.ply")) { error in
            XCTAssertEqual("\(error)", "a/b.ply: non-finite value in property 'x' of vertex 1")
        }
    }

    func testZeroVertices() {
        assertFileProblem("the file holds no Gaussians") { _ = try load(HandSTG.text(rows: [])) }
    }

    /// write → load gives the dancer back. Exact: positions, motion, time centres, rotations, ω.
    /// Through log/exp (time scales, scales): 1e-6 relative (the log is rounded to a float, which
    /// moves its exp by at most |log x|·2⁻²⁴ relative, < 1e-6 for these values). Through
    /// logit/sigmoid (opacity): 1e-6 absolute. The DC term goes through rgb = 0.5 + C0·dc and back:
    /// 1e-6 absolute on the colour it encodes.
    func testDancerRoundTrip() throws {
        let dancer = PerformanceGenerator.dancer()
        let data = SpacetimePLY.write(dancer)
        let loaded = try SceneLoader.load(data: data, path: "dancer.stg.ply")
        XCTAssertEqual(loaded.format, .spacetimePLY)
        XCTAssertEqual(loaded.formatDetail, "binary_little_endian")
        let scene = loaded.scene
        let a = try XCTUnwrap(dancer.motion), b = try XCTUnwrap(scene.motion)
        XCTAssertEqual(scene.count, dancer.count)
        XCTAssertEqual(scene.shDegree, 0)
        XCTAssertEqual(scene.metadata, dancer.metadata)
        XCTAssertEqual(scene.positions, dancer.positions)
        XCTAssertEqual(scene.rotations, dancer.rotations)
        XCTAssertEqual(b.timeCenters, a.timeCenters)
        XCTAssertEqual(b.velocities, a.velocities)
        XCTAssertEqual(b.accelerations, a.accelerations)
        XCTAssertEqual(b.jerks, a.jerks)
        XCTAssertEqual(b.angularVelocities, a.angularVelocities)
        XCTAssertEqual(b.falloffCutoff, a.falloffCutoff)
        func relative(_ x: Float, _ y: Float) -> Float { abs(x - y) / max(abs(x), abs(y)) }
        var worst: [String: Float] = [:]
        func note(_ key: String, _ v: Float) { worst[key] = max(worst[key] ?? 0, v) }
        for i in 0..<dancer.count {
            note("time scale rel", relative(b.timeScales[i], a.timeScales[i]))
            for k in 0..<3 { note("scale rel", relative(scene.scales[i][k], dancer.scales[i][k])) }
            note("opacity abs", abs(scene.opacities[i] - dancer.opacities[i]))
            for c in 0..<3 {
                note("colour abs", abs(SphericalHarmonics.c0 * (scene.sh[i * 3 + c] - dancer.sh[i * 3 + c])))
            }
        }
        print("STG round trip worst: \(worst)")
        XCTAssertLessThanOrEqual(worst["time scale rel"]!, 1e-6)
        XCTAssertLessThanOrEqual(worst["scale rel"]!, 1e-6)
        XCTAssertLessThanOrEqual(worst["opacity abs"]!, 1e-6)
        XCTAssertLessThanOrEqual(worst["colour abs"]!, 1e-6)
        // And the slices agree: the same Gaussians at the same places.
        for t: Float in [0, 0.13, 0.5, 0.77, 1] {
            let x = dancer.slice(at: t), y = scene.slice(at: t)
            XCTAssertEqual(x.count, y.count, "t = \(t)")
            XCTAssertEqual(x.positions, y.positions, "t = \(t)")
        }
    }

    // MARK: regressions (bugs found and fixed; each test failed before its fix)

    /// SpacetimePLY.write stores log(timeScale); a static cloud (which write() explicitly accepts,
    /// giving every Gaussian an infinite time scale) or any Gaussian with an infinite time scale (no
    /// falloff, a legal TemporalCloud) is written with trbf_scale = +inf, which the loader then
    /// rejects: the written file cannot be read back.
    func testRegression_infiniteTimeScaleRoundTrips() throws {
        var b = SplatCloudBuilder()
        b.add([0, 0, 1], scale: [0.1, 0.2, 0.3], opacity: 0.5, colour: [1, 0.5, 0])
        let data = SpacetimePLY.write(TemporalCloud(static: b.cloud))
        do {
            let scene = try SceneLoader.load(data: data, path: "static.stg.ply").scene
            XCTAssertEqual(scene.activeCount(at: 0.5), 1)
            XCTAssertEqual(scene.slice(at: 0.5).positions, [[0, 0, 1]])
        } catch {
            return XCTFail("bug (Sources/SplatCore/SpacetimePLY.swift, write(_:)): a Gaussian with an infinite time "
                          + "scale (every Gaussian of a static cloud) is written as trbf_scale = log(∞) = +inf, and "
                          + "loading the written file fails: \(error)")
        }
    }

    /// As for 4D files: the STG test keys on trbf_center and motion_0 only, so a damaged STG file
    /// that lacks one of them silently loads as a static 3DGS cloud (all motion dropped) instead of
    /// failing with "missing required property 'trbf_center'".
    func testRegression_STGFileWithoutTrbfCenterIsAnError() throws {
        let result = Result { try load(HandSTG.text(dropping: ["trbf_center"]), path: "bad.ply") }
        if case .success(let loaded) = result {
            return XCTFail("bug (Sources/SplatCore/SpacetimePLY.swift, matches(_:)): an STG PLY missing trbf_center "
                          + "loads as \(loaded.format.rawValue), static \(loaded.scene.isStatic), instead of failing with "
                          + "\"missing required property 'trbf_center'\"")
        }
        XCTAssertThrowsError(try result.get()) { error in
            XCTAssertEqual((error as? SceneFileError)?.problem, "missing required property 'trbf_center'")
        }
    }
}
