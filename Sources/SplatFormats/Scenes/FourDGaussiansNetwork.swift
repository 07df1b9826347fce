import Foundation
import SplatCore

/// The options of a 4DGaussians `cfg_args` (the parser's ModelHiddenParams, arguments/__init__.py)
/// that shape the deformation; flags the renderer does not implement are refused by name.
public struct DeformationConfig: Sendable {
    public var options: DeformationField.Options
    public var shDegree: Int?

    public static func read(path: String) throws -> DeformationConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SceneFileError(path: path, problem: "is missing: the trainer writes cfg_args beside point_cloud/ and the "
                                 + "deformation options (no_dx … apply_rotation) come from it")
        }
        let data = try OpeningChecks(path: path).readFile()
        let namespace = try PythonNamespace.parse(String(decoding: data, as: UTF8.self)) { SceneFileError(path: path, problem: $0) }
        return try DeformationConfig(namespace, path: path)
    }

    public init(_ args: PythonNamespace, path: String) throws {
        let fail = { (problem: String) in SceneFileError(path: path, problem: problem) }
        // ModelHiddenParams' defaults where the file is silent.
        func flag(_ name: String, _ fallback: Bool) throws -> Bool {
            guard let v = args[name] else { return fallback }
            guard let b = v.bool else { throw fail("\(name) is not True or False") }
            return b
        }
        for (name, what) in [("no_grid", "the grid-less network (the trainer's own no_grid path does not run)"),
                             ("empty_voxel", "the empty-voxel mask (DenseGrid)")] where try flag(name, false) {
            throw fail("\(name)=True is not supported: \(what) is not implemented")
        }
        var o = DeformationField.Options()
        o.deformPosition = !(try flag("no_dx", false))
        o.deformScale = !(try flag("no_ds", false))
        o.deformRotation = !(try flag("no_dr", false))
        o.deformOpacity = !(try flag("no_do", true))
        o.deformSH = !(try flag("no_dshs", true))
        o.applyRotation = try flag("apply_rotation", false)
        let staticMLP = try flag("static_mlp", false)
        if let pe = args["grid_pe"] {
            guard let v = pe.int, v >= 0 else { throw fail("grid_pe is not a non-negative integer") }
            // grid_pe 1 widens the first layer but adds no encoding: the trainer's network cannot run.
            guard v != 1 else { throw fail("grid_pe=1 is not supported (the trainer's layer shapes do not match it)") }
            o.gridPE = v
        }
        o.staticMLP = staticMLP
        if let k = args["kplanes_config"] {
            if let d = k["grid_dimensions"]?.int, d != 2 {
                throw fail("kplanes_config grid_dimensions=\(d) is not supported (planes only: 2)")
            }
            if let d = k["input_coordinate_dim"]?.int, d != 4 {
                throw fail("kplanes_config input_coordinate_dim=\(d) is not supported (x, y, z, t: 4)")
            }
        }
        options = o
        shDegree = args["sh_degree"]?.int
    }
}

/// A 4DGaussians `deformation.pth` (deform_network.state_dict()) read into a DeformationField:
/// the architecture from the tensor shapes, checked to be the HexPlane network.
public enum DeformationStateDict {
    static let prefix = "deformation_net."

    public static func field(_ checkpoint: TorchCheckpoint, options: DeformationField.Options) throws -> DeformationField {
        let fail = { (problem: String) in SceneFileError(path: checkpoint.path, problem: problem) }
        guard case .dict = checkpoint.root else {
            throw fail("holds \(checkpoint.root.typeName), not a state dict (unknown architecture)")
        }
        func tensor(_ key: String, shape: [Int?]) throws -> (values: [Float], shape: [Int]) {
            guard let t = checkpoint.root[prefix + key]?.tensor else {
                throw fail("has no tensor '\(prefix + key)': not a 4DGaussians HexPlane deformation network (unknown architecture)")
            }
            guard t.shape.count == shape.count, zip(t.shape, shape).allSatisfy({ $1 == nil || $0 == $1 }), t.count > 0 else {
                let expected = shape.map { $0.map(String.init) ?? "_" }.joined(separator: ", ")
                throw fail("tensor '\(prefix + key)' has shape \(t.shape), expected [\(expected)] (unknown architecture)")
            }
            return (try checkpoint.floats(t, name: prefix + key), t.shape)
        }
        func linear(_ key: String, inputs: Int?, outputs: Int?) throws -> DeformationField.Linear {
            let w = try tensor(key + ".weight", shape: [outputs, inputs])
            let b = try tensor(key + ".bias", shape: [w.shape[0]])
            return DeformationField.Linear(inputs: w.shape[1], outputs: w.shape[0], weight: w.values, bias: b.values)
        }
        func has(_ key: String) -> Bool { checkpoint.root[prefix + key] != nil }

        let aabb = try tensor("grid.aabb", shape: [2, 3]).values
        guard aabb.allSatisfy(\.isFinite), (0..<3).allSatisfy({ aabb[$0] != aabb[3 + $0] }) else {
            throw fail("grid.aabb is not a finite box with extent on every axis")
        }
        // Levels: grid.grids.L.P, six planes each, [1, C, reso[b], reso[a]] for plane (a, b).
        var levels: [[DeformationField.Plane]] = []
        while has("grid.grids.\(levels.count).0") {
            let l = levels.count
            var planes: [DeformationField.Plane] = []
            let first = try tensor("grid.grids.\(l).0", shape: [1, nil, nil, nil])
            let channels = first.shape[1]
            var resolution: [Int?] = [first.shape[3], first.shape[2], nil, nil]
            for (k, axes) in DeformationField.planeAxes.enumerated() {
                let p = try tensor("grid.grids.\(l).\(k)", shape: [1, channels, resolution[axes.1], resolution[axes.0]])
                resolution[axes.1] = p.shape[2]
                planes.append(DeformationField.Plane(axes: axes, channels: channels, height: p.shape[2], width: p.shape[3],
                                                     values: p.values))
            }
            if has("grid.grids.\(l).6") { throw fail("level \(l) has more than six planes (unknown architecture)") }
            levels.append(planes)
            guard levels.count <= 16 else { throw fail("more than 16 grid levels (unknown architecture)") }
        }
        guard !levels.isEmpty else {
            throw fail("has no tensor '\(prefix)grid.grids.0.0': not a 4DGaussians HexPlane deformation network (unknown architecture)")
        }
        let features = levels.reduce(0) { $0 + $1[0].channels } * (options.gridPE > 1 ? 3 : 1)
        var layers = [try linear("feature_out.0", inputs: nil, outputs: nil)]
        guard layers[0].inputs == features else {
            throw fail("feature_out.0 takes \(layers[0].inputs) inputs but the grids give \(features)"
                       + (options.gridPE > 1 ? " (grid_pe \(options.gridPE))" : "") + " (unknown architecture, or cfg_args does not match)")
        }
        let width = layers[0].outputs
        while has("feature_out.\(2 * layers.count).weight") {
            layers.append(try linear("feature_out.\(2 * layers.count)", inputs: width, outputs: width))
        }
        func head(_ name: String, _ outputs: Int?) throws -> DeformationField.Head {
            DeformationField.Head(hidden: try linear("\(name).1", inputs: width, outputs: width),
                                  output: try linear("\(name).3", inputs: width, outputs: outputs))
        }
        let sh = try head("shs_deform", nil)
        guard sh.output.outputs % 3 == 0 else { throw fail("shs_deform.3 has \(sh.output.outputs) outputs, not 3 per SH coefficient") }
        let staticMask = options.staticMLP ? try head("static_mlp", 1) : nil
        return DeformationField(aabb: (SIMD3(aabb[0], aabb[1], aabb[2]), SIMD3(aabb[3], aabb[4], aabb[5])), levels: levels,
                                feature: layers, position: try head("pos_deform", 3), scale: try head("scales_deform", 3),
                                rotation: try head("rotations_deform", 4), opacity: try head("opacity_deform", 1), sh: sh,
                                staticMask: staticMask, options: options)
    }

    /// A tiny valid deformation.pth (one level of 2×2 planes, width 2) for the fuzzer and tests.
    static func seed() -> Data {
        var storages: [String: [UInt8]] = [:]
        var entries: [PickleEntry] = []
        func add(_ key: String, _ shape: [Int]) {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { Float(($0 * 7 + entries.count * 3) % 11) / 10 - 0.4 }
            entries.append(PickleEntry(.string(prefix + key),
                                       TorchWriter.float32(values, shape: shape, key: "\(entries.count)", storages: &storages)))
        }
        entries.append(PickleEntry(.string(prefix + "grid.aabb"),
                                   TorchWriter.float32([1, 1, 1, -1, -1, -1], shape: [2, 3], key: "aabb", storages: &storages,
                                                       parameter: false)))
        for k in 0..<6 { add("grid.grids.0.\(k)", [1, 1, 2, 2]) }
        add("feature_out.0.weight", [2, 1]); add("feature_out.0.bias", [2])
        for (name, outputs) in [("pos_deform", 3), ("scales_deform", 3), ("rotations_deform", 4), ("opacity_deform", 1), ("shs_deform", 48)] {
            add("\(name).1.weight", [2, 2]); add("\(name).1.bias", [2])
            add("\(name).3.weight", [outputs, 2]); add("\(name).3.bias", [outputs])
        }
        return TorchWriter.archive(name: "deformation", root: .dict(entries, ordered: true), storages: storages)
    }
}
