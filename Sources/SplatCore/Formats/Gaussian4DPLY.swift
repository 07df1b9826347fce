import Foundation

/// Native 4D Gaussians (Yang et al., ICLR 2024; fudan-zvg/4d-gaussian-splatting) stored as a
/// "4D PLY" that Splat4D defines. Element "vertex":
///   x y z t                  4D mean
///   f_dc_0..2, f_rest_*      spatial SH, channel-major as in the 3DGS PLY (degree from the count)
///   opacity                  logit
///   scale_0..2, scale_t      log scales
///   rot_0..3                 left quaternion (w, x, y, z)
///   rot_r_0..3               right quaternion (w, x, y, z)
/// Header comments (all optional):
///   comment splat4d time_range T0 T1        (default: the span of t ± 3σ_t over the file)
///   comment splat4d time_unit seconds       (default "seconds")
///   comment splat4d frame_rate 30
///   comment splat4d rotation_convention flipped | unflipped
///       The trainer builds R4 = M_l(left)·M_r(right) and, since September 2024, reverses both axes
///       of it (`flip(1, 2)`): "flipped", the default. Files from older checkpoints are "unflipped".
/// The trainer's time-Fourier colour terms, if a file has them, are ignored (spatial SH only).
///
/// Loading precomputes the slice of DESIGN.md §4 per Gaussian: Σ4 = L·Lᵀ with L = R4·diag(s);
/// velocity = Σ_xt/Σ_tt; Σ3 = Σ_xyz − Σ_xt·Σ_xtᵀ/Σ_tt (constant in t, stored as scale + rotation
/// through an eigendecomposition); α(t) = α·exp(−½(t − μ_t)²/Σ_tt), i.e. time scale √(2Σ_tt), and
/// the Gaussian is dropped where that factor is ≤ 0.05 (the trainer's mask).
public enum Gaussian4DPLY {
    public static let falloffCutoff: Float = 0.05
    static let commentPrefix = "splat4d "

    public enum RotationConvention: String, Sendable { case flipped, unflipped }

    static let leadingNames = ["x", "y", "z", "t", "f_dc_0", "f_dc_1", "f_dc_2"]
    static let trailingNames = ["opacity", "scale_0", "scale_1", "scale_2", "scale_t",
                                "rot_0", "rot_1", "rot_2", "rot_3", "rot_r_0", "rot_r_1", "rot_r_2", "rot_r_3"]

    /// A vertex element with any 4D-only property (so a file missing one of them gets a
    /// "missing required property" error rather than loading as a static cloud).
    public static func matches(_ header: PLYHeader) -> Bool {
        guard let vertex = header.element(named: "vertex") else { return false }
        return vertex.properties.contains { p in p.name == "t" || p.name == "scale_t" || p.name.hasPrefix("rot_r_") }
    }

    static func names(shDegree: Int) -> [String] {
        let rest = 3 * (SplatCloud.coefficientCount(degree: shDegree) - 1)
        return leadingNames + (0..<rest).map { "f_rest_\($0)" } + trailingNames
    }

    /// The raw parameters of one 4D Gaussian.
    public struct Raw: Equatable, Sendable {
        public var mean: SIMD4<Double>          // x, y, z, t
        public var logScale: SIMD4<Double>      // x, y, z, t
        public var left: SIMD4<Double>          // w, x, y, z
        public var right: SIMD4<Double>
        public init(mean: SIMD4<Double>, logScale: SIMD4<Double>, left: SIMD4<Double>, right: SIMD4<Double>) {
            self.mean = mean; self.logScale = logScale; self.left = left; self.right = right
        }
    }

    public static func scene(from ply: PLYFile) throws -> TemporalCloud {
        let settings = try headerSettings(ply)
        guard let vertex = ply.header.element(named: "vertex") else {
            throw SceneFileError(path: ply.path, problem: "PLY file has no 'vertex' element")
        }
        let degree = try GaussianPLY.shDegree(of: vertex, path: ply.path)
        let k = SplatCloud.coefficientCount(degree: degree)
        let rows = try TemporalPLYRows(ply: ply, names: names(shDegree: degree))
        let rest = 7, trailing = 7 + 3 * (k - 1)
        var positions = [SIMD3<Float>](), scales = [SIMD3<Float>](), rotations = [SIMD4<Float>](), opacities = [Float]()
        var sh = [Float](), centers = [Float](), timeScales = [Float](), velocities = [SIMD3<Float>]()
        var earliest = Double.infinity, latest = -Double.infinity
        try rows.forEach { v in
            let raw = Raw(mean: SIMD4(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3])),
                          logScale: SIMD4(Double(v[trailing + 1]), Double(v[trailing + 2]), Double(v[trailing + 3]), Double(v[trailing + 4])),
                          left: SIMD4(Double(v[trailing + 5]), Double(v[trailing + 6]), Double(v[trailing + 7]), Double(v[trailing + 8])),
                          right: SIMD4(Double(v[trailing + 9]), Double(v[trailing + 10]), Double(v[trailing + 11]), Double(v[trailing + 12])))
            let slice = conditional(raw, convention: settings.convention)
            positions.append(SIMD3(v[0], v[1], v[2]))
            centers.append(v[3])
            velocities.append(SIMD3<Float>(slice.velocity))
            timeScales.append(Float((2 * slice.varianceT).squareRoot()))
            let (scale, rotation) = principalAxes(of: slice.covariance)
            scales.append(scale)
            rotations.append(rotation)
            opacities.append(sigmoid(v[trailing]))
            for c in 0..<3 { sh.append(v[4 + c]) }
            for coefficient in 1..<k {
                for c in 0..<3 { sh.append(v[rest + c * (k - 1) + coefficient - 1]) }
            }
            // With the 0.05 cut-off a Gaussian lives within √(2 ln 20)·σ_t ≈ 2.45σ_t of its centre.
            let reach = (2 * log(20.0)).squareRoot() * slice.varianceT.squareRoot()
            earliest = min(earliest, Double(v[3]) - reach)
            latest = max(latest, Double(v[3]) + reach)
        }
        // SH was appended coefficient-major per Gaussian: coefficient 0 rgb, then each k rgb.
        let n = rows.count
        let motion = TemporalCloud.Motion(timeCenters: centers, velocities: velocities,
                                          accelerations: .init(repeating: .zero, count: n), jerks: .init(repeating: .zero, count: n),
                                          angularVelocities: .init(repeating: .zero, count: n), timeScales: timeScales,
                                          falloffCutoff: falloffCutoff)
        let range = settings.timeRange ?? (Float(earliest)...Float(max(latest, earliest)))
        return TemporalCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities, shDegree: degree,
                             sh: sh, motion: motion,
                             metadata: SceneMetadata(timeRange: range, timeUnit: settings.timeUnit, frameRate: settings.frameRate))
    }

    /// The conditional (sliced) Gaussian: velocity Σ_xt/Σ_tt, covariance Σ_xyz − Σ_xt Σ_xtᵀ/Σ_tt
    /// (as rows of a symmetric 3×3) and Σ_tt. Double precision.
    public static func conditional(_ raw: Raw, convention: RotationConvention = .flipped)
        -> (velocity: SIMD3<Double>, covariance: [[Double]], varianceT: Double) {
        let sigma = covariance4D(raw, convention: convention)
        let stt = sigma[3][3]
        let sxt = SIMD3(sigma[0][3], sigma[1][3], sigma[2][3])
        var cov = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 { for j in 0..<3 { cov[i][j] = sigma[i][j] - sxt[i] * sxt[j] / stt } }
        return (sxt / stt, cov, stt)
    }

    /// Σ4 = L·Lᵀ with L = R4·diag(exp(logScale)).
    public static func covariance4D(_ raw: Raw, convention: RotationConvention) -> [[Double]] {
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

    struct HeaderSettings {
        var timeRange: ClosedRange<Float>?
        var timeUnit = "seconds"
        var frameRate: Double?
        var convention = RotationConvention.flipped
    }

    static func headerSettings(_ ply: PLYFile) throws -> HeaderSettings {
        var settings = HeaderSettings()
        func fail(_ problem: String) -> SceneFileError { SceneFileError(path: ply.path, problem: problem) }
        for comment in ply.header.comments where comment.hasPrefix(commentPrefix) {
            let words = comment.dropFirst(commentPrefix.count).split(separator: " ").map(String.init)
            guard let key = words.first else { continue }
            let values = Array(words.dropFirst())
            switch key {
            case "time_range":
                guard values.count == 2, let a = Float(values[0]), let b = Float(values[1]), a.isFinite, b.isFinite, a <= b else {
                    throw fail("bad header comment 'time_range': expected two finite numbers T0 ≤ T1")
                }
                settings.timeRange = a...b
            case "time_unit":
                guard values.count == 1 else { throw fail("bad header comment 'time_unit': expected one word") }
                settings.timeUnit = values[0]
            case "frame_rate":
                guard values.count == 1, let f = Double(values[0]), f.isFinite, f > 0 else {
                    throw fail("bad header comment 'frame_rate': expected a positive number")
                }
                settings.frameRate = f
            case "rotation_convention":
                guard values.count == 1, let c = RotationConvention(rawValue: values[0]) else {
                    throw fail("bad header comment 'rotation_convention': expected flipped or unflipped")
                }
                settings.convention = c
            default:
                continue  // comments for other tools
            }
        }
        return settings
    }

    /// Writes raw 4D Gaussians (with SH in SplatCloud's layout and activated opacities) as a 4D PLY.
    public static func write(_ gaussians: [Raw], opacities: [Float], shDegree: Int, sh: [Float],
                             timeRange: ClosedRange<Float>?, frameRate: Double? = nil,
                             convention: RotationConvention = .flipped) -> Data {
        let k = SplatCloud.coefficientCount(degree: shDegree)
        var values: [Float] = []
        for (i, g) in gaussians.enumerated() {
            values += [Float(g.mean.x), Float(g.mean.y), Float(g.mean.z), Float(g.mean.w)]
            values += [sh[i * k * 3], sh[i * k * 3 + 1], sh[i * k * 3 + 2]]
            for c in 0..<3 { for coefficient in 1..<k { values.append(sh[(i * k + coefficient) * 3 + c]) } }
            let o = min(max(opacities[i], 1e-6), 1 - 1e-6)
            values.append(log(o / (1 - o)))
            for a in 0..<4 { values.append(Float(g.logScale[a])) }
            for a in 0..<4 { values.append(Float(g.left[a])) }
            for a in 0..<4 { values.append(Float(g.right[a])) }
        }
        var comments = ["\(commentPrefix)rotation_convention \(convention.rawValue)", "\(commentPrefix)time_unit seconds"]
        if let timeRange { comments.append("\(commentPrefix)time_range \(timeRange.lowerBound) \(timeRange.upperBound)") }
        if let frameRate { comments.append("\(commentPrefix)frame_rate \(frameRate)") }
        return PLYWriter.table(names: names(shDegree: shDegree), values: values, comments: comments)
    }
}
