import Foundation

/// Spherical linear interpolation of unit quaternions along the shorter arc; nearly parallel
/// quaternions fall back to a normalised linear blend (the formula's division degenerates).
public func slerp(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ w: Float) -> SIMD4<Float> {
    var d = (a * b).sum()
    var target = b
    if d < 0 { d = -d; target = -b }
    if d > 0.9995 { return normalizedQuaternion(a + (target - a) * w) }
    let theta = acos(min(d, 1))
    let s = sin(theta)
    return normalizedQuaternion(a * (sin((1 - w) * theta) / s) + target * (sin(w * theta) / s))
}
