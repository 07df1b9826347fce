import Foundation

/// Reproducible synthetic performances for Scenes/ and tests: a stick-figure dancer whose arms and
/// legs swing, stored the way the 4D trainers store motion.
public enum PerformanceGenerator {
    /// One body part: a segment from a joint, swinging in the image plane by `amplitude` radians
    /// around `rest` (radians from straight down), `cycles` times per unit of time.
    struct Limb {
        var joint: SIMD3<Float>
        var length: Float
        var rest: Float
        var amplitude: Float
        var phase: Float
        var cycles: Float
        var colour: SIMD3<Float>

        func angle(_ t: Float) -> Float { rest + amplitude * sin(2 * .pi * (cycles * t + phase)) }
        /// Point at fraction `u` along the limb at time t, and its first three time derivatives.
        func point(_ u: Float, _ t: Float) -> (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>, SIMD3<Float>) {
            let w = 2 * Float.pi * cycles
            let phi = angle(t)
            let d1 = amplitude * w * cos(2 * .pi * (cycles * t + phase))
            let d2 = -amplitude * w * w * sin(2 * .pi * (cycles * t + phase))
            let d3 = -amplitude * w * w * w * cos(2 * .pi * (cycles * t + phase))
            let r = u * length
            // Direction (sin φ, cos φ): y grows downward (COLMAP/OpenCV), so φ = 0 hangs down.
            let p = joint + r * SIMD3(sin(phi), cos(phi), 0)
            let dir1 = SIMD3(cos(phi), -sin(phi), 0)          // d/dφ
            let dir2 = SIMD3(-sin(phi), -cos(phi), 0)         // d²/dφ²
            let dir3 = SIMD3(-cos(phi), sin(phi), 0)          // d³/dφ³
            let v = r * d1 * dir1
            let a = r * (d2 * dir1 + d1 * d1 * dir2)
            let j = r * (d3 * dir1 + 3 * d1 * d2 * dir2 + d1 * d1 * d1 * dir3)
            return (p, v, a, j)
        }
    }

    static let limbs: [Limb] = [
        Limb(joint: [-0.25, -0.55, 0], length: 0.6, rest: -0.5, amplitude: 0.9, phase: 0, cycles: 2, colour: [0.9, 0.3, 0.2]),
        Limb(joint: [0.25, -0.55, 0], length: 0.6, rest: 0.5, amplitude: 0.9, phase: 0.5, cycles: 2, colour: [0.2, 0.4, 0.9]),
        Limb(joint: [-0.15, 0.35, 0], length: 0.75, rest: -0.15, amplitude: 0.5, phase: 0.25, cycles: 1, colour: [0.9, 0.8, 0.2]),
        Limb(joint: [0.15, 0.35, 0], length: 0.75, rest: 0.15, amplitude: 0.5, phase: 0.75, cycles: 1, colour: [0.3, 0.8, 0.4]),
    ]

    /// The dancer with polynomial motion (the Spacetime Gaussians / splaTV model), SH degree 0, time
    /// in [0, 1]. The torso and head are static; each limb is drawn by short-lived Gaussians whose
    /// cubic motion follows the swing around their time centre.
    public static func dancer(seed: UInt64 = 7, keyTimes: Int = 40, gaussiansPerLimb: Int = 24) -> TemporalCloud {
        var rng = SplitMix64(seed: seed)
        var b = SplatCloudBuilder(normalizesRotations: false)
        // Torso and head: long-lived, no motion (a huge time scale keeps them at full opacity).
        for i in 0..<120 {
            let u = Float(i) / 119
            let p = SIMD3<Float>(rng.uniform(-0.12, 0.12), -0.6 + 0.95 * u, rng.uniform(-0.05, 0.05))
            b.add(p, scale: [0.07, 0.07, 0.05], opacity: 0.9, colour: [0.85, 0.85, 0.9], rotation: rng.rotation(),
                  trajectory: .init(timeCenter: 0.5, timeScale: 1e4))
        }
        for _ in 0..<60 {
            let d = rng.pointInBall() * 0.13
            b.add(SIMD3(0, -0.8, 0) + d, scale: [0.05, 0.05, 0.05], opacity: 0.95, colour: [0.95, 0.75, 0.6],
                  rotation: rng.rotation(), trajectory: .init(timeCenter: 0.5, timeScale: 1e4))
        }
        // Limbs: at each key time, a row of Gaussians along the limb living ~1.5 key intervals.
        let spacing = 1 / Float(keyTimes)
        for limb in limbs {
            for k in 0...keyTimes {
                let tc = Float(k) * spacing
                for g in 0..<gaussiansPerLimb {
                    let u = (Float(g) + 0.5) / Float(gaussiansPerLimb)
                    let (p, v, a, j) = limb.point(u, tc)
                    b.add(p, scale: [0.035, 0.035, 0.035], opacity: 0.9, colour: limb.colour,
                          trajectory: .init(timeCenter: tc, timeScale: 0.9 * spacing, velocity: v, acceleration: a / 2,
                                            jerk: j / 6))
                }
            }
        }
        return b.temporalCloud(metadata: SceneMetadata(timeRange: 0...1, timeUnit: "segment"))
    }

    /// The dancer as native 4D Gaussians (raw parameters, as Gaussian4DPLY stores them): each limb Gaussian is a
    /// 4D Gaussian centred on the swing at its time, with identity rotations (so the slice does
    /// not move it: the swing is carried by neighbouring Gaussians fading in and out), and SH
    /// degree 1 with a mild view-dependent tint. Time in seconds over 0...2, 30 frames/s.
    public static func dancer4D(seed: UInt64 = 11, keyTimes: Int = 120, gaussiansPerLimb: Int = 24)
        -> (gaussians: [Gaussian4D], opacities: [Float], sh: [Float], timeRange: ClosedRange<Float>) {
        var rng = SplitMix64(seed: seed)
        let duration: Float = 2
        var gaussians: [Gaussian4D] = [], opacities: [Float] = [], sh: [Float] = []
        func add(_ p: SIMD3<Float>, t: Float, scale: SIMD3<Float>, timeScale: Float, colour: SIMD3<Float>, opacity: Float) {
            let identity = SIMD4<Double>(1, 0, 0, 0)
            let tilt = SIMD4<Double>(1, Double(rng.uniform(-0.05, 0.05)), Double(rng.uniform(-0.05, 0.05)), 0)
            gaussians.append(Gaussian4D(mean: SIMD4(Double(p.x), Double(p.y), Double(p.z), Double(t)),
                                               logScale: SIMD4(Double(log(scale.x)), Double(log(scale.y)), Double(log(scale.z)),
                                                               Double(log(timeScale))),
                                               left: tilt, right: identity))
            opacities.append(opacity)
            let dc = (colour - 0.5) / SphericalHarmonics.c0
            sh += [dc.x, dc.y, dc.z]
            for _ in 0..<3 { sh += [rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1)] }
        }
        for i in 0..<120 {
            let u = Float(i) / 119
            add([rng.uniform(-0.12, 0.12), -0.6 + 0.95 * u, rng.uniform(-0.05, 0.05)], t: duration / 2,
                scale: [0.07, 0.07, 0.05], timeScale: 100, colour: [0.85, 0.85, 0.9], opacity: 0.9)
        }
        for _ in 0..<60 {
            add(SIMD3(0, -0.8, 0) + rng.pointInBall() * 0.13, t: duration / 2, scale: [0.05, 0.05, 0.05], timeScale: 100,
                colour: [0.95, 0.75, 0.6], opacity: 0.95)
        }
        let spacing = duration / Float(keyTimes)
        for limb in limbs {
            for k in 0...keyTimes {
                let t = Float(k) * spacing
                for g in 0..<gaussiansPerLimb {
                    let u = (Float(g) + 0.5) / Float(gaussiansPerLimb)
                    let (p, _, _, _) = limb.point(u, t / duration)
                    add(p, t: t, scale: [0.035, 0.035, 0.035], timeScale: 0.45 * spacing, colour: limb.colour, opacity: 0.9)
                }
            }
        }
        return (gaussians, opacities, sh, 0...duration)
    }
}

extension PerformanceGenerator {
    /// The 4D benchmark ball: the Gaussians of `SceneGenerator.benchmarkBall` (SH degree 0) given
    /// time centres uniform in [0, 1], small random velocities, and a time scale chosen so that
    /// about `activeFraction` of them are active at any t well inside the range.
    public static func benchmarkBall4D(count: Int, activeFraction: Float = 0.1, seed: UInt64 = 1) -> TemporalCloud {
        let base = SceneGenerator.benchmarkBall(count: count, seed: seed, shDegree: 0)
        var rng = SplitMix64(seed: seed ^ 0x5EED)
        // Active while α0·exp(−(Δt/s)²) ≥ 1/255, i.e. |Δt| ≤ s·√ln(255·α0) ≈ 2.2·s for α0 ≈ 0.65.
        let timeScale = activeFraction / (2 * 2.2)
        var centers = [Float](), velocities = [SIMD3<Float>]()
        for _ in 0..<base.count {
            centers.append(rng.unit())
            velocities.append(SIMD3(rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)))
        }
        let zero3 = [SIMD3<Float>](repeating: .zero, count: base.count)
        return TemporalCloud(positions: base.positions, scales: base.scales, rotations: base.rotations,
                             opacities: base.opacities, shDegree: 0, sh: base.sh,
                             motion: .init(timeCenters: centers, velocities: velocities, accelerations: zero3, jerks: zero3,
                                           angularVelocities: .init(repeating: .zero, count: base.count),
                                           timeScales: .init(repeating: timeScale, count: base.count)),
                             metadata: SceneMetadata(timeRange: 0...1, timeUnit: "segment"))
    }

    /// The dancer as keyframes: the same Gaussians posed at `frameCount` evenly spaced instants of
    /// its (normalised) dance, limbs turning rigidly about their joints so that consecutive frames
    /// interpolate (Dynamic 3D Gaussians' and per-frame PLY sequences' model). SH degree 0.
    public static func dancerFrames(seed: UInt64 = 5, frameCount: Int = 8, gaussiansPerLimb: Int = 20) -> [SplatCloud] {
        var rng = SplitMix64(seed: seed)
        var torso: [(SIMD3<Float>, SIMD3<Float>, SIMD4<Float>, SIMD3<Float>)] = []
        for i in 0..<80 {
            let u = Float(i) / 79
            torso.append(([rng.uniform(-0.12, 0.12), -0.6 + 0.95 * u, rng.uniform(-0.05, 0.05)], [0.07, 0.07, 0.05],
                          rng.rotation(), [0.85, 0.85, 0.9]))
        }
        for _ in 0..<40 {
            torso.append((SIMD3(0, -0.8, 0) + rng.pointInBall() * 0.13, [0.05, 0.05, 0.05], rng.rotation(), [0.95, 0.75, 0.6]))
        }
        return (0..<frameCount).map { f in
            let t = Float(f) / Float(frameCount)
            var b = SplatCloudBuilder()
            for (p, s, q, c) in torso { b.add(p, scale: s, opacity: 0.9, colour: c, rotation: q) }
            for limb in limbs {
                let phi = limb.angle(t)
                // The limb's orientation about z, so the Gaussians' own axes turn with it.
                let q = SIMD4<Float>(cos(phi / 2), 0, 0, -sin(phi / 2))
                for g in 0..<gaussiansPerLimb {
                    let u = (Float(g) + 0.5) / Float(gaussiansPerLimb)
                    b.add(limb.point(u, t).0, scale: [0.02, 0.045, 0.02], opacity: 0.9, colour: limb.colour, rotation: q)
                }
            }
            return b.cloud
        }
    }
}
