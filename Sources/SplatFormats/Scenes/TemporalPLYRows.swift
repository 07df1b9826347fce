import Foundation
import SplatCore

/// Rows of a temporal PLY's vertex element by property name, with the checks every loader needs:
/// the properties exist, there is at least one vertex, and every value is finite.
struct TemporalPLYRows {
    let ply: PLYFile
    let names: [String]
    let count: Int

    init(ply: PLYFile, names: [String]) throws {
        self.ply = ply
        self.names = names
        guard let vertex = ply.header.element(named: "vertex") else {
            throw SceneFileError(path: ply.path, problem: "PLY file has no 'vertex' element")
        }
        for name in names where vertex.property(named: name) == nil {
            throw SceneFileError(path: ply.path, problem: "missing required property '\(name)'")
        }
        try OpeningChecks(path: ply.path).gaussians(vertex.count, shDegree: 3, temporal: true)
        count = vertex.count
    }

    func forEach(_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        let checks = OpeningChecks(path: ply.path)
        try ply.forEachRow(of: "vertex", properties: names) { i, v in
            try checks.finite(v, names: names, field: "property", of: "vertex \(i)")
            try body(v)
        }
    }
}
