import Foundation

/// SplitMix64: tiny, fast, and the same sequence everywhere, so generated scenes are reproducible
/// from their seed (Foundation's generators are neither seedable nor portable).
public struct SplitMix64: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 24 bits (exactly representable as Float).
    public mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }

    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * unit() }

    /// A uniformly distributed unit quaternion (w, x, y, z) (Shoemake's method).
    public mutating func rotation() -> SIMD4<Float> {
        let u1 = unit(), a = 2 * Float.pi * unit(), b = 2 * Float.pi * unit()
        let s = (1 - u1).squareRoot(), t = u1.squareRoot()
        return normalizedQuaternion(SIMD4(t * cos(b), s * sin(a), s * cos(a), t * sin(b)))
    }

    /// A uniform point in the unit ball.
    public mutating func pointInBall() -> SIMD3<Float> {
        let z = uniform(-1, 1), phi = 2 * Float.pi * unit()
        let r = cbrt(unit()), ring = (1 - z * z).squareRoot()
        return r * SIMD3(ring * cos(phi), ring * sin(phi), z)
    }
}

/// Deterministic scenes for demos, tests and benchmarks: same seed, same cloud, bit for bit.
public enum SceneGenerator {
    /// A small SH-degree-3 demo scene centred at the origin (radius about 1.5): a rainbow trefoil
    /// knot standing on a ringed ground disc (−y is up, the COLMAP convention). It has view-dependent
    /// colour, varied opacities, anisotropic scales and random rotations.
    public static func synthetic(seed: UInt64 = 1) -> SplatCloud {
        var rng = SplitMix64(seed: seed)
        var builder = GeneratedCloudBuilder(shDegree: 3)
        for _ in 0..<2800 { addKnotGaussian(&builder, &rng) }
        for _ in 0..<900 { addGroundGaussian(&builder, &rng) }
        return builder.cloud
    }

    /// `count` Gaussians uniform in a ball of radius 2 at the origin, sized to the mean spacing
    /// (log-scale ≈ ln(0.6·spacing) ± 0.3), random rotations, opacity in [0.3, 1], random SH whose
    /// DC term gives colours in [0, 1] and whose higher orders are small.
    public static func benchmarkBall(count: Int, seed: UInt64 = 1, shDegree: Int = 3) -> SplatCloud {
        let degree = Swift.min(Swift.max(shDegree, 0), 3)
        var rng = SplitMix64(seed: seed)
        var builder = GeneratedCloudBuilder(shDegree: degree)
        let n = Swift.max(count, 0)
        let volume = 4.0 / 3.0 * Double.pi * 8
        let spacing = Float(cbrt(volume / Double(Swift.max(n, 1))))
        let logScale = log(0.6 * spacing)
        for _ in 0..<n {
            let position = 2 * rng.pointInBall()
            let scale = SIMD3((0..<3).map { _ in exp(logScale + rng.uniform(-0.3, 0.3)) })
            let colour = SIMD3<Float>(rng.unit(), rng.unit(), rng.unit())
            builder.add(position: position, scale: scale, rotation: rng.rotation(),
                        opacity: rng.uniform(0.3, 1), colour: colour,
                        higherOrder: { degree, rng in rng.uniform(-0.05, 0.05) }, rng: &rng)
        }
        return builder.cloud
    }

    // MARK: - Demo scene parts

    /// The trefoil knot's centre line, about ±1 wide and tall, in the x-y plane.
    static func knot(_ t: Float) -> SIMD3<Float> {
        0.32 * SIMD3(sin(t) + 2 * sin(2 * t), cos(t) - 2 * cos(2 * t), -sin(3 * t))
    }

    static func addKnotGaussian(_ builder: inout GeneratedCloudBuilder, _ rng: inout SplitMix64) {
        let t = 2 * Float.pi * rng.unit()
        let centre = knot(t)
        let tangent = normalize(knot(t + 1e-3) - knot(t - 1e-3))
        let helper: SIMD3<Float> = abs(tangent.z) < 0.9 ? [0, 0, 1] : [1, 0, 0]
        let normal = normalize(cross(tangent, helper))
        let binormal = cross(tangent, normal)
        let around = 2 * Float.pi * rng.unit()
        let radius = 0.12 * rng.uniform(0.75, 1)
        let position = centre + radius * (cos(around) * normal + sin(around) * binormal)
        let base: Float = 0.03
        let scale = SIMD3(base * rng.uniform(1, 2.2), base * rng.uniform(0.5, 1), base * rng.uniform(0.3, 0.7))
        builder.add(position: position, scale: scale, rotation: rng.rotation(),
                    opacity: rng.uniform(0.35, 0.95), colour: hue(t / (2 * Float.pi)),
                    higherOrder: { degree, rng in rng.uniform(-1, 1) * [0, 0.2, 0.12, 0.08][degree] },
                    rng: &rng)
    }

    static func addGroundGaussian(_ builder: inout GeneratedCloudBuilder, _ rng: inout SplitMix64) {
        let r = 0.95 * rng.unit().squareRoot(), phi = 2 * Float.pi * rng.unit()
        let position = SIMD3(r * cos(phi), 1.15, r * sin(phi))
        // Flat splats lying in the ground plane: local z turned onto world y, random spin about it.
        let half = Float.pi / 4, spin = Float.pi * rng.unit()
        let rotation = multiply(SIMD4(cos(half), sin(half), 0, 0), SIMD4(cos(spin), 0, 0, sin(spin)))
        let scale = SIMD3(0.045 * rng.uniform(0.8, 1.2), 0.045 * rng.uniform(0.8, 1.2), 0.006)
        let light = Int(r / 0.16) % 2 == 0
        let colour: SIMD3<Float> = light ? [0.85, 0.82, 0.75] : [0.3, 0.32, 0.38]
        builder.add(position: position, scale: scale, rotation: rotation,
                    opacity: rng.uniform(0.8, 1), colour: colour,
                    higherOrder: { _, rng in rng.uniform(-0.03, 0.03) }, rng: &rng)
    }

    /// A fully saturated colour around the hue circle, h in [0, 1).
    static func hue(_ h: Float) -> SIMD3<Float> {
        let channel = { (offset: Float) -> Float in
            let x = abs((h + offset).truncatingRemainder(dividingBy: 1) * 6 - 3) - 1
            return Swift.min(Swift.max(x, 0), 1) * 0.8 + 0.1
        }
        return SIMD3(channel(0), channel(2.0 / 3), channel(1.0 / 3))
    }

    /// Hamilton product of quaternions stored (w, x, y, z).
    static func multiply(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
        let av = SIMD3(a[1], a[2], a[3]), bv = SIMD3(b[1], b[2], b[3])
        let v = a[0] * bv + b[0] * av + cross(av, bv)
        return normalizedQuaternion(SIMD4(a[0] * b[0] - dot(av, bv), v.x, v.y, v.z))
    }
}

/// Accumulates Gaussians into the parallel arrays of a `SplatCloud`.
struct GeneratedCloudBuilder {
    let shDegree: Int
    var positions: [SIMD3<Float>] = []
    var scales: [SIMD3<Float>] = []
    var rotations: [SIMD4<Float>] = []
    var opacities: [Float] = []
    var sh: [Float] = []

    init(shDegree: Int) { self.shDegree = shDegree }

    /// `colour` is the target RGB (the DC term); `higherOrder(l, rng)` draws each coefficient of degree l.
    mutating func add(position: SIMD3<Float>, scale: SIMD3<Float>, rotation: SIMD4<Float>, opacity: Float,
                      colour: SIMD3<Float>, higherOrder: (Int, inout SplitMix64) -> Float,
                      rng: inout SplitMix64) {
        positions.append(position)
        scales.append(scale)
        rotations.append(rotation)
        opacities.append(opacity)
        for c in 0..<3 { sh.append((colour[c] - 0.5) / SphericalHarmonics.c0) }
        for degree in stride(from: 1, through: shDegree, by: 1) {
            for _ in 0..<(3 * (2 * degree + 1)) { sh.append(higherOrder(degree, &rng)) }
        }
    }

    var cloud: SplatCloud {
        SplatCloud(positions: positions, scales: scales, rotations: rotations,
                   opacities: opacities, shDegree: shDegree, sh: sh)
    }
}
