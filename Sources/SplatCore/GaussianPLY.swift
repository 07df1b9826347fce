import Foundation

/// The official 3D Gaussian Splatting PLY (element "vertex": x y z, [nx ny nz], f_dc_0..2,
/// f_rest_*, opacity, scale_0..2, rot_0..3) mapped to an activated `SplatCloud`.
///
/// Mapping (DESIGN.md §3): scale = exp(raw), opacity = sigmoid(raw), rotation = normalised
/// (rot_0, rot_1, rot_2, rot_3) = (w, x, y, z). f_rest is channel-major: f_rest[c·(K−1) + k−1] is
/// SH coefficient k of channel c, with K = (degree + 1)² coefficients per channel.
public enum GaussianPLY {
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
        guard vertex.count > 0 else { throw fail("the file holds no Gaussians") }

        let layout = ColumnLayout(degree: degree)
        let table = try ply.readElement("vertex", properties: layout.names)
        if let bad = table.values.firstIndex(where: { !$0.isFinite }) {
            let name = layout.names[bad % layout.width]
            throw fail("non-finite value in property '\(name)' of vertex \(bad / layout.width)")
        }
        return layout.cloud(from: table)
    }

    /// The SH degree implied by the f_rest_* properties: 0, 9, 24 or 45 of them, numbered 0...n−1.
    static func shDegree(of vertex: PLYElement, path: String) throws -> Int {
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
        switch indices.count {
        case 0: return 0
        case 9: return 1
        case 24: return 2
        case 45: return 3
        default:
            throw SceneFileError(path: path, problem: "unsupported number of f_rest properties: "
                                 + "\(indices.count) (expected 0, 9, 24 or 45)")
        }
    }
}

/// Which column of the vertex table holds what, for one SH degree.
private struct ColumnLayout {
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

    var width: Int { names.count }
    var restStart: Int { 6 }
    var opacity: Int { 6 + 3 * (coefficients - 1) }
    var scale: Int { opacity + 1 }
    var rotation: Int { opacity + 4 }

    func cloud(from table: PLYTable) -> SplatCloud {
        let n = table.rowCount
        let k = coefficients
        var positions: [SIMD3<Float>] = []
        var scales: [SIMD3<Float>] = []
        var rotations: [SIMD4<Float>] = []
        var opacities: [Float] = []
        positions.reserveCapacity(n)
        scales.reserveCapacity(n)
        rotations.reserveCapacity(n)
        opacities.reserveCapacity(n)
        var sh = [Float](repeating: 0, count: n * k * 3)
        table.values.withUnsafeBufferPointer { v in
            sh.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    let row = i * width
                    positions.append(SIMD3(v[row], v[row + 1], v[row + 2]))
                    opacities.append(sigmoid(v[row + opacity]))
                    scales.append(SIMD3(exp(v[row + scale]), exp(v[row + scale + 1]), exp(v[row + scale + 2])))
                    rotations.append(normalizedQuaternion(SIMD4(v[row + rotation], v[row + rotation + 1],
                                                                v[row + rotation + 2], v[row + rotation + 3])))
                    let base = i * k * 3
                    for c in 0..<3 {
                        out[base + c] = v[row + 3 + c]
                        for coefficient in 1..<k {
                            out[base + coefficient * 3 + c] = v[row + restStart + c * (k - 1) + coefficient - 1]
                        }
                    }
                }
            }
        }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations,
                          opacities: opacities, shDegree: degree, sh: sh)
    }
}
