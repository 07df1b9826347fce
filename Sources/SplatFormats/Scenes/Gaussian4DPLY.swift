import Foundation
import SplatCore

/// Native 4D Gaussians (Yang et al., ICLR 2024; fudan-zvg/4d-gaussian-splatting) stored as a
/// "4D PLY" that Splat4D defines. Element "vertex":
///   x y z t                  4D mean
///   f_dc_0..2, f_rest_*      SH, channel-major as in the 3DGS PLY: per channel (degree + 1)²·(sh_degree_t + 1)
///                            coefficients in the trainer's order (the spatial ones, then each time
///                            term's 16), so the spatial degree follows from the count and sh_degree_t
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
///   comment splat4d sh_degree_t 2            the trainer's time-Fourier colour terms (0...2)
///   comment splat4d time_duration T0 T1      the training config's time_duration (the cosine period
///                                            is T1 − T0); required when sh_degree_t > 0
/// A file that states sh_degree_t is coloured exactly as the trainer's kernel does (TemporalSH:
/// time terms, view direction from the canonical mean); one without it keeps the plain spatial SH
/// seen from the position at t, as Splat4D always rendered such files.
///
/// Loading precomputes the slice of DESIGN.md §4 per Gaussian: Σ4 = L·Lᵀ with L = R4·diag(s);
/// velocity = Σ_xt/Σ_tt; Σ3 = Σ_xyz − Σ_xt·Σ_xtᵀ/Σ_tt (constant in t, stored as scale + rotation
/// through an eigendecomposition); α(t) = α·exp(−½(t − μ_t)²/Σ_tt), i.e. time scale √(2Σ_tt), and
/// the Gaussian is dropped where that factor is ≤ 0.05 (the trainer's mask).
public struct Gaussian4DPLY: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .gaussian4DPLY }

    public func detects(_ source: SceneSource) -> Bool { source.plyHeader.map(Self.matches) ?? false }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let ply = try PLYFile(data: source.bytes(), path: source.path)
        return LoadedScene(format: id, formatDetail: ply.encoding.rawValue, scene: try Self.scene(from: ply))
    }

    public func fuzzSeeds() -> [FuzzSeed] {
        let raw = SeedScenes.native4D()
        // Degree 3 with two time terms: the degree-1 SH padded with small higher-order terms.
        var sh3: [Float] = []
        for i in 0..<raw.gaussians.count {
            sh3 += raw.sh[(i * 12)..<((i + 1) * 12)]
            sh3 += (0..<36).map { Float($0 % 7) * 0.01 }
        }
        let colour = TemporalSH(degreeT: 2, duration: 0...2,
                                coefficients: (0..<(raw.gaussians.count * TemporalSH.stride(degreeT: 2))).map { Float($0 % 5) * 0.02 })
        return [FuzzSeed("4d.ply", Self.write(raw.gaussians, opacities: raw.opacities, shDegree: 1, sh: raw.sh,
                                              timeRange: 0...2, frameRate: 30)),
                FuzzSeed("4d-sh-t.ply", Self.write(raw.gaussians, opacities: raw.opacities, shDegree: 3, sh: sh3,
                                                   timeRange: 0...2, colour: colour))]
    }

    public static let falloffCutoff: Float = 0.05
    static let commentPrefix = "splat4d "

    static let leadingNames = ["x", "y", "z", "t", "f_dc_0", "f_dc_1", "f_dc_2"]
    static let trailingNames = ["opacity", "scale_0", "scale_1", "scale_2", "scale_t",
                                "rot_0", "rot_1", "rot_2", "rot_3", "rot_r_0", "rot_r_1", "rot_r_2", "rot_r_3"]

    /// A vertex element with any 4D-only property (so a file missing one of them gets a
    /// "missing required property" error rather than loading as a static cloud).
    public static func matches(_ header: PLYHeader) -> Bool {
        guard let vertex = header.element(named: "vertex") else { return false }
        return vertex.properties.contains { p in p.name == "t" || p.name == "scale_t" || p.name.hasPrefix("rot_r_") }
    }

    static func names(shDegree: Int, degreeT: Int = 0) -> [String] {
        let rest = 3 * (SplatCloud.coefficientCount(degree: shDegree) * (degreeT + 1) - 1)
        return leadingNames + (0..<rest).map { "f_rest_\($0)" } + trailingNames
    }

    public static func scene(from ply: PLYFile) throws -> TemporalCloud {
        let settings = try headerSettings(ply)
        guard let vertex = ply.header.element(named: "vertex") else {
            throw SceneFileError(path: ply.path, problem: "PLY file has no 'vertex' element")
        }
        let degreeT = settings.shDegreeT ?? 0
        let degree = try shDegree(of: vertex, degreeT: degreeT, path: ply.path)
        let rows = try TemporalPLYRows(ply: ply, names: names(shDegree: degree, degreeT: degreeT))
        return try scene(count: rows.count, shDegree: degree, settings: settings, forEachRow: rows.forEach)
    }

    /// The scene from rows of raw parameters in the order of the PLY's properties
    /// (`names(shDegree:degreeT:)`, degreeT from `settings.shDegreeT`), whatever file they come
    /// from (the 4DGS checkpoint reader too).
    static func scene(count n: Int, shDegree degree: Int, settings: HeaderSettings,
                      forEachRow: ((UnsafeBufferPointer<Float>) throws -> Void) throws -> Void) throws -> TemporalCloud {
        let degreeT = settings.shDegreeT ?? 0
        let k = SplatCloud.coefficientCount(degree: degree)
        // Coefficients per channel in the file: the spatial k, then k per time term.
        let all = k * (degreeT + 1)
        let rest = 7, trailing = 7 + 3 * (all - 1)
        var timeSH = [Float]()
        var positions = [SIMD3<Float>](), scales = [SIMD3<Float>](), rotations = [SIMD4<Float>](), opacities = [Float]()
        var sh = [Float](), centers = [Float](), timeScales = [Float](), velocities = [SIMD3<Float>]()
        var earliest = Double.infinity, latest = -Double.infinity
        try forEachRow { v in
            let raw = Gaussian4D(mean: SIMD4(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3])),
                          logScale: SIMD4(Double(v[trailing + 1]), Double(v[trailing + 2]), Double(v[trailing + 3]), Double(v[trailing + 4])),
                          left: SIMD4(Double(v[trailing + 5]), Double(v[trailing + 6]), Double(v[trailing + 7]), Double(v[trailing + 8])),
                          right: SIMD4(Double(v[trailing + 9]), Double(v[trailing + 10]), Double(v[trailing + 11]), Double(v[trailing + 12])))
            let slice = Gaussian4D.conditional(raw, convention: settings.convention)
            positions.append(SIMD3(v[0], v[1], v[2]))
            centers.append(v[3])
            velocities.append(SIMD3<Float>(slice.velocity))
            timeScales.append(Float((2 * slice.varianceT).squareRoot()))
            let (scale, rotation) = Gaussian4D.principalAxes(of: slice.covariance)
            scales.append(scale)
            rotations.append(rotation)
            opacities.append(sigmoid(v[trailing]))
            for c in 0..<3 { sh.append(v[4 + c]) }
            for coefficient in 1..<k {
                for c in 0..<3 { sh.append(v[rest + c * (all - 1) + coefficient - 1]) }
            }
            // Time terms: the kernel reads them as sh[16...] only at spatial degree 3.
            for coefficient in k..<all {
                for c in 0..<3 { timeSH.append(v[rest + c * (all - 1) + coefficient - 1]) }
            }
            // With the 0.05 cut-off a Gaussian lives within √(2 ln 20)·σ_t ≈ 2.45σ_t of its centre.
            let reach = (2 * log(20.0)).squareRoot() * slice.varianceT.squareRoot()
            earliest = min(earliest, Double(v[3]) - reach)
            latest = max(latest, Double(v[3]) + reach)
        }
        // SH was appended coefficient-major per Gaussian: coefficient 0 rgb, then each k rgb.
        var colour: TemporalSH?
        if let degreeT = settings.shDegreeT {
            // A degree below 3 carries (degree + 1)² per time term, which the kernel never reads.
            let duration = settings.timeDuration ?? 0...1
            colour = TemporalSH(degreeT: degree == 3 ? degreeT : 0, duration: duration, coefficients: degree == 3 ? timeSH : [])
        }
        let motion = TemporalCloud.Motion(timeCenters: centers, velocities: velocities,
                                          accelerations: .init(repeating: .zero, count: n), jerks: .init(repeating: .zero, count: n),
                                          angularVelocities: .init(repeating: .zero, count: n), timeScales: timeScales,
                                          falloffCutoff: falloffCutoff, colour: colour)
        let range = settings.timeRange ?? (Float(earliest)...Float(max(latest, earliest)))
        return TemporalCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities, shDegree: degree,
                             sh: sh, motion: motion,
                             metadata: SceneMetadata(timeRange: range, timeUnit: settings.timeUnit, frameRate: settings.frameRate))
    }

    struct HeaderSettings {
        var timeRange: ClosedRange<Float>?
        var timeUnit = "seconds"
        var frameRate: Double?
        var convention = Gaussian4D.RotationConvention.flipped
        var shDegreeT: Int?
        var timeDuration: ClosedRange<Float>?
    }

    /// The spatial degree: the f_rest count is 3·((degree + 1)²·(degreeT + 1) − 1).
    static func shDegree(of vertex: PLYElement, degreeT: Int, path: String) throws -> Int {
        let count = try GaussianPLY.restPropertyCount(of: vertex, path: path)
        for degree in 0...3 where 3 * (SplatCloud.coefficientCount(degree: degree) * (degreeT + 1) - 1) == count {
            return degree
        }
        let expected = (0...3).map { String(3 * (SplatCloud.coefficientCount(degree: $0) * (degreeT + 1) - 1)) }
        throw SceneFileError(path: path, problem: "unsupported number of f_rest properties: \(count) (with sh_degree_t "
                             + "\(degreeT), expected \(expected.joined(separator: ", ")))")
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
                guard values.count == 1, let c = Gaussian4D.RotationConvention(rawValue: values[0]) else {
                    throw fail("bad header comment 'rotation_convention': expected flipped or unflipped")
                }
                settings.convention = c
            case "sh_degree_t":
                guard values.count == 1, let d = Int(values[0]), (0...2).contains(d) else {
                    throw fail("bad header comment 'sh_degree_t': expected 0, 1 or 2")
                }
                settings.shDegreeT = d
            case "time_duration":
                guard values.count == 2, let a = Float(values[0]), let b = Float(values[1]), a.isFinite, b.isFinite, a < b,
                      (b - a).isFinite else {
                    throw fail("bad header comment 'time_duration': expected two finite numbers T0 < T1")
                }
                settings.timeDuration = a...b
            default:
                continue  // comments for other tools
            }
        }
        if let d = settings.shDegreeT, d > 0, settings.timeDuration == nil {
            throw fail("header comment 'sh_degree_t \(d)' needs 'time_duration T0 T1' (the training config's time_duration)")
        }
        return settings
    }

    /// Writes raw 4D Gaussians (with SH in SplatCloud's layout and activated opacities) as a 4D PLY;
    /// with `colour`, its time terms follow the spatial SH and the header states sh_degree_t and
    /// time_duration (time terms need spatial degree 3).
    public static func write(_ gaussians: [Gaussian4D], opacities: [Float], shDegree: Int, sh: [Float],
                             timeRange: ClosedRange<Float>?, frameRate: Double? = nil,
                             convention: Gaussian4D.RotationConvention = .flipped, colour: TemporalSH? = nil) -> Data {
        let k = SplatCloud.coefficientCount(degree: shDegree)
        let degreeT = colour?.degreeT ?? 0
        precondition(degreeT == 0 || shDegree == 3, "time SH terms need spatial degree 3")
        var values: [Float] = []
        for (i, g) in gaussians.enumerated() {
            values += [Float(g.mean.x), Float(g.mean.y), Float(g.mean.z), Float(g.mean.w)]
            values += [sh[i * k * 3], sh[i * k * 3 + 1], sh[i * k * 3 + 2]]
            for c in 0..<3 {
                for coefficient in 1..<k { values.append(sh[(i * k + coefficient) * 3 + c]) }
                if let colour { for f in 0..<(degreeT * k) { values.append(colour.coefficients[i * colour.stride + f * 3 + c]) } }
            }
            values.append(opacityLogit(opacities[i]))
            for a in 0..<4 { values.append(Float(g.logScale[a])) }
            for a in 0..<4 { values.append(Float(g.left[a])) }
            for a in 0..<4 { values.append(Float(g.right[a])) }
        }
        var comments = ["\(commentPrefix)rotation_convention \(convention.rawValue)", "\(commentPrefix)time_unit seconds"]
        if let timeRange { comments.append("\(commentPrefix)time_range \(timeRange.lowerBound) \(timeRange.upperBound)") }
        if let frameRate { comments.append("\(commentPrefix)frame_rate \(frameRate)") }
        if let colour {
            comments.append("\(commentPrefix)sh_degree_t \(degreeT)")
            comments.append("\(commentPrefix)time_duration \(colour.duration.lowerBound) \(colour.duration.upperBound)")
        }
        return PLYWriter.table(names: names(shDegree: shDegree, degreeT: degreeT), values: values, comments: comments)
    }
}

extension SceneFormatID {
    public static let gaussian4DPLY = SceneFormatID(rawValue: "4dgs-ply")
}
