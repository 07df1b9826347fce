import Foundation
import SplatCore

/// The official 3D Gaussian Splatting PLY (element "vertex": x y z, [nx ny nz], f_dc_0..2,
/// f_rest_*, opacity, scale_0..2, rot_0..3) mapped to an activated `SplatCloud`.
///
/// Mapping (DESIGN.md §3): scale = exp(raw), opacity = sigmoid(raw), rotation = normalised
/// (rot_0, rot_1, rot_2, rot_3) = (w, x, y, z). f_rest is channel-major: f_rest[c·(K−1) + k−1] is
/// SH coefficient k of channel c, with K = (degree + 1)² coefficients per channel.
public struct GaussianPLY: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .gaussianPLY }

    /// Any PLY: the other layouts come first in the list, and a PLY that is none of them gets this
    /// reader's errors (a missing property, a damaged header).
    public func detects(_ source: SceneSource) -> Bool { source.data.map(PLYHeader.hasMagic) ?? false }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let ply = try PLYFile(data: source.bytes(), path: source.path)
        return LoadedScene(format: id, formatDetail: ply.encoding.rawValue, cloud: try Self.cloud(from: ply))
    }

    public func encode(_ scene: TemporalCloud) throws -> Data {
        guard scene.isStatic else { throw SceneEncodingError(format: id, problem: "holds one static cloud: the scene moves") }
        return PLYWriter.gaussianPLY(scene.canonical)
    }

    public func fuzzSeeds() -> [FuzzSeed] {
        PLYEncoding.allCases.map { FuzzSeed("3dgs-\($0.rawValue).ply", PLYWriter.gaussianPLY(SeedScenes.staticCloud(), encoding: $0)) }
    }

    public static let requiredProperties = [
        "x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity",
        "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3",
    ]

    /// Whether a header has the 3DGS vertex layout (used to tell it from other PLY-based formats).
    public static func matches(_ header: PLYHeader) -> Bool {
        guard let vertex = header.element(named: "vertex") else { return false }
        return requiredProperties.allSatisfy { vertex.property(named: $0) != nil }
    }

    public static func load(data: Data, path: String) throws -> SplatCloud {
        try cloud(from: PLYFile(data: data, path: path))
    }

    public static func cloud(from ply: PLYFile) throws -> SplatCloud {
        let fail = { (problem: String) in SceneFileError(path: ply.path, problem: problem) }
        guard let vertex = ply.header.element(named: "vertex") else {
            throw fail("PLY file has no 'vertex' element")
        }
        for name in requiredProperties where vertex.property(named: name) == nil {
            throw fail("missing required property '\(name)'")
        }
        let degree = try shDegree(of: vertex, path: ply.path)
        try OpeningChecks(path: ply.path).gaussians(vertex.count, shDegree: degree, temporal: false)

        return try ColumnLayout(degree: degree).cloud(from: ply, count: vertex.count)
    }

    /// The SH degree implied by the f_rest_* properties: 0, 9, 24 or 45 of them, numbered 0...n−1.
    static func shDegree(of vertex: PLYElement, path: String) throws -> Int {
        let count = try restPropertyCount(of: vertex, path: path)
        switch count {
        case 0: return 0
        case 9: return 1
        case 24: return 2
        case 45: return 3
        default:
            throw SceneFileError(path: path, problem: "unsupported number of f_rest properties: "
                                 + "\(count) (expected 0, 9, 24 or 45)")
        }
    }

    /// The number of f_rest_N properties, checked to be numbered 0 to count − 1.
    static func restPropertyCount(of vertex: PLYElement, path: String) throws -> Int {
        let prefix = "f_rest_"
        var indices: [Int] = []
        for p in vertex.properties where p.name.hasPrefix(prefix) {
            let suffix = p.name.dropFirst(prefix.count)
            // Only canonical decimal suffixes count; "f_rest_x" is some other, unknown property.
            if let i = Int(suffix), i >= 0, String(i) == suffix { indices.append(i) }
        }
        indices.sort()
        for (expected, i) in indices.enumerated() where i != expected {
            throw SceneFileError(path: path, problem: "f_rest properties are not numbered 0 to "
                                 + "\(indices.count - 1): f_rest_\(expected) is missing")
        }
        return indices.count
    }
}

extension SceneFormatID {
    public static let gaussianPLY = SceneFormatID(rawValue: "3dgs-ply")
}

/// Which column of the vertex table holds what, for one SH degree.
struct ColumnLayout {
    let degree: Int
    let coefficients: Int  // K per channel
    let names: [String]

    init(degree: Int) {
        self.degree = degree
        coefficients = SplatCloud.coefficientCount(degree: degree)
        let rest = (0..<(3 * (coefficients - 1))).map { "f_rest_\($0)" }
        names = ["x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2"] + rest
            + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
    }

    var restStart: Int { 6 }
    var opacity: Int { 6 + 3 * (coefficients - 1) }
    var scale: Int { opacity + 1 }
    var rotation: Int { opacity + 4 }

    /// Reads and activates every vertex, straight into the cloud's arrays (no intermediate table:
    /// a million-Gaussian file is hundreds of MB). The layout nearly every trainer writes takes
    /// the record decoder; anything else, and any file with a non-finite value (for its exact
    /// error), takes the general row reader. Both give the same floats.
    func cloud(from ply: PLYFile, count n: Int) throws -> SplatCloud {
        if let records = ply.floatRecords(of: "vertex", properties: names),
           let cloud = FloatRecordDecoder(layout: self, records: records).decode(ply.data) {
            return cloud
        }
        return try cloudByRows(from: ply, count: n)
    }

    /// The general path: one row at a time through the PLY reader's type conversions.
    func cloudByRows(from ply: PLYFile, count n: Int) throws -> SplatCloud {
        let k = coefficients
        var positions: [SIMD3<Float>] = []
        var scales: [SIMD3<Float>] = []
        var rotations: [SIMD4<Float>] = []
        var opacities: [Float] = []
        positions.reserveCapacity(n)
        scales.reserveCapacity(n)
        rotations.reserveCapacity(n)
        opacities.reserveCapacity(n)
        let sh = try [Float](unsafeUninitializedCapacity: n * k * 3) { out, done in
            let checks = OpeningChecks(path: ply.path)
            try ply.forEachRow(of: "vertex", properties: names) { i, v in
                try checks.finite(v, names: names, field: "property", of: "vertex \(i)")
                positions.append(SIMD3(v[0], v[1], v[2]))
                opacities.append(sigmoid(v[opacity]))
                scales.append(SIMD3(exp(v[scale]), exp(v[scale + 1]), exp(v[scale + 2])))
                rotations.append(normalizedQuaternion(SIMD4(v[rotation], v[rotation + 1],
                                                            v[rotation + 2], v[rotation + 3])))
                let base = i * k * 3
                for c in 0..<3 {
                    out[base + c] = v[3 + c]
                    for coefficient in 1..<k {
                        out[base + coefficient * 3 + c] = v[restStart + c * (k - 1) + coefficient - 1]
                    }
                }
            }
            done = n * k * 3
        }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations,
                          opacities: opacities, shDegree: degree, sh: sh)
    }
}
