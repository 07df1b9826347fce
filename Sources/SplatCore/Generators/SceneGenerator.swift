import Foundation

/// Deterministic scenes for demos, tests and benchmarks: same seed, same cloud, bit for bit.
public enum SceneGenerator {
    /// A small SH-degree-3 demo scene centred at the origin (radius about 1.5): a rainbow trefoil
    /// knot standing on a ringed ground disc (−y is up, the COLMAP convention). It has view-dependent
    /// colour, varied opacities, anisotropic scales and random rotations.
    public static func synthetic(seed: UInt64 = 1) -> SplatCloud {
        var rng = SplitMix64(seed: seed)
        var builder = SplatCloudBuilder(degree: 3, normalizesRotations: false)
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
        var builder = SplatCloudBuilder(degree: degree, normalizesRotations: false)
        let n = Swift.max(count, 0)
        let volume = 4.0 / 3.0 * Double.pi * 8
        let spacing = Float(cbrt(volume / Double(Swift.max(n, 1))))
        let logScale = log(0.6 * spacing)
        for _ in 0..<n {
            let position = 2 * rng.pointInBall()
            let scale = SIMD3((0..<3).map { _ in exp(logScale + rng.uniform(-0.3, 0.3)) })
            let colour = SIMD3<Float>(rng.unit(), rng.unit(), rng.unit())
            let rotation = rng.rotation(), opacity = rng.uniform(0.3, 1)
            let rest = higherOrder(degree: degree, &rng) { _, rng in rng.uniform(-0.05, 0.05) }
            builder.add(position, scale: scale, opacity: opacity, colour: colour, rotation: rotation, higherOrder: rest)
        }
        return builder.cloud
    }

    // MARK: - Demo scene parts

    /// The trefoil knot's centre line, about ±1 wide and tall, in the x-y plane.
    static func knot(_ t: Float) -> SIMD3<Float> {
        0.32 * SIMD3(sin(t) + 2 * sin(2 * t), cos(t) - 2 * cos(2 * t), -sin(3 * t))
    }

    static func addKnotGaussian(_ builder: inout SplatCloudBuilder, _ rng: inout SplitMix64) {
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
        let rotation = rng.rotation(), opacity = rng.uniform(0.35, 0.95)
        let rest = higherOrder(degree: builder.degree, &rng) { degree, rng in rng.uniform(-1, 1) * [0, 0.2, 0.12, 0.08][degree] }
        builder.add(position, scale: scale, opacity: opacity, colour: hue(t / (2 * Float.pi)), rotation: rotation,
                    higherOrder: rest)
    }

    static func addGroundGaussian(_ builder: inout SplatCloudBuilder, _ rng: inout SplitMix64) {
        let r = 0.95 * rng.unit().squareRoot(), phi = 2 * Float.pi * rng.unit()
        let position = SIMD3(r * cos(phi), 1.15, r * sin(phi))
        // Flat splats lying in the ground plane: local z turned onto world y, random spin about it.
        let half = Float.pi / 4, spin = Float.pi * rng.unit()
        let rotation = multiply(SIMD4(cos(half), sin(half), 0, 0), SIMD4(cos(spin), 0, 0, sin(spin)))
        let scale = SIMD3(0.045 * rng.uniform(0.8, 1.2), 0.045 * rng.uniform(0.8, 1.2), 0.006)
        let light = Int(r / 0.16) % 2 == 0
        let colour: SIMD3<Float> = light ? [0.85, 0.82, 0.75] : [0.3, 0.32, 0.38]
        let opacity = rng.uniform(0.8, 1)
        let rest = higherOrder(degree: builder.degree, &rng) { _, rng in rng.uniform(-0.03, 0.03) }
        builder.add(position, scale: scale, opacity: opacity, colour: colour, rotation: rotation, higherOrder: rest)
    }

    /// SH coefficients 1...(degree + 1)² − 1 as RGB triples, each channel drawn by `draw(l, rng)`
    /// with l the coefficient's degree, in coefficient then channel order (the seeds' sequence).
    static func higherOrder(degree: Int, _ rng: inout SplitMix64,
                            _ draw: (Int, inout SplitMix64) -> Float) -> [SIMD3<Float>] {
        var coefficients: [SIMD3<Float>] = []
        for l in stride(from: 1, through: degree, by: 1) {
            for _ in 0..<(2 * l + 1) {
                let r = draw(l, &rng), g = draw(l, &rng), b = draw(l, &rng)
                coefficients.append(SIMD3(r, g, b))
            }
        }
        return coefficients
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
