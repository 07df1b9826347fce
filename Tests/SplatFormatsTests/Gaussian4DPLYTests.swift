import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats
import SplatTestSupport

// MARK: - Double-precision helpers written from first principles (no Gaussian4DPLY code)

private typealias Matrix = [[Double]]

private func multiply(_ a: Matrix, _ b: Matrix) -> Matrix {
    let n = a.count, m = b[0].count, inner = b.count
    var out = Matrix(repeating: [Double](repeating: 0, count: m), count: n)
    for i in 0..<n { for j in 0..<m { for k in 0..<inner { out[i][j] += a[i][k] * b[k][j] } } }
    return out
}

private func transpose(_ a: Matrix) -> Matrix {
    (0..<a[0].count).map { j in (0..<a.count).map { i in a[i][j] } }
}

private func frobenius(_ a: Matrix) -> Double {
    a.joined().reduce(0) { $0 + $1 * $1 }.squareRoot()
}

private func difference(_ a: Matrix, _ b: Matrix) -> Matrix {
    zip(a, b).map { zip($0, $1).map { $0 - $1 } }
}

/// Determinant by Gaussian elimination with partial pivoting.
private func determinant(_ m: Matrix) -> Double {
    var a = m, det = 1.0
    let n = a.count
    for c in 0..<n {
        let p = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
        if p != c { a.swapAt(p, c); det = -det }
        guard a[c][c] != 0 else { return 0 }
        det *= a[c][c]
        for r in (c + 1)..<n where c + 1 < n {
            let f = a[r][c] / a[c][c]
            for k in c..<n { a[r][k] -= f * a[c][k] }
        }
    }
    return det
}

/// The trainer's build_rotation_4d: M_l(left)·M_r(right), reversed in both axes when flipped.
private func trainerRotation(left: SIMD4<Double>, right: SIMD4<Double>, flipped: Bool) -> Matrix {
    let l = left / (left * left).sum().squareRoot(), r = right / (right * right).sum().squareRoot()
    let (a, b, c, d) = (l[0], l[1], l[2], l[3])
    let (p, q, rr, s) = (r[0], r[1], r[2], r[3])
    let ml: Matrix = [[a, -b, -c, -d], [b, a, -d, c], [c, d, a, -b], [d, -c, b, a]]
    let mr: Matrix = [[p, q, rr, s], [-q, p, -s, rr], [-rr, s, p, -q], [-s, -rr, q, p]]
    let m = multiply(ml, mr)
    return flipped ? m.reversed().map { Array($0.reversed()) } : m
}

/// Σ4 = R·S²·Rᵀ.
private func sigma4(_ raw: Gaussian4D, flipped: Bool) -> Matrix {
    let r = trainerRotation(left: raw.left, right: raw.right, flipped: flipped)
    var s2 = Matrix(repeating: [0, 0, 0, 0], count: 4)
    for k in 0..<4 { s2[k][k] = exp(2 * raw.logScale[k]) }
    return multiply(multiply(r, s2), transpose(r))
}

/// The conditional Gaussian at t: mean, Σ3 (constant), Σ_tt and the opacity factor exp(−½Δt²/Σ_tt).
private func directSlice(_ raw: Gaussian4D, flipped: Bool, at t: Double)
    -> (mean: SIMD3<Double>, sigma3: Matrix, stt: Double, factor: Double) {
    let s = sigma4(raw, flipped: flipped)
    let stt = s[3][3]
    let dt = t - raw.mean[3]
    var mean = SIMD3<Double>()
    var sigma3 = Matrix(repeating: [0, 0, 0], count: 3)
    for i in 0..<3 {
        mean[i] = raw.mean[i] + s[i][3] / stt * dt
        for j in 0..<3 { sigma3[i][j] = s[i][j] - s[i][3] * s[j][3] / stt }
    }
    return (mean, sigma3, stt, exp(-0.5 * dt * dt / stt))
}

/// R(q)·diag(s²)·R(q)ᵀ in double from a (Float) scale and quaternion w, x, y, z.
private func covariance(scale: SIMD3<Float>, rotation: SIMD4<Float>) -> Matrix {
    var q = SIMD4<Double>(rotation)
    q /= (q * q).sum().squareRoot()
    let (w, x, y, z) = (q[0], q[1], q[2], q[3])
    let r: Matrix = [[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]]
    let s = SIMD3<Double>(scale)
    let d: Matrix = [[s.x * s.x, 0, 0], [0, s.y * s.y, 0], [0, 0, s.z * s.z]]
    return multiply(multiply(r, d), transpose(r))
}

private func randomQuaternion(_ rng: inout SplitMix64) -> SIMD4<Double> {
    while true {
        let q = SIMD4<Double>(Double(rng.uniform(-1, 1)), Double(rng.uniform(-1, 1)), Double(rng.uniform(-1, 1)),
                              Double(rng.uniform(-1, 1)))
        if (q * q).sum() > 0.01 { return q }
    }
}

// MARK: - Hand-built ascii 4D PLY

/// Two vertices, SH degree 1, properties in a shuffled order (they are looked up by name).
private struct Hand4D {
    static let properties = ["x", "y", "z", "t", "f_dc_0", "f_dc_1", "f_dc_2"] + (0..<9).map { "f_rest_\($0)" }
        + ["scale_t", "opacity", "scale_0", "scale_1", "scale_2", "rot_r_0", "rot_r_1", "rot_r_2", "rot_r_3",
           "rot_0", "rot_1", "rot_2", "rot_3"]
    static let ln2 = "0.6931471805599453"
    /// Vertex 0: identity rotations, log-scales (0, −1, −2 | −0.5). Vertex 1: left (3, 4, 0, 0)
    /// (rotates the x-y and z-t planes by θ with cos θ = 0.6), right (2, 0, 0, 0) (identity once
    /// normalised), scales (1, ½, 1 | ½).
    static let rows: [[String]] = [
        ["0.5", "-1", "2", "1.25", "0.1", "0.2", "0.3"] + (1...9).map { "\($0)" }
            + ["-0.5", "0", "0", "-1", "-2", "1", "0", "0", "0", "1", "0", "0", "0"],
        ["-0.25", "0.75", "3", "2", "-0.1", "-0.2", "-0.3"] + (1...9).map { "0.0\($0)" }
            + ["-\(ln2)", "2", "0", "-\(ln2)", "0", "2", "0", "0", "0", "3", "4", "0", "0"],
    ]

    static func text(comments: [String], properties: [String] = properties, rows: [[String]] = rows,
                     dropping dropped: Set<String> = [], replacing: [String: String] = [:], vertex: Int = 1) -> String {
        ASCIIPLY.text(comments: comments, properties: properties, rows: rows, dropping: dropped, replacing: replacing,
                      vertex: vertex)
    }

    static let fullComments = ["made by hand", "splat4d time_range 0.5 2.5", "splat4d frame_rate 24",
                               "splat4d time_unit frames", "splat4d rotation_convention unflipped",
                               "splat4d some_future_key 1 2 3"]
}

private func load(_ text: String, path: String = "hand.4d.ply") throws -> LoadedScene {
    try SceneLoader.load(data: Data(text.utf8), path: path)
}

final class Gaussian4DPLYTests: XCTestCase {
    // MARK: (a) the 4D rotation

    func testRotation4DIsOrthonormalAndFlipReversesBothAxes() {
        var rng = SplitMix64(seed: 41)
        for _ in 0..<200 {
            let l = randomQuaternion(&rng), r = randomQuaternion(&rng)
            let unflipped = Gaussian4D.rotation4D(left: l, right: r, convention: .unflipped)
            let flipped = Gaussian4D.rotation4D(left: l, right: r, convention: .flipped)
            for m in [unflipped, flipped] {
                for product in [multiply(m, transpose(m)), multiply(transpose(m), m)] {
                    for i in 0..<4 { for j in 0..<4 {
                        XCTAssertEqual(product[i][j], i == j ? 1 : 0, accuracy: 1e-12)
                    } }
                }
                XCTAssertEqual(determinant(m), 1, accuracy: 1e-12, "a proper rotation")
            }
            for i in 0..<4 { for j in 0..<4 { XCTAssertEqual(flipped[i][j], unflipped[3 - i][3 - j]) } }
            // And it is the trainer's M_l·M_r, written out independently above.
            let direct = trainerRotation(left: l, right: r, flipped: false)
            for i in 0..<4 { for j in 0..<4 { XCTAssertEqual(unflipped[i][j], direct[i][j], accuracy: 1e-15) } }
        }
    }

    // MARK: (b) no shift and factor 1 at t = μ_t

    func testAtTheTimeCentreThereIsNoShiftAndFactorOne() throws {
        let (raws, opacities) = Self.randomGaussians(count: 100, seed: 5)
        for convention in [Gaussian4D.RotationConvention.flipped, .unflipped] {
            let data = Gaussian4DPLY.write(raws, opacities: opacities, shDegree: 0, sh: [Float](repeating: 0.1, count: 300),
                                           timeRange: 0...1, convention: convention)
            let scene = try SceneLoader.load(data: data, path: "random.4d.ply").scene
            for (i, raw) in raws.enumerated() {
                let tc = Float(raw.mean.w)
                XCTAssertEqual(scene.motion?.timeCenters[i], tc)
                let s = try XCTUnwrap(scene.state(i, at: tc), "Gaussian \(i) is active at its centre")
                XCTAssertEqual(s.position, SIMD3<Float>(Float(raw.mean.x), Float(raw.mean.y), Float(raw.mean.z)))
                XCTAssertEqual(s.opacity, scene.opacities[i], "factor exactly 1")
                XCTAssertEqual(s.rotation, normalizedQuaternion(scene.rotations[i]))
            }
        }
    }

    // MARK: (c) the loaded slice against a direct conditional Gaussian

    /// Random 4D Gaussians whose parameters are exactly representable as Float (so the file holds
    /// them exactly): random quaternions, log-scales in [−3, 0], μ_t in [0, 1], opacities in [0.02, 1].
    static func randomGaussians(count: Int, seed: UInt64) -> ([Gaussian4D], [Float]) {
        var rng = SplitMix64(seed: seed)
        var raws: [Gaussian4D] = [], opacities: [Float] = []
        for _ in 0..<count {
            let p = rng.pointInBall() * 2
            raws.append(Gaussian4D(
                mean: SIMD4(Double(p.x), Double(p.y), Double(p.z), Double(rng.uniform(0, 1))),
                logScale: SIMD4(Double(rng.uniform(-3, 0)), Double(rng.uniform(-3, 0)), Double(rng.uniform(-3, 0)),
                                Double(rng.uniform(-3, 0))),
                left: SIMD4<Double>(SIMD4<Float>(randomQuaternion(&rng))), right: SIMD4<Double>(SIMD4<Float>(randomQuaternion(&rng)))))
            opacities.append(rng.uniform(0.02, 1))
        }
        return (raws, opacities)
    }

    func testSliceMatchesDirectConditionalGaussian() throws {
        let (raws, opacities) = Self.randomGaussians(count: 200, seed: 77)
        let times: [Float] = [-0.3, 0, 0.2, 0.5, 0.77, 1, 1.4]
        for flipped in [true, false] {
            let data = Gaussian4DPLY.write(raws, opacities: opacities, shDegree: 0, sh: [Float](repeating: 0.1, count: 600),
                                           timeRange: 0...1, convention: flipped ? .flipped : .unflipped)
            let loaded = try SceneLoader.load(data: data, path: "random.4d.ply")
            XCTAssertEqual(loaded.format, .gaussian4DPLY)
            let scene = loaded.scene
            let motion = try XCTUnwrap(scene.motion)
            XCTAssertEqual(motion.falloffCutoff, 0.05)
            var active = 0, dropped = 0, ambiguous = 0
            var worst = (mean: 0.0, sigma: 0.0, factor: 0.0)
            for (i, raw) in raws.enumerated() {
                let direct = directSlice(raw, flipped: flipped, at: raw.mean.w)
                XCTAssertEqual(Double(scene.opacities[i]), Double(opacities[i]), accuracy: 1e-6, "peak opacity \(i)")
                XCTAssertEqual(Double(motion.timeScales[i]), (2 * direct.stt).squareRoot(),
                               accuracy: 1e-6 * (2 * direct.stt).squareRoot(), "time scale √(2Σ_tt) of \(i)")
                // Σ3 from the stored scale + rotation, relative to its norm.
                let stored = covariance(scale: scene.scales[i], rotation: scene.rotations[i])
                let e = frobenius(difference(stored, direct.sigma3)) / frobenius(direct.sigma3)
                worst.sigma = max(worst.sigma, e)
                XCTAssertLessThanOrEqual(e, 1e-5, "Σ3 of \(i) (\(flipped ? "flipped" : "unflipped"))")
            }
            for t in times {
                let slice = scene.slice(at: t)
                let survivors = (0..<scene.count).filter { scene.state($0, at: t) != nil }
                XCTAssertEqual(slice.count, survivors.count)
                for (i, raw) in raws.enumerated() {
                    let d = directSlice(raw, flipped: flipped, at: Double(t))
                    let alpha = Double(scene.opacities[i]) * d.factor
                    let expectDrop = d.factor <= 0.05 || alpha < 1.0 / 255
                    // Within float rounding of a threshold either answer is right.
                    if abs(d.factor - 0.05) < 1e-5 || abs(alpha - 1.0 / 255) < 1e-6 { ambiguous += 1; continue }
                    guard let row = survivors.firstIndex(of: i) else {
                        XCTAssertTrue(expectDrop, "Gaussian \(i) dropped at t = \(t) with factor \(d.factor)")
                        dropped += 1
                        continue
                    }
                    XCTAssertFalse(expectDrop, "Gaussian \(i) kept at t = \(t) with factor \(d.factor), α \(alpha)")
                    active += 1
                    let p = SIMD3<Double>(slice.positions[row])
                    let meanError = ((p - d.mean) * (p - d.mean)).sum().squareRoot()
                    let magnitude = max(1, (d.mean * d.mean).sum().squareRoot())
                    worst.mean = max(worst.mean, meanError / magnitude)
                    XCTAssertLessThanOrEqual(meanError, 1e-5 * magnitude, "mean of \(i) at t = \(t): \(p) vs \(d.mean)")
                    let sigma = covariance(scale: slice.scales[row], rotation: slice.rotations[row])
                    XCTAssertLessThanOrEqual(frobenius(difference(sigma, d.sigma3)), 1e-5 * frobenius(d.sigma3),
                                             "sliced Σ3 of \(i) at t = \(t)")
                    let factor = Double(slice.opacities[row]) / Double(scene.opacities[i])
                    worst.factor = max(worst.factor, abs(factor - d.factor))
                    XCTAssertEqual(factor, d.factor, accuracy: 1e-6, "opacity factor of \(i) at t = \(t)")
                }
            }
            print("4D slice (\(flipped ? "flipped" : "unflipped")): \(active) active, \(dropped) dropped, \(ambiguous) at a "
                  + "threshold; worst mean rel \(worst.mean), Σ3 rel \(worst.sigma), factor abs \(worst.factor)")
            XCTAssertGreaterThan(active, 300)
            XCTAssertGreaterThan(dropped, 300)
            XCTAssertLessThan(ambiguous, 5)
        }
    }

    /// Both conventions give different slices of the same file (the flip is not a no-op), and the
    /// default is "flipped".
    func testConventionMattersAndDefaultsToFlipped() throws {
        let (raws, opacities) = Self.randomGaussians(count: 20, seed: 9)
        func scene(_ convention: Gaussian4D.RotationConvention?) throws -> TemporalCloud {
            let data = Gaussian4DPLY.write(raws, opacities: opacities, shDegree: 0, sh: [Float](repeating: 0, count: 60),
                                           timeRange: 0...1, convention: .flipped)
            // Edit the header only; the body is binary.
            let end = try XCTUnwrap(data.range(of: Data("end_header\n".utf8))).upperBound
            var header = String(decoding: data[..<end], as: UTF8.self)
            let line = "comment splat4d rotation_convention flipped\n"
            XCTAssertTrue(header.contains(line))
            header = header.replacingOccurrences(of: line, with: convention.map { "comment splat4d rotation_convention \($0.rawValue)\n" } ?? "")
            return try SceneLoader.load(data: Data(header.utf8) + data[end...], path: "c.ply").scene
        }
        let flipped = try scene(.flipped), unflipped = try scene(.unflipped), absent = try scene(nil)
        XCTAssertEqual(absent, flipped)
        XCTAssertNotEqual(flipped.motion?.velocities, unflipped.motion?.velocities)
    }

    // MARK: (d) principal axes

    func testPrincipalAxesReconstructCovariances() {
        var cases: [(String, Matrix)] = [
            ("diagonal", [[4, 0, 0], [0, 1, 0], [0, 0, 0.25]]),
            ("diagonal, unsorted", [[0.01, 0, 0], [0, 9, 0], [0, 0, 0.5]]),
            ("isotropic", [[2, 0, 0], [0, 2, 0], [0, 0, 2]]),
            ("zero", [[0, 0, 0], [0, 0, 0], [0, 0, 0]]),
            ("rank one", [[1, 1, 1], [1, 1, 1], [1, 1, 1]]),
            ("singular diagonal", [[1, 0, 0], [0, 9, 0], [0, 0, 0]]),
            ("nearly parallel", [[1, 0.999999, 0], [0.999999, 1, 0], [0, 0, 1]]),
            ("2×2 block", [[0.52, 0.36, 0], [0.36, 0.73, 0], [0, 0, 0.25 / 0.73]]),
        ]
        var rng = SplitMix64(seed: 12)
        func rotated(_ eigen: SIMD3<Double>) -> Matrix {
            let q = rng.rotation()
            return covariance(scale: SIMD3<Float>(SIMD3<Double>(eigen.x.squareRoot(), eigen.y.squareRoot(), eigen.z.squareRoot())),
                              rotation: q)
        }
        cases.append(("repeated (1, 1, 3)", rotated([1, 1, 3])))
        cases.append(("repeated (0.5, 2, 2)", rotated([0.5, 2, 2])))
        cases.append(("near-singular (1, 1e-6, 1e-12)", rotated([1, 1e-6, 1e-12])))
        cases.append(("near-singular (1, 1, 1e-14)", rotated([1, 1, 1e-14])))
        for k in 0..<100 {
            let e = SIMD3<Double>(exp(Double(rng.uniform(-12, 2))), exp(Double(rng.uniform(-12, 2))), exp(Double(rng.uniform(-12, 2))))
            cases.append(("random \(k)", rotated(e)))
        }
        // Conditional covariances of random 4D Gaussians (what the loader feeds it).
        let (raws, _) = Self.randomGaussians(count: 50, seed: 3)
        for (k, raw) in raws.enumerated() {
            cases.append(("conditional \(k)", Gaussian4D.conditional(raw).covariance))
        }
        var worst = 0.0
        for (name, sigma) in cases {
            let (scale, q) = Gaussian4D.principalAxes(of: sigma)
            XCTAssertEqual(Double((q * q).sum().squareRoot()), 1, accuracy: 1e-6, "\(name): unit quaternion \(q)")
            XCTAssertTrue(scale.x >= 0 && scale.y >= 0 && scale.z >= 0 && scale.x.isFinite && scale.y.isFinite && scale.z.isFinite,
                          "\(name): scales \(scale)")
            let rebuilt = covariance(scale: scale, rotation: q)
            // The outputs are floats: a few float roundings of the quaternion and scales, relative to ‖Σ‖.
            let error = frobenius(difference(rebuilt, sigma))
            worst = max(worst, error / max(frobenius(sigma), 1e-300))
            XCTAssertLessThanOrEqual(error, 2e-6 * max(frobenius(sigma), 1e-300), "\(name): \(rebuilt) vs \(sigma)")
        }
        print("principalAxes: \(cases.count) covariances, worst ‖R S² Rᵀ − Σ‖/‖Σ‖ = \(worst)")
        // Exact answers for a diagonal matrix: the square roots of its diagonal (in some order).
        let (s, _) = Gaussian4D.principalAxes(of: [[4, 0, 0], [0, 1, 0], [0, 0, 0.25]])
        XCTAssertEqual([s.x, s.y, s.z].sorted(), [0.5, 1, 2])
        let (z, zq) = Gaussian4D.principalAxes(of: [[0, 0, 0], [0, 0, 0], [0, 0, 0]])
        XCTAssertEqual(z, .zero)
        XCTAssertEqual(zq, [1, 0, 0, 0])
    }

    // MARK: (e) field pins on a hand-built ascii file

    func testHandBuiltAsciiFilePinsEveryField() throws {
        let loaded = try load(Hand4D.text(comments: Hand4D.fullComments))
        XCTAssertEqual(loaded.format, .gaussian4DPLY)
        XCTAssertEqual(loaded.formatDetail, "ascii")
        let scene = loaded.scene
        let m = try XCTUnwrap(scene.motion)
        XCTAssertEqual(scene.count, 2)
        XCTAssertEqual(scene.shDegree, 1)
        XCTAssertEqual(scene.metadata.timeRange, 0.5...2.5)
        XCTAssertEqual(scene.metadata.frameRate, 24)
        XCTAssertEqual(scene.metadata.timeUnit, "frames")
        XCTAssertEqual(m.falloffCutoff, 0.05)
        XCTAssertEqual(scene.positions, [[0.5, -1, 2], [-0.25, 0.75, 3]])
        XCTAssertEqual(m.timeCenters, [1.25, 2])
        XCTAssertEqual(m.accelerations, [.zero, .zero])
        XCTAssertEqual(m.jerks, [.zero, .zero])
        XCTAssertEqual(m.angularVelocities, [.zero, .zero])
        XCTAssertEqual(scene.opacities[0], 0.5)
        XCTAssertEqual(scene.opacities[1], Float(1 / (1 + exp(-2.0))), accuracy: 1e-7)
        // SH: coefficient-major per Gaussian; f_rest channel-major: coefficient k of channel c is f_rest[3c + k − 1].
        XCTAssertEqual(Array(scene.sh[0..<12]), [0.1, 0.2, 0.3, 1, 4, 7, 2, 5, 8, 3, 6, 9])
        XCTAssertEqual(Array(scene.sh[12..<24]), [-0.1, -0.2, -0.3, 0.01, 0.04, 0.07, 0.02, 0.05, 0.08, 0.03, 0.06, 0.09])

        // Vertex 0: identity rotations, so Σ4 = diag(1, e⁻², e⁻⁴, e⁻¹): no motion, axes as stored.
        XCTAssertEqual(m.velocities[0], .zero)
        XCTAssertEqual(Double(m.timeScales[0]), (2.0).squareRoot() * exp(-0.5), accuracy: 1e-6)
        XCTAssertEqual(Double(scene.scales[0].x), 1, accuracy: 1e-6)
        XCTAssertEqual(Double(scene.scales[0].y), exp(-1), accuracy: 1e-6)
        XCTAssertEqual(Double(scene.scales[0].z), exp(-2), accuracy: 1e-6)
        XCTAssertEqual(scene.rotations[0], [1, 0, 0, 0])

        // Vertex 1, unflipped: Σ_xy-block = [[0.52, 0.36], [0.36, 0.73]], Σ_zz = 0.52, Σ_zt = 0.36,
        // Σ_tt = 0.73 → velocity (0, 0, 0.36/0.73), Σ3_zz = 0.25/0.73, time scale √1.46.
        let v = m.velocities[1]
        XCTAssertEqual(v.x, 0, accuracy: 1e-7)
        XCTAssertEqual(v.y, 0, accuracy: 1e-7)
        XCTAssertEqual(Double(v.z), 0.36 / 0.73, accuracy: 1e-6)
        XCTAssertEqual(Double(m.timeScales[1]), (1.46).squareRoot(), accuracy: 1e-6)
        let sigma = covariance(scale: scene.scales[1], rotation: scene.rotations[1])
        let expected: Matrix = [[0.52, 0.36, 0], [0.36, 0.73, 0], [0, 0, 0.25 / 0.73]]
        XCTAssertLessThanOrEqual(frobenius(difference(sigma, expected)), 1e-6)
        let sorted = [scene.scales[1].x, scene.scales[1].y, scene.scales[1].z].map(Double.init).sorted()
        XCTAssertEqual(sorted[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(sorted[1], (0.25 / 0.73).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(sorted[2], 1, accuracy: 1e-6)

        // The slice: at its centre vertex 1 is where the file says; 0.73 later it has moved 0.36 in z
        // and its opacity has the factor exp(−½·0.73²/0.73) = e^−0.365.
        let atCentre = try XCTUnwrap(scene.state(1, at: 2))
        XCTAssertEqual(atCentre.position, [-0.25, 0.75, 3])
        XCTAssertEqual(atCentre.opacity, scene.opacities[1])
        let later = try XCTUnwrap(scene.state(1, at: 2.73))
        XCTAssertEqual(Double(later.position.z), 3.36, accuracy: 2e-6)
        XCTAssertEqual(Double(later.opacity) / Double(scene.opacities[1]), exp(-0.365), accuracy: 1e-6)
        // The life ends where the factor reaches 0.05: Δt = √(2·ln 20·0.73) ≈ 2.0914.
        let reach = Float((2 * log(20.0) * 0.73).squareRoot())
        XCTAssertNotNil(scene.state(1, at: 2 + reach * 0.999))
        XCTAssertNil(scene.state(1, at: 2 + reach * 1.001))
        XCTAssertNil(scene.state(1, at: 2 - reach * 1.001))
    }

    /// The same file read as flipped (by comment, and by default): the velocity and the x-y
    /// coupling change sign.
    func testHandBuiltFileFlipped() throws {
        for comments in [["splat4d rotation_convention flipped"], []] {
            let scene = try load(Hand4D.text(comments: comments)).scene
            let m = try XCTUnwrap(scene.motion)
            XCTAssertEqual(Double(m.velocities[1].z), -0.36 / 0.73, accuracy: 1e-6)
            let sigma = covariance(scale: scene.scales[1], rotation: scene.rotations[1])
            let expected: Matrix = [[0.52, -0.36, 0], [-0.36, 0.73, 0], [0, 0, 0.25 / 0.73]]
            XCTAssertLessThanOrEqual(frobenius(difference(sigma, expected)), 1e-6)
            // Vertex 0 has identity rotations: flipping changes nothing.
            XCTAssertEqual(m.velocities[0], .zero)
        }
    }

    /// Without comments: seconds, no frame rate, and the time range spans t ± √(2 ln 20)·σ_t.
    func testDefaultMetadata() throws {
        let scene = try load(Hand4D.text(comments: [])).scene
        XCTAssertEqual(scene.metadata.timeUnit, "seconds")
        XCTAssertNil(scene.metadata.frameRate)
        let range = try XCTUnwrap(scene.metadata.timeRange)
        let k = (2 * log(20.0)).squareRoot()
        // σ_t: e^−0.5 for vertex 0 (centre 1.25), √0.73 for vertex 1 (centre 2).
        XCTAssertEqual(Double(range.lowerBound), 1.25 - k * exp(-0.5), accuracy: 1e-5)
        XCTAssertEqual(Double(range.upperBound), 2 + k * (0.73).squareRoot(), accuracy: 1e-5)
    }

    // MARK: (f) malformed files

    func testMissingRightQuaternion() throws {
        // Any 4D-only property makes the header a 4D one, so the 4D reader names what is missing.
        let text = Hand4D.text(comments: [], dropping: ["rot_r_0"])
        let ply = try PLYFile(data: Data(text.utf8), path: "bad.ply")
        XCTAssertTrue(Gaussian4DPLY.matches(ply.header))
        assertFileProblem("missing required property 'rot_r_0'") { _ = try Gaussian4DPLY.scene(from: ply) }
        for name in ["rot_r_1", "rot_r_2", "rot_r_3", "scale_t", "rot_3", "opacity", "f_dc_1"] {
            assertFileProblem("missing required property '\(name)'") {
                _ = try load(Hand4D.text(comments: [], dropping: [name]))
            }
        }
        // A gap in f_rest is reported as such.
        assertFileProblem("f_rest properties are not numbered 0 to 7: f_rest_4 is missing") {
            _ = try load(Hand4D.text(comments: [], dropping: ["f_rest_4"]))
        }
    }

    func testNonFiniteValues() {
        for (name, value) in [("scale_t", "nan"), ("t", "inf"), ("rot_r_2", "-inf"), ("x", "nan")] {
            assertFileProblem("non-finite value in property '\(name)' of vertex 1") {
                _ = try load(Hand4D.text(comments: [], replacing: [name: value]))
            }
        }
    }

    func testBadHeaderComments() {
        let timeRange = "bad header comment 'time_range': expected two finite numbers T0 ≤ T1"
        let frameRate = "bad header comment 'frame_rate': expected a positive number"
        let unit = "bad header comment 'time_unit': expected one word"
        let convention = "bad header comment 'rotation_convention': expected flipped or unflipped"
        let cases: [(String, String)] = [
            ("splat4d time_range 2 1", timeRange), ("splat4d time_range 1", timeRange), ("splat4d time_range a b", timeRange),
            ("splat4d time_range nan 1", timeRange), ("splat4d time_range 0 inf", timeRange), ("splat4d time_range 0 1 2", timeRange),
            ("splat4d frame_rate 0", frameRate), ("splat4d frame_rate -30", frameRate), ("splat4d frame_rate fast", frameRate),
            ("splat4d frame_rate", frameRate), ("splat4d frame_rate inf", frameRate), ("splat4d frame_rate 24 30", frameRate),
            ("splat4d time_unit", unit), ("splat4d time_unit two words", unit),
            ("splat4d rotation_convention sideways", convention), ("splat4d rotation_convention", convention),
            ("splat4d rotation_convention Flipped", convention),
        ]
        for (comment, problem) in cases {
            assertFileProblem(problem) { _ = try load(Hand4D.text(comments: [comment])) }
        }
        // The whole message names the file.
        XCTAssertThrowsError(try load(Hand4D.text(comments: ["splat4d frame_rate 0"]), path: "dir/x.ply")) { error in
            XCTAssertEqual("\(error)", "dir/x.ply: \(frameRate)")
        }
        // A degenerate but valid range and comments for other tools are accepted.
        XCTAssertEqual(try load(Hand4D.text(comments: ["splat4d time_range 1 1", "splat4d_other frame_rate 0", "splat4dx"]))
                           .scene.metadata.timeRange, 1...1)
    }

    func testZeroVertices() {
        let text = Hand4D.text(comments: Hand4D.fullComments, rows: [])
        assertFileProblem("the file holds no Gaussians") { _ = try load(text) }
    }

    // MARK: (g) write → load round trip

    func testDancer4DRoundTrip() throws {
        let d = PerformanceGenerator.dancer4D()
        let data = Gaussian4DPLY.write(d.gaussians, opacities: d.opacities, shDegree: 1, sh: d.sh, timeRange: d.timeRange,
                                       frameRate: 30)
        let loaded = try SceneLoader.load(data: data, path: "dancer.4d.ply")
        XCTAssertEqual(loaded.format, .gaussian4DPLY)
        XCTAssertEqual(loaded.formatDetail, "binary_little_endian")
        let scene = loaded.scene
        let m = try XCTUnwrap(scene.motion)
        XCTAssertEqual(scene.count, d.gaussians.count)
        XCTAssertEqual(scene.shDegree, 1)
        XCTAssertEqual(scene.metadata.timeRange, 0...2)
        XCTAssertEqual(scene.metadata.frameRate, 30)
        XCTAssertEqual(scene.metadata.timeUnit, "seconds")
        // SH and means come back bit for bit; opacities through logit/sigmoid within 1e-6.
        XCTAssertEqual(scene.sh, d.sh)
        var worstOpacity: Float = 0
        for (i, g) in d.gaussians.enumerated() {
            XCTAssertEqual(scene.positions[i], SIMD3<Float>(Float(g.mean.x), Float(g.mean.y), Float(g.mean.z)))
            XCTAssertEqual(m.timeCenters[i], Float(g.mean.w))
            worstOpacity = max(worstOpacity, abs(scene.opacities[i] - d.opacities[i]))
            // The file holds the raw parameters exactly (they are floats), so the precomputed slice
            // is exactly the one computed from the generator's raw values.
            let c = Gaussian4D.conditional(g)
            XCTAssertEqual(m.velocities[i], SIMD3<Float>(c.velocity))
            XCTAssertEqual(m.timeScales[i], Float((2 * c.varianceT).squareRoot()))
            let (scale, rotation) = Gaussian4D.principalAxes(of: c.covariance)
            XCTAssertEqual(scene.scales[i], scale)
            XCTAssertEqual(scene.rotations[i], rotation)
        }
        XCTAssertLessThanOrEqual(worstOpacity, 1e-6)
    }

    // MARK: regressions (bugs found and fixed; each test failed before its fix)

    /// A 4D file that lacks only rot_r_0 is damaged, but SceneLoader recognises 4D PLYs by "t" and
    /// "rot_r_0" alone (Gaussian4DPLY.matches), so it silently loads it as a *static* 3DGS cloud,
    /// dropping t, scale_t and the right quaternion. Expected: "missing required property 'rot_r_0'".
    func testRegression_4DFileWithoutRotR0IsAnError() throws {
        let text = Hand4D.text(comments: [], dropping: ["rot_r_0"])
        let result = Result { try load(text, path: "bad.ply") }
        if case .success(let loaded) = result {
            return XCTFail("bug (Sources/SplatCore/Gaussian4DPLY.swift, matches(_:)): a 4D PLY missing rot_r_0 loads "
                          + "as \(loaded.format.rawValue), static \(loaded.scene.isStatic), instead of failing with "
                          + "\"missing required property 'rot_r_0'\"")
        }
        XCTAssertThrowsError(try result.get()) { error in
            XCTAssertEqual((error as? SceneFileError)?.problem, "missing required property 'rot_r_0'")
        }
    }

    /// A zero quaternion (left or right) passes the loader's "every value is finite" check, then
    /// rotation4D divides by its zero norm: the loaded cloud holds NaN velocity, time scale, scales
    /// and rotation, and the Gaussian silently never renders. The 3DGS loader maps a zero quaternion
    /// to the identity (normalizedQuaternion); expected here: the same, or a SceneFileError.
    func testRegression_zeroQuaternionIn4DFileIsIdentity() throws {
        var rows = Hand4D.rows
        for name in ["rot_0", "rot_1"] { rows[1][Hand4D.properties.firstIndex(of: name)!] = "0" }
        let result = Result { try load(Hand4D.text(comments: [], rows: rows)) }
        guard case .success(let loaded) = result else { return }  // an error is an acceptable fix
        let scene = loaded.scene, m = try XCTUnwrap(scene.motion)
        let values = [m.velocities[1].x, m.velocities[1].y, m.velocities[1].z, m.timeScales[1],
                      scene.scales[1].x, scene.scales[1].y, scene.scales[1].z] + (0..<4).map { scene.rotations[1][$0] }
        if !values.allSatisfy(\.isFinite) {
            return XCTFail("bug (Sources/SplatCore/Gaussian4DPLY.swift, rotation4D(left:right:convention:)): a zero "
                          + "quaternion in a 4D PLY loads as NaN velocity \(m.velocities[1]), time scale \(m.timeScales[1]), "
                          + "scales \(scene.scales[1]), rotation \(scene.rotations[1]); no error")
        }
        XCTAssertEqual(scene.activeCount(at: 2), 2)
    }
}
