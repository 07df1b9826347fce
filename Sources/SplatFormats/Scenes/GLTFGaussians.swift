import Foundation
import SplatCore

/// glTF 2.0 with KHR_gaussian_splatting (Khronos, ellipse kernel): .glb, or .gltf with data-URI or
/// external buffers. Each POINTS primitive carrying the extension holds POSITION and the
/// attributes KHR_gaussian_splatting:ROTATION (x, y, z, w; float or normalised snorm8/16),
/// :SCALE (linear), :OPACITY (activated, 0…1) and :SH_DEGREE_l_COEF_n (RGB, m = −l…l, the 3DGS basis
/// and constants; degree 0 is the PLY's f_dc). Every primitive reached from the scene's nodes
/// becomes part of one cloud, placed by its node's global transform (TRS or matrix, nested).
///
/// Axes: glTF is right-handed, +Y up, +Z toward the viewer; Splat4D's scenes are right-down-forward,
/// so after the node transforms y and z flip (a half turn about x): positions (x, −y, −z), quaternions
/// (w, x, −y, −z), SH coefficients odd in y and z negated (as for SPZ).
/// Limits: a node's rotation is applied to positions and orientations but not to SH degrees 1–3
/// (said in `info`); a non-uniform or mirroring node scale and sparse accessors are refused.
/// Early exporters wrote log-space scales or logit opacities: a negative scale, or an opacity
/// outside 0…1 (both invalid in the extension), is taken as that signal and activated (said in `info`).
public struct GLTFGaussians: SceneFormat {
    public static let extensionName = "KHR_gaussian_splatting"
    static let prefix = extensionName + ":"
    /// Extensions a file may require: the splats, and KHR_mesh_quantization (integer POSITION types).
    static let supportedRequired: Set<String> = [extensionName, "KHR_mesh_quantization"]

    public init() {}
    public var id: SceneFormatID { .gltf }
    public var extensionsForDamagedFiles: [String] { ["glb", "gltf"] }

    /// A GLB (magic "glTF"), or a JSON object with an "asset" key (every glTF has one).
    public func detects(_ source: SceneSource) -> Bool {
        guard let data = source.data, !data.isEmpty else { return false }
        if data.starts(with: GLTFAsset.glbMagic) { return true }
        guard let first = data.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }), first == UInt8(ascii: "{") else {
            return false
        }
        return data.prefix(1 << 16).range(of: Data("\"asset\"".utf8)) != nil
    }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let data = try source.bytes()
        try OpeningChecks(path: source.path).nonEmpty(data)
        var reader = try Reader(asset: GLTFAsset(data: data, path: source.path), path: source.path)
        let cloud = try reader.read()
        let kind = data.starts(with: GLTFAsset.glbMagic) ? "glb" : "gltf"
        var notes = ["\(reader.primitives) splat primitive\(reader.primitives == 1 ? "" : "s")",
                     "glTF +Y-up axes mapped to ours (x, −y, −z)"]
        if reader.logScales { notes.append("negative scales read as log-space and exponentiated") }
        if reader.logitOpacities { notes.append("opacities outside 0…1 read as logits") }
        if reader.shNotRotated { notes.append("SH degrees 1–3 not rotated by node rotations") }
        return LoadedScene(format: id, formatDetail: "\(kind): " + notes.joined(separator: "; "), cloud: cloud)
    }

    public func fuzzSeeds() throws -> [FuzzSeed] {
        [FuzzSeed("tiny.glb", try Self.glb(SeedScenes.staticCloud())),
         FuzzSeed("tiny.gltf", try Self.glb(SeedScenes.staticCloud(), dataURI: true))]
    }

    /// A minimal file of `cloud` (float attributes, one primitive, data in glTF's axes): the fuzz
    /// seeds and tests. Not a writer for users (convert has none for glTF yet).
    static func glb(_ cloud: SplatCloud, dataURI: Bool = false) throws -> Data {
        var bin = Data()
        var accessors: [[String: Any]] = [], views: [[String: Any]] = [], attributes: [String: Int] = [:]
        func add(_ name: String, _ type: String, _ values: [Float]) {
            let components = ["SCALAR": 1, "VEC3": 3, "VEC4": 4][type]!
            views.append(["buffer": 0, "byteOffset": bin.count, "byteLength": values.count * 4])
            accessors.append(["bufferView": views.count - 1, "componentType": 5126, "count": values.count / components, "type": type])
            attributes[name] = accessors.count - 1
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bin.append(contentsOf: $0) } }
        }
        let flip = SPZ.axisFlip
        add("POSITION", "VEC3", cloud.positions.flatMap { p in let q = p * flip; return [q.x, q.y, q.z] })
        add(prefix + "ROTATION", "VEC4", cloud.rotations.flatMap { q in [q.y, -q.z, -q.w, q.x] })
        add(prefix + "SCALE", "VEC3", cloud.scales.flatMap { [$0.x, $0.y, $0.z] })
        add(prefix + "OPACITY", "SCALAR", cloud.opacities)
        let k = cloud.coefficientsPerGaussian
        for coefficient in 0..<k {
            let degree = Int(Float(coefficient).squareRoot())
            let sign = SPZ.shFlip[coefficient]
            add(prefix + "SH_DEGREE_\(degree)_COEF_\(coefficient - degree * degree)", "VEC3",
                (0..<cloud.count).flatMap { i in (0..<3).map { cloud.sh[(i * k + coefficient) * 3 + $0] * sign } })
        }
        var buffer: [String: Any] = ["byteLength": bin.count]
        if dataURI { buffer["uri"] = "data:application/octet-stream;base64," + bin.base64EncodedString() }
        let json: [String: Any] = [
            "asset": ["version": "2.0", "generator": "Splat4D seed"], "extensionsUsed": [extensionName],
            "scene": 0, "scenes": [["nodes": [0]]], "nodes": [["mesh": 0]],
            "meshes": [["primitives": [["mode": 0, "attributes": attributes, "extensions": [extensionName: ["kernel": "ellipse", "colorSpace": "srgb_rec709_display"]]]]]],
            "buffers": [buffer], "bufferViews": views, "accessors": accessors,
        ]
        var text = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        if dataURI { return text }
        while text.count % 4 != 0 { text.append(0x20) }
        while bin.count % 4 != 0 { bin.append(0) }
        var out = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: GLTFAsset.glbMagic)
        u32(2)
        u32(12 + 8 + text.count + 8 + bin.count)
        u32(text.count); u32(Int(GLTFAsset.jsonChunk)); out.append(text)
        u32(bin.count); u32(Int(GLTFAsset.binaryChunk)); out.append(bin)
        return out
    }
}

extension SceneFormatID {
    public static let gltf = SceneFormatID(rawValue: "gltf-gaussians")
}

/// An affine node transform: y = linear·x + translation.
struct GLTFTransform {
    var linear = Mat3.identity
    var translation = SIMD3<Float>(repeating: 0)

    static func * (a: GLTFTransform, b: GLTFTransform) -> GLTFTransform {
        GLTFTransform(linear: a.linear * b.linear, translation: a.linear * b.translation + a.translation)
    }
}

/// Walks the scene's nodes and gathers the splat primitives into one cloud.
private struct Reader {
    var asset: GLTFAsset
    let checks: OpeningChecks
    var fail: (String) -> SceneFileError { checks.fail }
    var primitives = 0
    var logScales = false, logitOpacities = false, shNotRotated = false

    private var positions: [SIMD3<Float>] = [], scales: [SIMD3<Float>] = [], rotations: [SIMD4<Float>] = []
    private var opacities: [Float] = []
    /// Per primitive: its SH degree and coefficients (Gaussian-major, coefficient, channel).
    private var shParts: [(degree: Int, count: Int, values: [Float])] = []

    init(asset: GLTFAsset, path: String) {
        self.asset = asset
        checks = OpeningChecks(path: path)
    }

    mutating func read() throws -> SplatCloud {
        for name in (asset.json["extensionsRequired"] as? [Any] ?? []).compactMap({ $0 as? String })
        where !GLTFGaussians.supportedRequired.contains(name) {
            throw fail("requires the glTF extension \(name), which this reader does not support")
        }
        for root in try roots() { try visit(root, parent: GLTFTransform(), depth: 0) }
        guard primitives > 0 else {
            throw fail("a glTF 2.0 file without \(GLTFGaussians.extensionName) primitives: it holds no Gaussian splats")
        }
        let degree = shParts.map(\.degree).max() ?? 0
        let k = SplatCloud.coefficientCount(degree: degree)
        var sh: [Float] = []
        sh.reserveCapacity(positions.count * k * 3)
        for part in shParts {
            let partK = SplatCloud.coefficientCount(degree: part.degree)
            for i in 0..<part.count {
                sh += part.values[(i * partK * 3)..<((i + 1) * partK * 3)]
                sh += [Float](repeating: 0, count: (k - partK) * 3)  // a lower-degree primitive: no view dependence
            }
        }
        if logScales { scales = scales.map { SIMD3(exp($0.x), exp($0.y), exp($0.z)) } }
        if logitOpacities { opacities = opacities.map(sigmoid) } else { opacities = opacities.map { min(max($0, 0), 1) } }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities, shDegree: degree, sh: sh)
    }

    /// The scene's root nodes: `scene` (else the first scene), else every node no other lists as a child.
    private func roots() throws -> [Int] {
        let scenes = asset.array("scenes")
        if !scenes.isEmpty {
            let index = try asset.index(asset.json["scene"], key: "scene") ?? 0
            let scene = try asset.item("scenes", index, of: "the document's scene")
            return try (scene["nodes"] as? [Any] ?? []).map { try asset.index($0, key: "scenes[\(index)].nodes") ?? -1 }
        }
        let nodes = asset.array("nodes")
        let children = Set(nodes.flatMap { ($0["children"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue } })
        return (0..<nodes.count).filter { !children.contains($0) }
    }

    private mutating func visit(_ index: Int, parent: GLTFTransform, depth: Int) throws {
        guard depth < 64 else { throw fail("the node hierarchy is deeper than 64 levels (or has a cycle) at node \(index)") }
        let node = try asset.item("nodes", index, of: "a scene or node")
        let global = parent * (try transform(of: node, index: index))
        if let mesh = try asset.index(node["mesh"], key: "nodes[\(index)].mesh") {
            let object = try asset.item("meshes", mesh, of: "nodes[\(index)]")
            for (p, primitive) in ((object["primitives"] as? [Any]) ?? []).enumerated() {
                guard let primitive = primitive as? [String: Any] else { continue }
                try read(primitive, label: "meshes[\(mesh)].primitives[\(p)]", transform: global)
            }
        }
        for child in node["children"] as? [Any] ?? [] {
            try visit(try asset.index(child, key: "nodes[\(index)].children") ?? -1, parent: global, depth: depth + 1)
        }
    }

    /// A node's local transform: `matrix` (column-major 4×4) or translation · rotation (x, y, z, w) · scale.
    private func transform(of node: [String: Any], index: Int) throws -> GLTFTransform {
        if let matrix = node["matrix"] as? [Any] {
            guard matrix.count == 16 else { throw fail("nodes[\(index)].matrix must hold 16 numbers") }
            let m = try matrix.map { Float(try JSONValues.number($0, key: "nodes[\(index)].matrix", fail: fail)) }
            return GLTFTransform(linear: Mat3(rows: [m[0], m[4], m[8]], [m[1], m[5], m[9]], [m[2], m[6], m[10]]),
                                 translation: [m[12], m[13], m[14]])
        }
        let t = try node["translation"].map { try JSONValues.vector3($0, key: "nodes[\(index)].translation", fail: fail) } ?? .zero
        let r = try node["rotation"].map { try JSONValues.vector4($0, key: "nodes[\(index)].rotation", fail: fail) } ?? SIMD4(0, 0, 0, 1)
        let s = try node["scale"].map { try JSONValues.vector3($0, key: "nodes[\(index)].scale", fail: fail) } ?? SIMD3(repeating: 1)
        let rotation = Mat3.rotation(quaternionWXYZ: normalizedQuaternion(SIMD4(r.w, r.x, r.y, r.z)))
        return GLTFTransform(linear: rotation * Mat3.diagonal(s), translation: t)
    }

    private mutating func read(_ primitive: [String: Any], label: String, transform: GLTFTransform) throws {
        let extensions = primitive["extensions"] as? [String: Any] ?? [:]
        for name in extensions.keys where name.hasPrefix(GLTFGaussians.extensionName + "_compression") {
            throw fail("\(label) uses \(name), which this reader does not support (only uncompressed \(GLTFGaussians.extensionName))")
        }
        guard let settings = extensions[GLTFGaussians.extensionName] as? [String: Any] else { return }  // an ordinary mesh
        if let kernel = settings["kernel"] as? String, kernel != "ellipse" {
            throw fail("\(label): \(GLTFGaussians.extensionName) kernel '\(kernel)' is not supported (only 'ellipse')")
        }
        let mode = try asset.index(primitive["mode"], key: "\(label).mode") ?? 4
        guard mode == 0 else { throw fail("\(label): a splat primitive must have mode 0 (POINTS), got \(mode)") }
        let attributes = primitive["attributes"] as? [String: Any] ?? [:]
        func accessor(_ name: String) throws -> Int? { try asset.index(attributes[name], key: "\(label).attributes.\(name)") }
        let p = GLTFGaussians.prefix
        guard let positionIndex = try accessor("POSITION") else { throw fail("\(label) has no POSITION attribute") }
        for name in ["ROTATION", "SCALE", "OPACITY", "SH_DEGREE_0_COEF_0"] where attributes[p + name] == nil {
            throw fail("\(label) has no \(p + name) attribute")
        }
        var degree = 0
        while degree < 3, attributes[p + "SH_DEGREE_\(degree + 1)_COEF_0"] != nil { degree += 1 }
        if attributes[p + "SH_DEGREE_4_COEF_0"] != nil { throw fail("\(label): SH degree 4 and above is not supported (at most 3)") }
        for l in 1...max(degree, 1) where l <= degree {
            for n in 0...(2 * l) where attributes[p + "SH_DEGREE_\(l)_COEF_\(n)"] == nil {
                throw fail("\(label): SH degree \(l) is partly defined (no \(p)SH_DEGREE_\(l)_COEF_\(n))")
            }
        }
        // The count before anything is allocated: the memory budget and every attribute's count.
        let declared = try asset.index(try asset.item("accessors", positionIndex, of: label)["count"], key: "POSITION count") ?? 0
        try checks.gaussians(positions.count + declared, shDegree: 3, temporal: false)
        let floatTypes: Set<Int> = [5126], positionTypes: Set<Int> = [5126, 5120, 5121, 5122, 5123, -5120, -5121, -5122, -5123]
        func values(_ name: String, _ type: String, _ allowed: Set<Int>) throws -> [Float] {
            let index = name == "POSITION" ? positionIndex : try accessor(name)!
            let read = try asset.floats(accessor: index, name: name, type: type, allowed: allowed, maxCount: declared)
            guard read.count == declared else { throw fail("\(label): \(name) has \(read.count) elements, POSITION \(declared)") }
            if let bad = OpeningChecks.firstNonFinite(read.values) { throw fail("\(label): \(name) value \(bad) is not finite") }
            return read.values
        }
        let position = try values("POSITION", "VEC3", positionTypes)
        let rotation = try values(p + "ROTATION", "VEC4", [5126, -5120, -5122])
        let scale = try values(p + "SCALE", "VEC3", [5126, 5121, -5121, 5123, -5123])
        let opacity = try values(p + "OPACITY", "SCALAR", [5126, -5121, -5123])
        var sh: [[Float]] = []
        for l in 0...degree {
            for n in 0...(2 * l) { sh.append(try values(p + "SH_DEGREE_\(l)_COEF_\(n)", "VEC3", floatTypes)) }
        }
        let node = try NodeFrame(transform, fail: { self.fail("\(label): \($0)") })
        if degree > 0, !node.isPureScale { shNotRotated = true }
        let flip = SPZ.axisFlip
        for i in 0..<declared {
            let local = SIMD3(position[3 * i], position[3 * i + 1], position[3 * i + 2])
            positions.append((transform.linear * local + transform.translation) * flip)
            let s = SIMD3(scale[3 * i], scale[3 * i + 1], scale[3 * i + 2])
            if s.min() < 0 { logScales = true }
            scales.append(s)
            // glTF (x, y, z, w) → (w, x, y, z); the node's rotation first, then the half turn about x.
            let q = node.rotate(normalizedQuaternion(SIMD4(rotation[4 * i + 3], rotation[4 * i], rotation[4 * i + 1], rotation[4 * i + 2])))
            rotations.append(SIMD4(q.x, q.y, -q.z, -q.w))
            if opacity[i] < 0 || opacity[i] > 1 { logitOpacities = true }
            opacities.append(opacity[i])
        }
        if node.scale != 1 {
            for i in (scales.count - declared)..<scales.count { scales[i] *= node.scale }
            if logScales { throw fail("\(label): log-space scales under a scaled node are ambiguous") }
        }
        let k = sh.count
        var values = [Float](repeating: 0, count: declared * k * 3)
        for i in 0..<declared {
            for c in 0..<k {
                let sign = SPZ.shFlip[c]
                for ch in 0..<3 { values[(i * k + c) * 3 + ch] = sh[c][3 * i + ch] * sign }
            }
        }
        shParts.append((degree, declared, values))
        primitives += 1
    }
}

/// A node's global linear part split into a rotation and one positive scale factor.
private struct NodeFrame {
    var rotation: SIMD4<Float>  // (w, x, y, z)
    var scale: Float
    var isPureScale: Bool { abs(rotation.x) > 1 - 1e-6 }

    init(_ transform: GLTFTransform, fail: (String) -> SceneFileError) throws {
        let m = transform.linear.transposed  // rows of the transpose are the columns
        let lengths = SIMD3(length(m.r0), length(m.r1), length(m.r2))
        guard lengths.min() > 0, lengths.max().isFinite else { throw fail("its node transform collapses or overflows an axis") }
        guard lengths.max() / lengths.min() - 1 < 1e-3 else {
            throw fail("its node scale is not uniform (\(lengths.x), \(lengths.y), \(lengths.z)), which this reader does not support")
        }
        scale = (lengths.x + lengths.y + lengths.z) / 3
        let r = Mat3(rows: transform.linear.r0 / scale, transform.linear.r1 / scale, transform.linear.r2 / scale)
        let det = dot(r.r0, cross(r.r1, r.r2))
        guard det > 0 else { throw fail("its node transform mirrors (negative scale), which the extension leaves undefined") }
        rotation = unitQuaternion(fromRotation: [0, 1, 2].map { row in [0, 1, 2].map { Double(r[row, $0]) } })
    }

    /// The node's rotation applied to an orientation: rotation ⊗ q (Hamilton product, (w, x, y, z)).
    func rotate(_ q: SIMD4<Float>) -> SIMD4<Float> {
        let (aw, av) = (rotation.x, SIMD3(rotation.y, rotation.z, rotation.w))
        let (bw, bv) = (q.x, SIMD3(q.y, q.z, q.w))
        let v = aw * bv + bw * av + cross(av, bv)
        return SIMD4(aw * bw - dot(av, bv), v.x, v.y, v.z)
    }
}
