import Foundation

/// The raw parameters of one native 4D Gaussian (Yang et al., ICLR 2024; fudan-zvg/4d-gaussian-splatting)
/// and the maths that slices it in time (DESIGN.md §4): Σ4 = L·Lᵀ with L = R4·diag(s);
/// velocity = Σ_xt/Σ_tt; Σ3 = Σ_xyz − Σ_xt·Σ_xtᵀ/Σ_tt. The file formats and generators share it.
public struct Gaussian4D: Equatable, Sendable {
    /// The trainer builds R4 = M_l(left)·M_r(right) and, since September 2024, reverses both axes
    /// of it (`flip(1, 2)`): "flipped". Older checkpoints are "unflipped".
    public enum RotationConvention: String, Sendable { case flipped, unflipped }

    public var mean: SIMD4<Double>          // x, y, z, t
    public var logScale: SIMD4<Double>      // x, y, z, t
    public var left: SIMD4<Double>          // w, x, y, z
    public var right: SIMD4<Double>
    public init(mean: SIMD4<Double>, logScale: SIMD4<Double>, left: SIMD4<Double>, right: SIMD4<Double>) {
        self.mean = mean; self.logScale = logScale; self.left = left; self.right = right
    }

    /// The conditional (sliced) Gaussian: velocity Σ_xt/Σ_tt, covariance Σ_xyz − Σ_xt Σ_xtᵀ/Σ_tt
    /// (as rows of a symmetric 3×3) and Σ_tt. Double precision.
    public static func conditional(_ raw: Gaussian4D, convention: RotationConvention = .flipped)
        -> (velocity: SIMD3<Double>, covariance: [[Double]], varianceT: Double) {
        let sigma = covariance4D(raw, convention: convention)
        let stt = sigma[3][3]
        let sxt = SIMD3(sigma[0][3], sigma[1][3], sigma[2][3])
        var cov = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 { for j in 0..<3 { cov[i][j] = sigma[i][j] - sxt[i] * sxt[j] / stt } }
        return (sxt / stt, cov, stt)
    }

    /// Σ4 = L·Lᵀ with L = R4·diag(exp(logScale)).
    public static func covariance4D(_ raw: Gaussian4D, convention: RotationConvention) -> [[Double]] {
        let r = rotation4D(left: raw.left, right: raw.right, convention: convention)
        let s = SIMD4(exp(raw.logScale.x), exp(raw.logScale.y), exp(raw.logScale.z), exp(raw.logScale.w))
        var sigma = [[Double]](repeating: [0, 0, 0, 0], count: 4)
        for i in 0..<4 {
            for j in 0..<4 {
                var sum = 0.0
                for k in 0..<4 { sum += r[i][k] * s[k] * s[k] * r[j][k] }
                sigma[i][j] = sum
            }
        }
        return sigma
    }

    /// The trainer's 4D rotation from its two unit quaternions (build_rotation_4d).
    public static func rotation4D(left l: SIMD4<Double>, right r: SIMD4<Double>, convention: RotationConvention) -> [[Double]] {
        // A zero quaternion means "no rotation", as the 3DGS loader reads it (not NaN).
        func unit(_ q: SIMD4<Double>) -> SIMD4<Double> {
            let n = (q * q).sum().squareRoot()
            return n > 0 ? q / n : SIMD4(1, 0, 0, 0)
        }
        let ql = unit(l), qr = unit(r)
        let (a, b, c, d) = (ql[0], ql[1], ql[2], ql[3])
        let (p, q, rr, s) = (qr[0], qr[1], qr[2], qr[3])
        let ml: [[Double]] = [[a, -b, -c, -d], [b, a, -d, c], [c, d, a, -b], [d, -c, b, a]]
        let mr: [[Double]] = [[p, q, rr, s], [-q, p, -s, rr], [-rr, s, p, -q], [-s, -rr, q, p]]
        var m = [[Double]](repeating: [0, 0, 0, 0], count: 4)
        for i in 0..<4 { for j in 0..<4 { for k in 0..<4 { m[i][j] += ml[i][k] * mr[k][j] } } }
        guard convention == .flipped else { return m }
        return (0..<4).map { i in (0..<4).map { j in m[3 - i][3 - j] } }
    }

    /// Standard deviations and unit quaternion (w, x, y, z) of a symmetric positive semi-definite
    /// 3×3 covariance: Σ = R·diag(s²)·Rᵀ (cyclic Jacobi eigendecomposition in double precision).
    public static func principalAxes(of covariance: [[Double]]) -> (SIMD3<Float>, SIMD4<Float>) {
        var a = covariance
        var v: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        for _ in 0..<32 {
            let off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2]
            if off < 1e-30 * max(1e-300, a[0][0] * a[0][0] + a[1][1] * a[1][1] + a[2][2] * a[2][2]) { break }
            for (p, q) in [(0, 1), (0, 2), (1, 2)] where a[p][q] != 0 {
                let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<3 {  // A ← Jᵀ·A·J, V ← V·J
                    let akp = a[k][p], akq = a[k][q]
                    a[k][p] = c * akp - s * akq
                    a[k][q] = s * akp + c * akq
                }
                for k in 0..<3 {
                    let apk = a[p][k], aqk = a[q][k]
                    a[p][k] = c * apk - s * aqk
                    a[q][k] = s * apk + c * aqk
                }
                for k in 0..<3 {
                    let vkp = v[k][p], vkq = v[k][q]
                    v[k][p] = c * vkp - s * vkq
                    v[k][q] = s * vkp + c * vkq
                }
            }
        }
        // Columns of v are the eigenvectors; make it a proper rotation.
        let det = v[0][0] * (v[1][1] * v[2][2] - v[1][2] * v[2][1]) - v[0][1] * (v[1][0] * v[2][2] - v[1][2] * v[2][0])
            + v[0][2] * (v[1][0] * v[2][1] - v[1][1] * v[2][0])
        if det < 0 { for k in 0..<3 { v[k][2] = -v[k][2] } }
        let scale = SIMD3<Float>(Float(max(a[0][0], 0).squareRoot()), Float(max(a[1][1], 0).squareRoot()),
                                 Float(max(a[2][2], 0).squareRoot()))
        return (scale, unitQuaternion(fromRotation: v))
    }
}
