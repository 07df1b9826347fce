import Foundation
import XCTest
@testable import SplatCore

/// The canonical polynomial motion model of TemporalCloud (DESIGN.md §4), against values computed
/// by hand in double precision: with Δt = t − timeCenter,
///   μ(t) = xyz + m1·Δt + m2·Δt² + m3·Δt³,  q(t) = normalize(rot + ω·Δt),  α(t) = o·exp(−(Δt/s)²)  (no ½),
/// and a Gaussian is dropped exactly when its factor is ≤ falloffCutoff or α(t) < 1/255.
final class TemporalModelTests: XCTestCase {
    /// One Gaussian's parameters, for building clouds by hand.
    struct G {
        var p: SIMD3<Float>
        var s: SIMD3<Float> = [0.1, 0.2, 0.3]
        var q: SIMD4<Float> = [1, 0, 0, 0]
        var o: Float = 0.8
        var center: Float = 0
        var timeScale: Float = 1
        var v: SIMD3<Float> = .zero
        var a: SIMD3<Float> = .zero
        var j: SIMD3<Float> = .zero
        var w: SIMD4<Float> = .zero
    }

    static func cloud(_ gs: [G], degree: Int = 0, cutoff: Float = 0, sh: [Float]? = nil) -> TemporalCloud {
        let k = SplatCloud.coefficientCount(degree: degree) * 3
        let coefficients = sh ?? (0..<(gs.count * k)).map { Float($0) * 0.01 }
        return TemporalCloud(positions: gs.map(\.p), scales: gs.map(\.s), rotations: gs.map(\.q), opacities: gs.map(\.o),
                             shDegree: degree, sh: coefficients,
                             motion: .init(timeCenters: gs.map(\.center), velocities: gs.map(\.v), accelerations: gs.map(\.a),
                                           jerks: gs.map(\.j), angularVelocities: gs.map(\.w), timeScales: gs.map(\.timeScale),
                                           falloffCutoff: cutoff))
    }

    /// The model evaluated from first principles in double precision.
    static func expected(_ g: G, at t: Double) -> (position: SIMD3<Double>, rotation: SIMD4<Double>, factor: Double, opacity: Double) {
        let dt = t - Double(g.center)
        let p = SIMD3<Double>(g.p) + SIMD3<Double>(g.v) * dt + SIMD3<Double>(g.a) * dt * dt + SIMD3<Double>(g.j) * dt * dt * dt
        var q = SIMD4<Double>(g.q) + SIMD4<Double>(g.w) * dt
        q /= (q * q).sum().squareRoot()
        let u = dt / Double(g.timeScale)
        let factor = exp(-(u * u))
        return (p, q, factor, Double(g.o) * factor)
    }

    func assertClose<V: SIMD>(_ a: V, _ b: V, _ tolerance: Double, _ what: String,
                              file: StaticString = #filePath, line: UInt = #line) where V.Scalar: BinaryFloatingPoint {
        for k in 0..<a.scalarCount {
            XCTAssertEqual(Double(a[k]), Double(b[k]), accuracy: tolerance, "\(what)[\(k)]: \(a) vs \(b)", file: file, line: line)
        }
    }

    /// Three Gaussians with every motion term, sliced at known Δt; all hand-computed.
    static let three: [G] = [
        G(p: [0.5, -1, 2], q: [1, 0.5, 0, 0], o: 0.9, center: 0.25, timeScale: 0.5,
          v: [1, -2, 0.5], a: [0.25, 0.5, -1], j: [2, 0, -3], w: [0, 0, 1, 0]),
        G(p: [-0.3, 0.2, 1.5], q: [0.2, -0.4, 0.6, 0.8], o: 0.6, center: 0.7, timeScale: 0.2,
          v: [-0.5, 0, 1], a: [0, 4, 0], j: [1, 1, 1], w: [0.5, 0.5, -0.5, 2]),
        G(p: [1, 1, 1], q: [0, 0, 0, 2], o: 0.3, center: -1, timeScale: 4,
          v: [0, 0, 0], a: [1, 0, 0], j: [0, 0, 0.125], w: [1, 0, 0, 0]),
    ]

    func testStateMatchesTheModelAtKnownTimes() throws {
        let cloud = Self.cloud(Self.three)
        for t: Float in [0.25, 0.5, 0.7, 0.8, -0.5, 1.5] {
            for (i, g) in Self.three.enumerated() {
                let e = Self.expected(g, at: Double(t))
                let dropped = e.opacity < 1.0 / 255 || e.factor <= 0
                guard let s = cloud.state(i, at: t) else {
                    XCTAssertTrue(dropped, "Gaussian \(i) at t = \(t) was dropped; expected α \(e.opacity)")
                    continue
                }
                XCTAssertFalse(dropped, "Gaussian \(i) at t = \(t) kept with α \(s.opacity); expected it dropped")
                assertClose(s.position, SIMD3<Float>(e.position), 2e-6 * max(1, abs(e.position.x), abs(e.position.y), abs(e.position.z)), "μ of \(i) at \(t)")
                assertClose(s.rotation, SIMD4<Float>(e.rotation), 1e-6, "q of \(i) at \(t)")
                XCTAssertEqual(Double(s.opacity), e.opacity, accuracy: 1e-6 * e.opacity + 1e-9, "α of \(i) at \(t)")
            }
        }
    }

    /// A few values written out by hand (not by the same formula), pinning the absence of the ½
    /// and the order of the motion terms.
    func testHandWrittenValues() throws {
        let cloud = Self.cloud(Self.three)
        // Gaussian 0 at t = 0.75: Δt = 0.5, u = 1 → factor e⁻¹ (with a ½ it would be e^−½).
        let s0 = try XCTUnwrap(cloud.state(0, at: 0.75))
        // μ = (0.5, −1, 2) + (1, −2, 0.5)·0.5 + (0.25, 0.5, −1)·0.25 + (2, 0, −3)·0.125
        //   = (0.5 + 0.5 + 0.0625 + 0.25, −1 − 1 + 0.125 + 0, 2 + 0.25 − 0.25 − 0.375) = (1.3125, −1.875, 1.625)
        XCTAssertEqual(s0.position, SIMD3<Float>(1.3125, -1.875, 1.625))
        // q = normalize((1, 0.5, 0, 0) + (0, 0, 1, 0)·0.5) = (1, 0.5, 0.5, 0)/√1.5
        assertClose(s0.rotation, SIMD4<Float>(1, 0.5, 0.5, 0) / Float(1.5).squareRoot(), 1e-7, "q")
        XCTAssertEqual(s0.opacity, 0.9 * exp(-1), accuracy: 1e-7)
        // Gaussian 2 at t = 1: Δt = 2, u = 0.5 → factor e^−¼; μ = (1 + 4, 1, 1 + 0.125·8) = (5, 1, 2);
        // q = normalize((0, 0, 0, 2) + (1, 0, 0, 0)·2) = (1, 0, 0, 1)/√2.
        let s2 = try XCTUnwrap(cloud.state(2, at: 1))
        XCTAssertEqual(s2.position, SIMD3<Float>(5, 1, 2))
        assertClose(s2.rotation, SIMD4<Float>(1, 0, 0, 1) / Float(2).squareRoot(), 1e-7, "q")
        XCTAssertEqual(s2.opacity, 0.3 * exp(-0.25), accuracy: 1e-7)
    }

    /// At t = timeCenter there is no shift and the factor is exactly 1.
    func testAtTheTimeCenterNothingMoves() throws {
        let cloud = Self.cloud(Self.three)
        for (i, g) in Self.three.enumerated() {
            let s = try XCTUnwrap(cloud.state(i, at: g.center))
            XCTAssertEqual(s.position, g.p, "Gaussian \(i)")
            XCTAssertEqual(s.opacity, g.o, "Gaussian \(i): the factor is exactly 1")
            XCTAssertEqual(s.rotation, normalizedQuaternion(g.q), "Gaussian \(i)")
        }
    }

    /// An infinite time scale means no falloff at any time.
    func testInfiniteTimeScaleNeverFades() throws {
        let cloud = Self.cloud([G(p: [0, 0, 1], o: 0.5, center: 0.5, timeScale: .infinity, v: [1, 0, 0])])
        for t: Float in [-1e6, -3, 0, 0.5, 7, 1e6] {
            let s = try XCTUnwrap(cloud.state(0, at: t))
            XCTAssertEqual(s.opacity, 0.5)
            XCTAssertEqual(s.position.x, t - 0.5)
        }
    }

    /// factor ≤ falloffCutoff drops, factor > falloffCutoff keeps: the cut-off set exactly to the
    /// factor at t (as the model computes it in Float), and one float below it.
    func testFalloffCutoffBothSides() throws {
        let g = G(p: [0, 0, 1], o: 1, center: 0, timeScale: 0.5)
        let t: Float = 0.8
        let u = t / 0.5
        let factor = exp(-(u * u))  // the model's Float factor, about 0.0773
        XCTAssertEqual(Double(factor), exp(-2.56), accuracy: 2e-7)
        XCTAssertNil(Self.cloud([g], cutoff: factor).state(0, at: t), "factor == cutoff is dropped")
        XCTAssertNotNil(Self.cloud([g], cutoff: factor.nextDown).state(0, at: t), "factor just above the cutoff is kept")
        XCTAssertNotNil(Self.cloud([g], cutoff: 0.05).state(0, at: t))
        XCTAssertNil(Self.cloud([g], cutoff: 0.08).state(0, at: t))
        // At the centre the factor is exactly 1: a cut-off of 1 drops everything, one below keeps.
        XCTAssertNil(Self.cloud([g], cutoff: 1).state(0, at: 0))
        XCTAssertNotNil(Self.cloud([g], cutoff: Float(1).nextDown).state(0, at: 0))
        // With the STG cut-off 0 a factor that underflows to 0 drops (and α is then below 1/255 anyway).
        XCTAssertNil(Self.cloud([g], cutoff: 0).state(0, at: 100))
    }

    /// α(t) < 1/255 drops, α(t) = 1/255 keeps.
    func testMinimumOpacityBothSides() throws {
        let threshold: Float = 1 / 255
        XCTAssertEqual(TemporalCloud.minimumVisibleOpacity, threshold)
        let at = { (o: Float) in G(p: [0, 0, 1], o: o, center: 0.5, timeScale: 0.25) }
        // At the centre α(t) is the peak opacity itself.
        XCTAssertNotNil(Self.cloud([at(threshold)]).state(0, at: 0.5), "α = 1/255 is kept")
        XCTAssertNil(Self.cloud([at(threshold.nextDown)]).state(0, at: 0.5), "α just below 1/255 is dropped")
        // Away from the centre: α = 0.5·e^−(0.5/0.25)² = 0.5·e⁻⁴ ≈ 0.00916 is kept; e⁻⁶·0.5 ≈ 0.00124 is not.
        XCTAssertNotNil(Self.cloud([at(0.5)]).state(0, at: 1.0))
        XCTAssertNil(Self.cloud([at(0.5)]).state(0, at: 0.5 + 0.25 * Float(6).squareRoot()))
        // The boundary in t for peak opacity 1: exp(−u²) = 1/255 at u = √ln 255 ≈ 2.3539.
        let edge = Float(log(255.0).squareRoot()) * 0.25
        XCTAssertNotNil(Self.cloud([at(1)]).state(0, at: 0.5 + edge * 0.999))
        XCTAssertNil(Self.cloud([at(1)]).state(0, at: 0.5 + edge * 1.001))
        XCTAssertNil(Self.cloud([at(1)]).state(0, at: 0.5 - edge * 1.001))
    }

    /// The slice keeps the survivors in index order and copies their SH rows (degree 2: 27 floats each).
    func testSliceKeepsIndexOrderAndSHRows() throws {
        let k = SplatCloud.coefficientCount(degree: 2) * 3
        XCTAssertEqual(k, 27)
        // Six Gaussians; at t = 1 the odd ones (centred far away, short-lived) are dropped.
        var gs: [G] = []
        for i in 0..<6 {
            let alive = i % 2 == 0
            gs.append(G(p: [Float(i), 0, 2], s: [0.1 * Float(i + 1), 0.2, 0.3], q: [1, Float(i) * 0.1, 0, 0],
                        o: 0.5 + 0.05 * Float(i), center: alive ? 1 : 10, timeScale: alive ? 2 : 0.5,
                        v: [0, Float(i), 0], w: [0, 0, 0.1, 0]))
        }
        let sh = (0..<(6 * k)).map { Float($0 / k) * 100 + Float($0 % k) }
        let cloud = Self.cloud(gs, degree: 2, sh: sh)
        let t: Float = 1.5
        let slice = cloud.slice(at: t)
        XCTAssertEqual(slice.count, 3)
        XCTAssertEqual(cloud.activeCount(at: t), 3)
        XCTAssertEqual(slice.shDegree, 2)
        XCTAssertEqual(slice.sh.count, 3 * k)
        for (row, i) in [0, 2, 4].enumerated() {
            let s = try XCTUnwrap(cloud.state(i, at: t))
            XCTAssertEqual(slice.positions[row], s.position)
            XCTAssertEqual(slice.rotations[row], s.rotation)
            XCTAssertEqual(slice.opacities[row], s.opacity)
            XCTAssertEqual(slice.scales[row], gs[i].s)
            XCTAssertEqual(Array(slice.sh[(row * k)..<((row + 1) * k)]), Array(sh[(i * k)..<((i + 1) * k)]), "SH row of \(i)")
            XCTAssertEqual(slice.sh[row * k], Float(i) * 100)
        }
        for i in [1, 3, 5] { XCTAssertNil(cloud.state(i, at: t)) }
        // At t = 10 only the odd ones live.
        let late = cloud.slice(at: 10)
        XCTAssertEqual(late.count, 3)
        XCTAssertEqual(late.positions.map(\.x), [1, 3, 5])
        XCTAssertEqual(late.sh[0], 100)
        XCTAssertEqual(late.sh[2 * k], 500)
        // Far from every centre nothing is left, and the empty slice is well formed.
        let none = cloud.slice(at: 1000)
        XCTAssertEqual(none.count, 0)
        XCTAssertEqual(none.sh.count, 0)
        XCTAssertEqual(cloud.activeCount(at: 1000), 0)
    }

    /// Static clouds slice to themselves at any time; every Gaussian is active.
    func testStaticCloudSlicesToItself() {
        var b = SplatCloudBuilder()
        b.degree = 1
        b.add([0, 0, 1], scale: [0.1, 0.2, 0.3], opacity: 0.001, colour: [1, 0, 0])  // below 1/255 still "active"
        b.add([1, 2, 3], scale: [1, 1, 1], opacity: 0.9, colour: [0, 1, 0], rotation: normalizedQuaternion([1, 2, 3, 4]),
              higherOrder: [[0.1, 0.2, 0.3]])
        let cloud = b.cloud
        let temporal = TemporalCloud(static: cloud)
        XCTAssertTrue(temporal.isStatic)
        for t: Float in [-100, 0, 0.5, 1e9] {
            XCTAssertEqual(temporal.slice(at: t), cloud)
            XCTAssertEqual(temporal.activeCount(at: t), 2)
        }
        XCTAssertEqual(temporal.canonical, cloud)
        let s = temporal.state(1, at: 42)
        XCTAssertEqual(s?.position, [1, 2, 3])
        XCTAssertEqual(s?.opacity, 0.9)
    }

    /// activeCount agrees with state and with the slice, over a sweep of times.
    func testActiveCountMatchesStateAndSlice() {
        var rng = SplitMix64(seed: 3)
        var gs: [G] = []
        for _ in 0..<200 {
            gs.append(G(p: rng.pointInBall(), q: rng.rotation(), o: rng.uniform(0.001, 1), center: rng.uniform(0, 1),
                        timeScale: rng.uniform(0.01, 0.3), v: rng.pointInBall(), a: rng.pointInBall(), j: rng.pointInBall(),
                        w: SIMD4(rng.pointInBall(), rng.uniform(-1, 1))))
        }
        for cutoff: Float in [0, 0.05] {
            let cloud = Self.cloud(gs, cutoff: cutoff)
            var seen = Set<Int>()
            for step in 0...20 {
                let t = Float(step) / 20
                let active = (0..<200).filter { cloud.state($0, at: t) != nil }
                XCTAssertEqual(cloud.activeCount(at: t), active.count)
                let slice = cloud.slice(at: t)
                XCTAssertEqual(slice.count, active.count)
                XCTAssertEqual(slice.positions, active.map { cloud.state($0, at: t)!.position })
                XCTAssertTrue(active.count > 0 && active.count < 200, "t = \(t): \(active.count) active")
                seen.formUnion(active)
            }
            XCTAssertGreaterThan(seen.count, 150)
        }
    }
}
