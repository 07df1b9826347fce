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
