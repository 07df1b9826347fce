import Foundation

/// A larger scene with a real capture's statistics: for benchmarks at sizes no bundled capture has
/// (BENCHMARKS.md, "Where a real capture's blend time goes").
public enum Resampler {
    /// `count` Gaussians drawn from `source`: each copies a random Gaussian of it (opacity,
    /// rotation, SH colour, anisotropy), moved to a random point of that Gaussian's 1σ ellipsoid
    /// and shrunk by ∛(source count / count), so the scene keeps its shape, total volume and
    /// opacity and colour distributions while its Gaussians get as small as a denser capture's.
    public static func resample(_ source: SplatCloud, count: Int, seed: UInt64 = 1) -> SplatCloud {
        precondition(source.count > 0, "nothing to resample")
        var rng = SplitMix64(seed: seed)
        let n = Swift.max(count, 0)
        let shrink = Float(cbrt(Double(source.count) / Double(Swift.max(n, 1))))
        let coefficients = source.coefficientsPerGaussian * 3
        var positions = [SIMD3<Float>](), scales = [SIMD3<Float>](), rotations = [SIMD4<Float>]()
        var opacities = [Float](), sh = [Float]()
        positions.reserveCapacity(n)
        scales.reserveCapacity(n)
        rotations.reserveCapacity(n)
        opacities.reserveCapacity(n)
        sh.reserveCapacity(n * coefficients)
        for _ in 0..<n {
            let i = Int(rng.next() % UInt64(source.count))
            let rotation = source.rotations[i]
            let offset = Mat3.rotation(quaternionWXYZ: rotation) * (source.scales[i] * rng.pointInBall())
            positions.append(source.positions[i] + offset)
            scales.append(source.scales[i] * shrink)
            rotations.append(rotation)
            opacities.append(source.opacities[i])
            sh.append(contentsOf: source.sh[(i * coefficients)..<((i + 1) * coefficients)])
        }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                          shDegree: source.shDegree, sh: sh)
    }
}
