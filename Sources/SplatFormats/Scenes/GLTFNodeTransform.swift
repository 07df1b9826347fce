import Foundation
import SplatCore

/// A glTF node's world transform (x' = linear·x + translation), and what it does to Gaussians:
/// centres move, covariances become linear·Σ·linearᵀ, and the SH turn with the rotation.
struct GLTFNodeTransform {
    /// Row-major 3×3.
    var linear: [Double]
    var translation: SIMD3<Double>

    static let identity = GLTFNodeTransform(linear: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: .zero)

    var isIdentity: Bool { linear == Self.identity.linear && translation == .zero }

    /// A node's local transform: `matrix` (16 numbers, column-major) or TRS (translation,
    /// rotation x, y, z, w, scale), as glTF 2.0 §3.5.3 defines.
    static func local(_ node: [String: Any], key: String, fail: (String) -> SceneFileError) throws -> GLTFNodeTransform {
        func numbers(_ name: String, _ count: Int) throws -> [Double]? {
            guard let value = node[name] else { return nil }
            guard let list = value as? [Any], list.count == count else { throw fail("\(key).\(name) must be a list of \(count) numbers") }
            return try list.map { try JSONValues.number($0, key: "\(key).\(name)", fail: fail) }
        }
        if let m = try numbers("matrix", 16) {
            guard m[3] == 0, m[7] == 0, m[11] == 0, m[15] == 1 else { throw fail("\(key).matrix is not affine (its last row is not 0, 0, 0, 1)") }
            return GLTFNodeTransform(linear: [m[0], m[4], m[8], m[1], m[5], m[9], m[2], m[6], m[10]],
                                     translation: SIMD3(m[12], m[13], m[14]))
        }
        let t = try numbers("translation", 3) ?? [0, 0, 0]
        let q = try numbers("rotation", 4) ?? [0, 0, 0, 1]
        let s = try numbers("scale", 3) ?? [1, 1, 1]
        let norm = (q.map { $0 * $0 }.reduce(0, +)).squareRoot()
        guard norm > 0 else { throw fail("\(key).rotation is not a quaternion (all zero)") }
        let r = rotationMatrix(x: q[0] / norm, y: q[1] / norm, z: q[2] / norm, w: q[3] / norm)
        // T·R·S: the columns of R scaled.
        let linear = (0..<9).map { r[$0] * s[$0 % 3] }
        return GLTFNodeTransform(linear: linear, translation: SIMD3(t[0], t[1], t[2]))
    }

    static func rotationMatrix(x: Double, y: Double, z: Double, w: Double) -> [Double] {
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
         2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
         2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]
    }

    /// self ∘ inner: first inner, then self (a parent's transform times its child's).
    func then(_ inner: GLTFNodeTransform) -> GLTFNodeTransform {
        GLTFNodeTransform(linear: Self.multiply(linear, inner.linear), translation: apply(inner.translation))
    }

    func apply(_ p: SIMD3<Double>) -> SIMD3<Double> {
        let rows = (0..<3).map { r -> Double in
            let row = SIMD3(linear[3 * r], linear[3 * r + 1], linear[3 * r + 2])
            return (row * p).sum()
        }
        return SIMD3(rows[0], rows[1], rows[2]) + translation
    }

    static func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: 9)
        for row in 0..<3 {
            for column in 0..<3 {
                var sum = 0.0
                for k in 0..<3 { sum += a[row * 3 + k] * b[k * 3 + column] }
                out[row * 3 + column] = sum
            }
        }
        return out
    }

    static func transpose(_ a: [Double]) -> [Double] {
        (0..<9).map { (i: Int) -> Double in a[(i % 3) * 3 + i / 3] }
    }

    /// The rotation and uniform scale when the linear part is a similarity (AᵀA = k²·I, det > 0), else nil.
    var similarity: (rotation: [Double], scale: Double)? {
        let ata = Self.multiply(Self.transpose(linear), linear)
        let k2 = (ata[0] + ata[4] + ata[8]) / 3
        guard k2 > 0 else { return nil }
        let tolerance = 1e-6 * k2
        for i in 0..<9 where abs(ata[i] - (i % 4 == 0 ? k2 : 0)) > tolerance { return nil }
        let k = k2.squareRoot()
        let rotation = linear.map { $0 / k }
        guard Self.determinant(rotation) > 0 else { return nil }
        return (rotation, k)
    }

    static func determinant(_ m: [Double]) -> Double {
        m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
    }

    // MARK: - Gaussians

    /// The Gaussians moved by this transform. Similarities (the common case: rotation, uniform
    /// scale, translation) turn quaternions exactly and rotate the SH of every degree; any other
    /// linear part has its covariances re-factored (Gaussian4D.principalAxes), and its SH are left
    /// as they are (`shRotated` false): a shear has no rotation to apply to them.
    func transformed(_ cloud: SplatCloud) -> (cloud: SplatCloud, shRotated: Bool) {
        guard !isIdentity else { return (cloud, true) }
        var out = cloud
        for i in 0..<cloud.count {
            let p = cloud.positions[i]
            let moved = apply(SIMD3(Double(p.x), Double(p.y), Double(p.z)))
            out.positions[i] = SIMD3(Float(moved.x), Float(moved.y), Float(moved.z))
        }
        if let (rotation, k) = similarity {
            let turn = unitQuaternion(fromRotation: Self.rows(rotation))
            for i in 0..<cloud.count {
                out.rotations[i] = normalizedQuaternion(Self.product(turn, cloud.rotations[i]))
                out.scales[i] = cloud.scales[i] * Float(k)
            }
            out.sh = SHRotation(rotation: rotation, degree: cloud.shDegree).apply(to: cloud.sh, count: cloud.count)
            return (out, true)
        }
        for i in 0..<cloud.count {
            let r = Mat3.rotation(quaternionWXYZ: cloud.rotations[i])
            let s = cloud.scales[i]
            // Σ = R·S·Sᵀ·Rᵀ, then A·Σ·Aᵀ.
            var sigma = [Double](repeating: 0, count: 9)
            for a in 0..<3 { for b in 0..<3 {
                sigma[a * 3 + b] = (0..<3).map { Double(r[a, $0]) * Double(s[$0] * s[$0]) * Double(r[b, $0]) }.reduce(0, +)
            } }
            let moved = Self.multiply(Self.multiply(linear, sigma), Self.transpose(linear))
            (out.scales[i], out.rotations[i]) = Gaussian4D.principalAxes(of: Self.rows(moved))
        }
        return (out, cloud.shDegree == 0)
    }

    /// Hamilton product of (w, x, y, z) quaternions.
    static func product(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
        SIMD4(a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
              a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
              a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
              a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0])
    }

    /// A row-major 3×3 as rows (the layout of SplatCore's Double matrix helpers).
    static func rows(_ m: [Double]) -> [[Double]] { [Array(m[0..<3]), Array(m[3..<6]), Array(m[6..<9])] }
}

/// How SH coefficients change when the Gaussian turns by `rotation`: for each degree l the
/// (2l+1)² matrix M with Y(Rᵀd) = M·Y(d), found by least squares over fixed sample directions,
/// so that Σ c′·Y(d) = Σ c·Y(Rᵀd) with c′ = Mᵀ·c (the colour seen along d after the turn is the
/// colour seen along Rᵀd before it).
struct SHRotation {
    let degree: Int
    /// Per degree 1…3, the matrix Mᵀ row-major.
    private var matrices: [[Double]] = []

    init(rotation: [Double], degree: Int) {
        self.degree = degree
        let inverse = GLTFNodeTransform.transpose(rotation)
        // Directions spread over the sphere (a Fibonacci lattice): well conditioned for degree ≤ 3.
        let samples: [SIMD3<Double>] = (0..<32).map { i in
            let z = 1 - (Double(i) + 0.5) / 16, r = (1 - z * z).squareRoot(), phi = Double(i) * 2.399963229728653
            return SIMD3(r * cos(phi), r * sin(phi), z)
        }
        for l in 1...3 where l <= degree {
            let n = 2 * l + 1, first = l * l
            func band(_ d: SIMD3<Double>) -> [Double] {
                Array(Self.basis(d)[first..<(first + n)])
            }
            let b = samples.map(band)
            let c = samples.map { d in
                band(GLTFNodeTransform(linear: inverse, translation: .zero).apply(d))
            }
            // Mᵀ = (BᵀB)⁻¹·BᵀC.
            var btb = [Double](repeating: 0, count: n * n), btc = [Double](repeating: 0, count: n * n)
            for k in samples.indices { for i in 0..<n { for j in 0..<n {
                btb[i * n + j] += b[k][i] * b[k][j]
                btc[i * n + j] += b[k][i] * c[k][j]
            } } }
            matrices.append(Self.solve(btb, btc, n: n))
        }
    }

    /// The real SH basis of SplatCore (3DGS order and constants), widened for the solve.
    static func basis(_ d: SIMD3<Double>) -> [Double] {
        SphericalHarmonics.basis(degree: 3, direction: SIMD3<Float>(d)).map(Double.init)
    }

    /// X with A·X = B (n×n each), by Gauss-Jordan elimination with partial pivoting.
    static func solve(_ a: [Double], _ b: [Double], n: Int) -> [Double] {
        var a = a, x = b
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0 * n + col]) < abs(a[$1 * n + col]) }!
            for k in 0..<n {
                a.swapAt(col * n + k, pivot * n + k)
                x.swapAt(col * n + k, pivot * n + k)
            }
            let d = a[col * n + col]
            for k in 0..<n { a[col * n + k] /= d; x[col * n + k] /= d }
            for row in 0..<n where row != col {
                let f = a[row * n + col]
                guard f != 0 else { continue }
                for k in 0..<n { a[row * n + k] -= f * a[col * n + k]; x[row * n + k] -= f * x[col * n + k] }
            }
        }
        return x
    }

    /// Every Gaussian's coefficients turned (SplatCloud layout: coefficient-major, RGB inner).
    func apply(to sh: [Float], count: Int) -> [Float] {
        guard degree > 0 else { return sh }
        let k = (degree + 1) * (degree + 1)
        var out = sh
        for i in 0..<count {
            for (index, m) in matrices.enumerated() {
                let l = index + 1, n = 2 * l + 1, first = l * l
                for channel in 0..<3 {
                    for row in 0..<n {
                        var sum = 0.0
                        for column in 0..<n { sum += m[row * n + column] * Double(sh[(i * k + first + column) * 3 + channel]) }
                        // c′ = Mᵀ·c (`m` holds Mᵀ, as solve returned it).
                        out[(i * k + first + row) * 3 + channel] = Float(sum)
                    }
                }
            }
        }
        return out
    }
}
