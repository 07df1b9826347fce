import Foundation
import SplatCore

/// Spacetime Gaussians "lite" PLY (oppo-us-research/SpacetimeGaussians), element "vertex":
/// x y z, trbf_center, trbf_scale, motion_0..8, f_dc_0..2, opacity, scale_0..2, rot_0..3, omega_0..3.
///
/// Mapping (the trainer's lite model): Δt = t − trbf_center; μ = xyz + motion[0:3]·Δt +
/// motion[3:6]·Δt² + motion[6:9]·Δt³; q = normalize(rot + omega·Δt) with rot stored (w, x, y, z);
/// α = sigmoid(opacity)·exp(−(Δt / exp(trbf_scale))²) — no ½; scale = exp(scale). f_dc is plain RGB,
/// not SH: it becomes an SH DC term dc = (rgb − 0.5)/C0 so that the renderer's 0.5 + C0·dc is rgb.
/// Time is the trainer's segment time, in [0, 1].
public struct SpacetimePLY: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .spacetimePLY }

    public func detects(_ source: SceneSource) -> Bool { source.plyHeader.map(Self.matches) ?? false }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let ply = try PLYFile(data: source.bytes(), path: source.path)
        return LoadedScene(format: id, formatDetail: ply.encoding.rawValue, scene: try Self.scene(from: ply))
    }

    public func encode(_ scene: TemporalCloud) throws -> Data {
        guard scene.shDegree == 0, scene.keyframes == nil else {
            throw SceneEncodingError(format: id, problem: "holds plain RGB and polynomial motion: SH degree 0 without keyframes only")
        }
        return Self.write(scene)
    }

    public func fuzzSeeds() -> [FuzzSeed] { [FuzzSeed("stg.ply", Self.write(SeedScenes.polynomialMotion()))] }

    static let names = ["x", "y", "z", "trbf_center", "trbf_scale"] + (0..<9).map { "motion_\($0)" }
        + ["f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
        + (0..<4).map { "omega_\($0)" }

    /// A vertex element with any STG temporal property (so a file missing one of them gets a
    /// "missing required property" error rather than loading as a static cloud).
    public static func matches(_ header: PLYHeader) -> Bool {
        guard let vertex = header.element(named: "vertex") else { return false }
        return vertex.properties.contains { p in
            p.name == "trbf_center" || p.name == "trbf_scale" || p.name.hasPrefix("motion_") || p.name.hasPrefix("omega_")
        }
    }

    public static func scene(from ply: PLYFile) throws -> TemporalCloud {
        // The full model stores 6 features per Gaussian (f_dc_0..5) and a time feature f_t_*, decoded to colour by a
        // per-pixel network: reading only f_dc_0..2 as RGB would render wrong colours, silently.
        if let vertex = ply.header.element(named: "vertex"), vertex.property(named: "f_t_0") != nil || vertex.property(named: "f_dc_3") != nil {
            throw SceneFileError(path: ply.path, problem: "a Spacetime Gaussians full-model PLY (features decoded by a network): "
                                 + "only the lite model is supported (see docs/spacetime-gaussians.md)")
        }
        let rows = try TemporalPLYRows(ply: ply, names: names)
        let n = rows.count
        var positions = [SIMD3<Float>](), scales = [SIMD3<Float>](), rotations = [SIMD4<Float>](), opacities = [Float]()
        var sh = [Float](), centers = [Float](), timeScales = [Float]()
        var velocities = [SIMD3<Float>](), accelerations = [SIMD3<Float>](), jerks = [SIMD3<Float>](), omegas = [SIMD4<Float>]()
        positions.reserveCapacity(n)
        try rows.forEach { v in
            positions.append(SIMD3(v[0], v[1], v[2]))
            centers.append(v[3])
            timeScales.append(exp(v[4]))
            velocities.append(SIMD3(v[5], v[6], v[7]))
            accelerations.append(SIMD3(v[8], v[9], v[10]))
            jerks.append(SIMD3(v[11], v[12], v[13]))
            let rgb = SIMD3(v[14], v[15], v[16])
            let dc = (rgb - 0.5) / SphericalHarmonics.c0
            sh += [dc.x, dc.y, dc.z]
            opacities.append(sigmoid(v[17]))
            scales.append(SIMD3(exp(v[18]), exp(v[19]), exp(v[20])))
            rotations.append(SIMD4(v[21], v[22], v[23], v[24]))
            omegas.append(SIMD4(v[25], v[26], v[27], v[28]))
        }
        let motion = TemporalCloud.Motion(timeCenters: centers, velocities: velocities, accelerations: accelerations,
                                          jerks: jerks, angularVelocities: omegas, timeScales: timeScales, falloffCutoff: 0)
        return TemporalCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities, shDegree: 0,
                             sh: sh, motion: motion, metadata: SceneMetadata(timeRange: 0...1, timeUnit: "segment"))
    }

    /// Writes a polynomial-motion cloud (SH degree 0) as an STG lite binary PLY: the inverse mapping.
    public static func write(_ scene: TemporalCloud) -> Data {
        precondition(scene.shDegree == 0, "STG lite stores plain RGB: SH degree 0 only")
        let m = scene.motion ?? TemporalCloud.Motion(
            timeCenters: .init(repeating: 0, count: scene.count), velocities: .init(repeating: .zero, count: scene.count),
            accelerations: .init(repeating: .zero, count: scene.count), jerks: .init(repeating: .zero, count: scene.count),
            angularVelocities: .init(repeating: .zero, count: scene.count), timeScales: .init(repeating: .infinity, count: scene.count))
        var rows: [Float] = []
        rows.reserveCapacity(scene.count * names.count)
        for i in 0..<scene.count {
            let p = scene.positions[i], s = scene.scales[i], q = scene.rotations[i], w = m.angularVelocities[i]
            let rgb = SphericalHarmonics.c0 * SIMD3(scene.sh[i * 3], scene.sh[i * 3 + 1], scene.sh[i * 3 + 2]) + 0.5
            // An infinite time scale (no falloff) is stored as a huge finite one: exp(88) ≈ 1.7e38.
            var row: [Float] = [p.x, p.y, p.z, m.timeCenters[i], min(log(m.timeScales[i]), 88)]
            for v in [m.velocities[i], m.accelerations[i], m.jerks[i]] { row += [v.x, v.y, v.z] }
            row += [rgb.x, rgb.y, rgb.z, opacityLogit(scene.opacities[i]), log(s.x), log(s.y), log(s.z), q.x, q.y, q.z, q.w, w.x, w.y, w.z, w.w]
            rows += row
        }
        return PLYWriter.table(names: names, values: rows, comments: ["Spacetime Gaussians lite layout, written by Splat4D"])
    }
}

extension SceneFormatID {
    public static let spacetimePLY = SceneFormatID(rawValue: "stg-lite-ply")
}
