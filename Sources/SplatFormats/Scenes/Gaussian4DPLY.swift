import Foundation
import SplatCore

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
        return [FuzzSeed("4d.ply", Self.write(raw.gaussians, opacities: raw.opacities, shDegree: 1, sh: raw.sh,
                                              timeRange: 0...2, frameRate: 30))]
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

    static func names(shDegree: Int) -> [String] {
        let rest = 3 * (SplatCloud.coefficientCount(degree: shDegree) - 1)
        return leadingNames + (0..<rest).map { "f_rest_\($0)" } + trailingNames
    }

    public static func scene(from ply: PLYFile) throws -> TemporalCloud {
        let settings = try headerSettings(ply)
        guard let vertex = ply.header.element(named: "vertex") else {
            throw SceneFileError(path: ply.path, problem: "PLY file has no 'vertex' element")
        }
        let degree = try GaussianPLY.shDegree(of: vertex, path: ply.path)
        let rows = try TemporalPLYRows(ply: ply, names: names(shDegree: degree))
        return try scene(count: rows.count, shDegree: degree, settings: settings, forEachRow: rows.forEach)
    }

    /// The scene from rows of raw parameters in the order of the PLY's properties
    /// (`names(shDegree:)`), whatever file they come from (the 4DGS checkpoint reader too).
    static func scene(count n: Int, shDegree degree: Int, settings: HeaderSettings,
                      forEachRow: ((UnsafeBufferPointer<Float>) throws -> Void) throws -> Void) throws -> TemporalCloud {
        let k = SplatCloud.coefficientCount(degree: degree)
        let rest = 7, trailing = 7 + 3 * (k - 1)
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
                for c in 0..<3 { sh.append(v[rest + c * (k - 1) + coefficient - 1]) }
            }
            // With the 0.05 cut-off a Gaussian lives within √(2 ln 20)·σ_t ≈ 2.45σ_t of its centre.
            let reach = (2 * log(20.0)).squareRoot() * slice.varianceT.squareRoot()
            earliest = min(earliest, Double(v[3]) - reach)
            latest = max(latest, Double(v[3]) + reach)
        }
        // SH was appended coefficient-major per Gaussian: coefficient 0 rgb, then each k rgb.
        let motion = TemporalCloud.Motion(timeCenters: centers, velocities: velocities,
                                          accelerations: .init(repeating: .zero, count: n), jerks: .init(repeating: .zero, count: n),
                                          angularVelocities: .init(repeating: .zero, count: n), timeScales: timeScales,
                                          falloffCutoff: falloffCutoff)
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
            default:
                continue  // comments for other tools
            }
        }
        return settings
    }

    /// Writes raw 4D Gaussians (with SH in SplatCloud's layout and activated opacities) as a 4D PLY.
    public static func write(_ gaussians: [Gaussian4D], opacities: [Float], shDegree: Int, sh: [Float],
                             timeRange: ClosedRange<Float>?, frameRate: Double? = nil,
                             convention: Gaussian4D.RotationConvention = .flipped) -> Data {
        let k = SplatCloud.coefficientCount(degree: shDegree)
        var values: [Float] = []
        for (i, g) in gaussians.enumerated() {
            values += [Float(g.mean.x), Float(g.mean.y), Float(g.mean.z), Float(g.mean.w)]
            values += [sh[i * k * 3], sh[i * k * 3 + 1], sh[i * k * 3 + 2]]
            for c in 0..<3 { for coefficient in 1..<k { values.append(sh[(i * k + coefficient) * 3 + c]) } }
            values.append(opacityLogit(opacities[i]))
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

extension SceneFormatID {
    public static let gaussian4DPLY = SceneFormatID(rawValue: "4dgs-ply")
}
