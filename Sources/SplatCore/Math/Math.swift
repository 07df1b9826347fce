import Foundation

/// Small linear-algebra helpers. SplatCore imports no C libraries (no `simd` module on Linux):
/// vectors are the standard library's SIMD types and matrices are this row-major 3×3.
public struct Mat3: Equatable, Sendable {
    /// Rows of the matrix.
    public var r0, r1, r2: SIMD3<Float>

    public init(rows r0: SIMD3<Float>, _ r1: SIMD3<Float>, _ r2: SIMD3<Float>) {
        self.r0 = r0; self.r1 = r1; self.r2 = r2
    }

    public static let identity = Mat3(rows: [1, 0, 0], [0, 1, 0], [0, 0, 1])

    public static func diagonal(_ d: SIMD3<Float>) -> Mat3 {
        Mat3(rows: [d.x, 0, 0], [0, d.y, 0], [0, 0, d.z])
    }

    public var transposed: Mat3 {
        Mat3(rows: [r0.x, r1.x, r2.x], [r0.y, r1.y, r2.y], [r0.z, r1.z, r2.z])
    }

    public subscript(row: Int, column: Int) -> Float {
        let r = row == 0 ? r0 : (row == 1 ? r1 : r2)
        return r[column]
    }

    public static func * (m: Mat3, v: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(dot(m.r0, v), dot(m.r1, v), dot(m.r2, v))
    }

    public static func * (a: Mat3, b: Mat3) -> Mat3 {
        let bt = b.transposed
        return Mat3(rows: SIMD3(dot(a.r0, bt.r0), dot(a.r0, bt.r1), dot(a.r0, bt.r2)),
                    SIMD3(dot(a.r1, bt.r0), dot(a.r1, bt.r1), dot(a.r1, bt.r2)),
                    SIMD3(dot(a.r2, bt.r0), dot(a.r2, bt.r1), dot(a.r2, bt.r2)))
    }

    /// Rotation matrix of a unit quaternion stored (w, x, y, z), as in the 3DGS PLY.
    public static func rotation(quaternionWXYZ q: SIMD4<Float>) -> Mat3 {
        let (w, x, y, z) = (q.x, q.y, q.z, q.w)
        return Mat3(rows: [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                    [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                    [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])
    }
}

@inline(__always) public func dot(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
    (a * b).sum()
}

@inline(__always) public func cross(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

@inline(__always) public func length(_ a: SIMD3<Float>) -> Float { dot(a, a).squareRoot() }

@inline(__always) public func normalize(_ a: SIMD3<Float>) -> SIMD3<Float> { a / length(a) }

/// Normalises a quaternion; a zero quaternion becomes the identity (w = 1) instead of NaN.
@inline(__always) public func normalizedQuaternion(_ q: SIMD4<Float>) -> SIMD4<Float> {
    let n = (q * q).sum().squareRoot()
    return n > 0 ? q / n : SIMD4(1, 0, 0, 0)
}

@inline(__always) public func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

/// The inverse of `sigmoid` for a stored opacity, clamped into [ε, 1 − ε] (ε = 1e-6) first so that
/// 0 and 1 stay finite: the one logit every encoder writes.
public func opacityLogit(_ opacity: Float) -> Float {
    let epsilon: Float = 1e-6
    let clamped = Swift.min(Swift.max(opacity, epsilon), 1 - epsilon)
    return log(clamped / (1 - clamped))
}

/// Unit quaternion (w, x, y, z) of a rotation matrix (Shepperd's method, stable for all angles).
public func unitQuaternion(fromRotation m: [[Double]]) -> SIMD4<Float> {
    let trace = m[0][0] + m[1][1] + m[2][2]
    var q: SIMD4<Double>
    if trace > 0 {
        let s = (trace + 1).squareRoot() * 2
        q = SIMD4(0.25 * s, (m[2][1] - m[1][2]) / s, (m[0][2] - m[2][0]) / s, (m[1][0] - m[0][1]) / s)
    } else if m[0][0] > m[1][1] && m[0][0] > m[2][2] {
        let s = (1 + m[0][0] - m[1][1] - m[2][2]).squareRoot() * 2
        q = SIMD4((m[2][1] - m[1][2]) / s, 0.25 * s, (m[0][1] + m[1][0]) / s, (m[0][2] + m[2][0]) / s)
    } else if m[1][1] > m[2][2] {
        let s = (1 + m[1][1] - m[0][0] - m[2][2]).squareRoot() * 2
        q = SIMD4((m[0][2] - m[2][0]) / s, (m[0][1] + m[1][0]) / s, 0.25 * s, (m[1][2] + m[2][1]) / s)
    } else {
        let s = (1 + m[2][2] - m[0][0] - m[1][1]).squareRoot() * 2
        q = SIMD4((m[1][0] - m[0][1]) / s, (m[0][2] + m[2][0]) / s, (m[1][2] + m[2][1]) / s, 0.25 * s)
    }
    q /= (q * q).sum().squareRoot()
    return SIMD4<Float>(q)
}
