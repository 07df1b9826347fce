import Foundation
import SplatCore

/// 3D Gaussian splats in glTF 2.0, KHR_gaussian_splatting (facts from the Khronos extension
/// specification): POINTS primitives whose extension object marks them as splats, with attributes
/// POSITION, KHR_gaussian_splatting:ROTATION (x, y, z, w; float or normalized signed byte/short),
/// :SCALE (float or normalized integers), :OPACITY (activated, in [0, 1]) and
/// :SH_DEGREE_l_COEF_n (RGB, float). Or their data in an SPZ stream of the
/// KHR_gaussian_splatting_compression_spz_2 extension (a buffer view holding an SPZ file).
///
/// Every splat primitive of the scene's nodes becomes part of one cloud, moved by its node's world
/// transform (GLTFNodeTransform). glTF is +Y up, right-handed, like SPZ; the 3DGS PLY's axes are
/// y down, z forward: positions become (x, −y, −z), quaternions (w, x, −y, −z), and the SH
/// coefficients odd in y and z change sign — the half turn about x that SPZ uses.
///
/// Scales: the ratified extension stores them linear; early drafts and exporters stored log
/// scales. A negative scale cannot be linear, so a primitive with any negative float scale is read
/// as log scales (and `info` says so); an all-positive log-scale file would be misread.
public struct GLTFSplats: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .gltfSplats }
    public var extensionsForDamagedFiles: [String] { ["glb", "gltf"] }

    static let prefix = "KHR_gaussian_splatting"
    static let spzExtension = "KHR_gaussian_splatting_compression_spz_2"

    /// A GLB header, or JSON text with a glTF asset object.
    public func detects(_ source: SceneSource) -> Bool {
        guard let data = source.data else { return false }
        if data.starts(with: GLTFDocument.glbMagic) { return true }
        guard data.first == UInt8(ascii: "{") || source.path.lowercased().hasSuffix(".gltf") else { return false }
        return data.prefix(4096).range(of: Data("\"asset\"".utf8)) != nil
    }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let read = try Self.read(data: source.bytes(), path: source.path)
        return LoadedScene(format: id, formatDetail: read.detail, cloud: read.cloud)
    }

    public func encode(_ scene: TemporalCloud) throws -> Data {
        guard scene.isStatic else { throw SceneEncodingError(format: id, problem: "holds one static cloud: the scene moves") }
        return Self.encode(scene.canonical)
    }

    public func fuzzSeeds() -> [FuzzSeed] {
        [FuzzSeed("tiny.glb", Self.encode(SeedScenes.staticCloud()))]
    }

    // MARK: - Reading

    public struct Read: Sendable {
        public var cloud: SplatCloud
        /// "2 primitives, +Y up turned to y down, …": what `info` shows.
        public var detail: String
    }

    public static func read(data: Data, path: String) throws -> Read {
        let document = try GLTFDocument(data: data, path: path)
        let fail = document.fail
        var parts: [SplatCloud] = [], notes: [String] = []
        for (mesh, transform) in try meshInstances(document) {
            let meshObject = try document.object("meshes", mesh)
            guard let primitives = meshObject["primitives"] as? [[String: Any]] else { throw fail("meshes[\(mesh)] has no primitives list") }
            for (p, primitive) in primitives.enumerated() {
                guard let extensions = primitive["extensions"] as? [String: Any], let splat = extensions[prefix] as? [String: Any] else { continue }
                let key = "meshes[\(mesh)].primitives[\(p)]"
                let mode = try document.index(primitive["mode"], key: key + ".mode") ?? 4
                guard mode == 0 else { throw fail("\(key) is a splat primitive whose mode is \(mode), not POINTS (0)") }
                var (cloud, logScales) = try primitiveCloud(document, primitive: primitive, splat: splat, key: key)
                if logScales { notes.append("\(key): log-space scales") }
                let moved = transform.transformed(cloud)
                cloud = moved.cloud
                if !moved.shRotated { notes.append("\(key): SH not turned by its node's shear") }
                parts.append(cloud)
            }
        }
        guard !parts.isEmpty else {
            let used = (document.json["extensionsUsed"] as? [String]) ?? []
            throw fail(used.contains(prefix) ? "no mesh primitive of the scene carries KHR_gaussian_splatting"
                                             : "a glTF without the KHR_gaussian_splatting extension: no Gaussian splats to render")
        }
        let cloud = toOurAxes(try concatenate(parts, fail: fail))
        try OpeningChecks(path: path).gaussians(cloud.count, shDegree: cloud.shDegree, temporal: false)
        let detail = (["\(parts.count) splat primitive\(parts.count == 1 ? "" : "s")", "glTF +Y up turned to the PLY's y down"] + notes)
            .joined(separator: ", ")
        return Read(cloud: cloud, detail: detail)
    }

    /// The meshes the default scene draws, each with its node's world transform. Without
    /// `scenes`, every root node.
    static func meshInstances(_ document: GLTFDocument) throws -> [(Int, GLTFNodeTransform)] {
        let nodes = try document.list("nodes")
        var roots: [Int]
        let scenes = try document.list("scenes")
        if !scenes.isEmpty {
            let chosen = try document.index(document.json["scene"], key: "scene") ?? 0
            let scene = try document.object("scenes", chosen)
            roots = try ((scene["nodes"] as? [Any]) ?? []).map { try document.index($0, key: "scenes[\(chosen)].nodes") ?? -1 }
        } else {
            var children = Set<Int>()
            for node in nodes { for c in (node["children"] as? [Any]) ?? [] { children.insert((c as? Int) ?? -1) } }
            roots = nodes.indices.filter { !children.contains($0) }
        }
        var out: [(Int, GLTFNodeTransform)] = []
        var visited = Set<Int>()
        func visit(_ index: Int, parent: GLTFNodeTransform) throws {
            guard nodes.indices.contains(index) else { throw document.fail("nodes[\(index)] does not exist (\(nodes.count) defined)") }
            // A node graph must be a forest (glTF 2.0 §3.5.2); a cycle would recurse for ever.
            guard visited.insert(index).inserted else { throw document.fail("nodes[\(index)] is reached twice: the node hierarchy is not a tree") }
            let node = nodes[index]
            let world = parent.then(try GLTFNodeTransform.local(node, key: "nodes[\(index)]", fail: document.fail))
            if let mesh = try document.index(node["mesh"], key: "nodes[\(index)].mesh") { out.append((mesh, world)) }
            for child in (node["children"] as? [Any]) ?? [] {
                try visit(try document.index(child, key: "nodes[\(index)].children") ?? -1, parent: world)
            }
        }
        for root in roots { try visit(root, parent: .identity) }
        return out
    }

    /// One primitive's Gaussians in glTF axes, and whether its scales were log-space.
    static func primitiveCloud(_ document: GLTFDocument, primitive: [String: Any], splat: [String: Any],
                               key: String) throws -> (SplatCloud, Bool) {
        if let nested = splat["extensions"] as? [String: Any], let spz = nested[spzExtension] as? [String: Any] {
            guard let view = try document.index(spz["bufferView"], key: key + ".\(spzExtension).bufferView") else {
                throw document.fail("\(key): \(spzExtension) has no bufferView")
            }
            let file = try SPZ.decode(data: try document.bufferView(view).bytes, path: document.path + " (\(key) SPZ stream)")
            // SPZ's axes are glTF's: undo the decoder's turn to the PLY's axes.
            return (toOurAxes(file.cloud), false)
        }
        guard let attributes = primitive["attributes"] as? [String: Any] else { throw document.fail("\(key) has no attributes") }
        func accessor(_ name: String, _ type: String, _ allowed: Set<Int>) throws -> (count: Int, values: [Float])? {
            guard let value = attributes[name] else { return nil }
            guard let index = try document.index(value, key: "\(key).attributes.\(name)") else { return nil }
            return try document.floats(accessor: index, type: type, allowed: allowed, name: name)
        }
        let float: Set<Int> = [5126], signed: Set<Int> = [5126, 5120, 5122], any: Set<Int> = [5126, 5120, 5121, 5122, 5123]
        func required(_ name: String, _ type: String, _ allowed: Set<Int>) throws -> [Float] {
            guard let read = try accessor(name, type, allowed) else { throw document.fail("\(key) has no \(name) attribute") }
            return read.values
        }
        let positions = try required("POSITION", "VEC3", float)
        let n = positions.count / 3
        let rotations = try required("\(prefix):ROTATION", "VEC4", signed)
        var scales = try required("\(prefix):SCALE", "VEC3", any)
        let opacities = try required("\(prefix):OPACITY", "SCALAR", [5126, 5121, 5123])
        guard let dc = try accessor("\(prefix):SH_DEGREE_0_COEF_0", "VEC3", float)?.values else {
            throw document.fail("\(key) has no \(prefix):SH_DEGREE_0_COEF_0 attribute (other lighting models are not supported)")
        }
        var degree = 0
        var bands: [[Float]] = [dc]
        for l in 1...3 {
            let names = (0..<(2 * l + 1)).map { "\(prefix):SH_DEGREE_\(l)_COEF_\($0)" }
            let present = names.filter { attributes[$0] != nil }
            if present.isEmpty { break }
            guard present.count == names.count else { throw document.fail("\(key): SH degree \(l) is partly defined (\(present.count) of \(names.count) coefficients)") }
            for name in names { bands.append(try required(name, "VEC3", float)) }
            degree = l
        }
        for (name, array, width) in [("ROTATION", rotations, 4), ("SCALE", scales, 3), ("OPACITY", opacities, 1)] + bands.map({ ("SH", $0, 3) })
        where array.count != n * width {
            throw document.fail("\(key): \(name) has \(array.count / width) elements, POSITION \(n)")
        }
        let checks = OpeningChecks(path: document.path)
        for (name, array) in [("POSITION", positions), ("ROTATION", rotations), ("SCALE", scales), ("OPACITY", opacities)]
            + bands.map({ ("SH", $0) }) {
            if let bad = OpeningChecks.firstNonFinite(array) { throw checks.fail("\(key): non-finite \(name) value in element \(bad / max(array.count / max(n, 1), 1))") }
        }
        // A negative scale cannot be linear: such files hold log scales (early drafts of the extension).
        let logScales = scales.contains { $0 < 0 }
        if logScales { scales = scales.map { exp($0) } }
        let k = (degree + 1) * (degree + 1)
        var sh = [Float](repeating: 0, count: n * k * 3)
        for (coefficient, band) in bands.enumerated() {
            for i in 0..<n { for c in 0..<3 { sh[(i * k + coefficient) * 3 + c] = band[3 * i + c] } }
        }
        let cloud = SplatCloud(
            positions: (0..<n).map { SIMD3(positions[3 * $0], positions[3 * $0 + 1], positions[3 * $0 + 2]) },
            scales: (0..<n).map { SIMD3(scales[3 * $0], scales[3 * $0 + 1], scales[3 * $0 + 2]) },
            // (x, y, z, w) → (w, x, y, z); a zero quaternion stays the identity rotation.
            rotations: (0..<n).map { i in
                let q = SIMD4(rotations[4 * i + 3], rotations[4 * i], rotations[4 * i + 1], rotations[4 * i + 2])
                return (q * q).sum() > 0 ? normalizedQuaternion(q) : SIMD4(1, 0, 0, 0)
            },
            opacities: opacities.map { min(max($0, 0), 1) }, shDegree: degree, sh: sh)
        return (cloud, logScales)
    }

    /// Several primitives as one cloud; a lower SH degree is padded with zero coefficients.
    static func concatenate(_ parts: [SplatCloud], fail: (String) -> SceneFileError) throws -> SplatCloud {
        guard parts.count > 1 else { return parts[0] }
        let degree = parts.map(\.shDegree).max()!
        let k = (degree + 1) * (degree + 1)
        var positions: [SIMD3<Float>] = [], scales: [SIMD3<Float>] = [], rotations: [SIMD4<Float>] = [], opacities: [Float] = [], sh: [Float] = []
        for part in parts {
            positions += part.positions; scales += part.scales; rotations += part.rotations; opacities += part.opacities
            let partK = part.coefficientsPerGaussian
            for i in 0..<part.count {
                sh += part.sh[(i * partK * 3)..<((i + 1) * partK * 3)]
                sh += [Float](repeating: 0, count: (k - partK) * 3)
            }
        }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities, shDegree: degree, sh: sh)
    }

    // MARK: - Writing

    /// The cloud as a GLB: one node, one POINTS primitive with float attributes (linear scales,
    /// activated opacities, every SH degree the cloud has), in glTF's +Y-up axes.
    public static func encode(_ cloud: SplatCloud) -> Data {
        let c = toOurAxes(cloud)
        let n = c.count, k = c.coefficientsPerGaussian
        var bin = Data(), accessors: [[String: Any]] = [], views: [[String: Any]] = [], attributes: [String: Any] = [:]
        func add(_ name: String, _ type: String, _ values: [Float], bounds: Bool = false) {
            var accessor: [String: Any] = ["bufferView": views.count, "componentType": 5126, "count": n, "type": type]
            if bounds, n > 0 {
                // POSITION needs its bounds (glTF 2.0 §3.7.2.1).
                accessor["min"] = (0..<3).map { axis in Double(stride(from: axis, to: values.count, by: 3).map { values[$0] }.min()!) }
                accessor["max"] = (0..<3).map { axis in Double(stride(from: axis, to: values.count, by: 3).map { values[$0] }.max()!) }
            }
            views.append(["buffer": 0, "byteOffset": bin.count, "byteLength": values.count * 4])
            values.withUnsafeBytes { bin.append(contentsOf: $0) }
            attributes[name] = accessors.count
            accessors.append(accessor)
        }
        add("POSITION", "VEC3", c.positions.flatMap { [$0.x, $0.y, $0.z] }, bounds: true)
        add("\(prefix):ROTATION", "VEC4", c.rotations.flatMap { [$0[1], $0[2], $0[3], $0[0]] })
        add("\(prefix):SCALE", "VEC3", c.scales.flatMap { [$0.x, $0.y, $0.z] })
        add("\(prefix):OPACITY", "SCALAR", c.opacities)
        for coefficient in 0..<k {
            let l = Int(Double(coefficient).squareRoot()), index = coefficient - l * l
            add("\(prefix):SH_DEGREE_\(l)_COEF_\(index)", "VEC3", (0..<n).flatMap { i in (0..<3).map { c.sh[(i * k + coefficient) * 3 + $0] } })
        }
        let document: [String: Any] = [
            "asset": ["version": "2.0", "generator": "Splat4D"],
            "extensionsUsed": [prefix],
            "scene": 0, "scenes": [["nodes": [0]]], "nodes": [["mesh": 0]],
            "meshes": [["primitives": [["attributes": attributes, "mode": 0,
                                        "extensions": [prefix: ["kernel": "ellipse", "colorSpace": "srgb_rec709_display"]]]]]],
            "accessors": accessors, "bufferViews": views, "buffers": [["byteLength": bin.count]],
        ]
        var json = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        while json.count % 4 != 0 { json.append(0x20) }
        while bin.count % 4 != 0 { bin.append(0) }
        var out = Data()
        func word(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: GLTFDocument.glbMagic)
        word(2)
        word(UInt32(12 + 8 + json.count + 8 + bin.count))
        word(UInt32(json.count)); word(GLTFDocument.jsonChunk); out.append(json)
        word(UInt32(bin.count)); word(GLTFDocument.binChunk); out.append(bin)
        return out
    }

    /// glTF's +Y-up axes ↔ the PLY's y-down ones (a half turn about x, its own inverse).
    static func toOurAxes(_ cloud: SplatCloud) -> SplatCloud {
        var out = cloud
        out.positions = cloud.positions.map { $0 * SPZ.axisFlip }
        out.rotations = cloud.rotations.map { SIMD4($0[0], $0[1], -$0[2], -$0[3]) }
        let k = cloud.coefficientsPerGaussian
        for i in 0..<cloud.count { for c in 0..<k { for channel in 0..<3 { out.sh[(i * k + c) * 3 + channel] *= SPZ.shFlip[c] } } }
        return out
    }
}

extension SceneFormatID {
    public static let gltfSplats = SceneFormatID(rawValue: "gltf")
}
