import Foundation
import SplatCore

/// hustvl/4DGaussians' output (commit 843d5ac): a model folder (`cfg_args`, `point_cloud/iteration_N/`)
/// or one iteration folder, holding the canonical `point_cloud.ply` (a 3DGS PLY) and the
/// deformation network `deformation.pth` (a torch state dict), plus `deformation_table.pth`.
/// The latest iteration is read unless `SceneLoader.Options.iteration` names one. Time is the
/// trainer's: 0…1 over the training frames. The architecture comes from the tensor shapes
/// (`DeformationStateDict`), the options from `cfg_args` (`DeformationConfig`).
public struct FourDGaussiansFolder: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .fourDGaussians }

    /// A folder with `cfg_args` and `point_cloud/`, or an iteration folder (`deformation.pth`, or
    /// `point_cloud.ply` in a folder named iteration_N).
    public func detects(_ source: SceneSource) -> Bool {
        guard source.data == nil, isFolder(source.path) else { return false }
        return Self.modelFolder(source.path) || Self.iterationFolder(source.path)
    }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let paths = try Self.paths(source.path, iteration: options.iteration)
        let config = try DeformationConfig.read(path: paths.config)
        let ply = try PLYFile(data: try OpeningChecks(path: paths.ply).readFile(), path: paths.ply)
        let canonical = try Self.canonical(ply)
        let deformationPath = (paths.iteration as NSString).appendingPathComponent("deformation.pth")
        guard FileManager.default.fileExists(atPath: deformationPath) else {
            throw SceneFileError(path: paths.iteration, problem: "has no deformation.pth: a 4DGaussians iteration folder holds "
                                 + "the deformation network beside point_cloud.ply (a coarse-stage folder has none)")
        }
        let checkpoint = try TorchCheckpoint(data: try OpeningChecks(path: deformationPath).readFile(), path: deformationPath)
        let field = try DeformationStateDict.field(checkpoint, options: config.options)
        let n = canonical.cloud.count
        if field.options.deformSH, field.shCoefficients != canonical.cloud.coefficientsPerGaussian {
            throw SceneFileError(path: paths.ply, problem: "has SH degree \(canonical.cloud.shDegree) but the network's SH head "
                                 + "writes \(field.shCoefficients) coefficients per channel (the trainer needs degree 3)")
        }
        let table = try Self.tableCount(iteration: paths.iteration, gaussians: n)
        let motion = FieldMotion(field: field, logScales: canonical.logScales, opacityLogits: canonical.opacityLogits)
        let scene = TemporalCloud(gaussians: canonical.cloud, field: motion,
                                  metadata: SceneMetadata(timeRange: 0...1, timeUnit: "segment"))
        let detail = "iteration \(paths.number.map(String.init) ?? "?"), HexPlane deformation network"
            + (table.map { ", deformation table marks \($0) of \(n)" } ?? "")
        return LoadedScene(format: id, formatDetail: detail, scene: scene)
    }

    /// The architecture in words: planes, resolutions, widths, depth, the heads in use.
    public static func describe(_ field: DeformationField) -> String {
        let resolutions = field.levels.map { level -> String in
            let r = [level[0].width, level[0].height, level[1].height, level[2].height]
            return "[\(r.map(String.init).joined(separator: ", "))]"
        }.joined(separator: " ")
        let o = field.options
        let heads = [("position", o.deformPosition), ("scale", o.deformScale), ("rotation", o.deformRotation),
                     ("opacity", o.deformOpacity), ("SH", o.deformSH)].filter(\.1).map(\.0)
        var text = "HexPlane \(field.levels.count) levels x 6 planes, \(field.levels.first?[0].channels ?? 0) channels, "
            + "resolutions \(resolutions), MLP width \(field.width) depth \(field.depth), heads: \(heads.joined(separator: ", "))"
        if o.applyRotation { text += ", apply_rotation" }
        if field.staticMask != nil { text += ", static_mlp" }
        if o.gridPE > 1 { text += ", grid_pe \(o.gridPE)" }
        return text
    }

    /// An iteration folder's files (cfg_args beside them, as the loader also accepts): the
    /// options, the canonical PLY (SH degree 3) and a tiny network.
    public func fuzzSeeds() throws -> [FuzzSeed] {
        let cloud = SceneGenerator.benchmarkBall(count: 2, seed: 5, shDegree: 3)
        return [FuzzSeed("cfg_args", Data("Namespace(sh_degree=3, no_do=False, no_dshs=False, grid_pe=0, static_mlp=False)".utf8)),
                FuzzSeed("point_cloud.ply", PLYWriter.gaussianPLY(cloud)),
                FuzzSeed("deformation.pth", DeformationStateDict.seed())]
    }

    /// A folder is not one byte stream: the bytes are read as the file they look like — a PLY as
    /// the canonical cloud, a ZIP as deformation.pth (deforming one Gaussian), else as cfg_args.
    public func fuzz(_ data: Data) throws {
        if PLYHeader.hasMagic(data) {
            _ = try Self.canonical(PLYFile(data: data, path: "fuzz.ply"))
            return
        }
        guard ZipArchive.hasZipMagic(data) else {
            let namespace = try PythonNamespace.parse(String(decoding: data, as: UTF8.self)) { SceneFileError(path: "cfg_args", problem: $0) }
            _ = try DeformationConfig(namespace, path: "cfg_args")
            return
        }
        let field = try DeformationStateDict.field(TorchCheckpoint(data: data, path: "fuzz.pth"), options: DeformationField.Options())
        // Degree 3: the SH head writes at most its own outputs into the 48 coefficients.
        let cloud = SplatCloud(positions: [SIMD3(0.1, 0.2, 0.3)], scales: [SIMD3(repeating: 0.1)], rotations: [SIMD4(1, 0, 0, 0)],
                               opacities: [0.5], shDegree: 3, sh: [Float](repeating: 0.1, count: 48))
        _ = FieldMotion(field: field, logScales: [SIMD3(repeating: -2)], opacityLogits: [0]).cloud(cloud, at: 0.5)
    }

    // MARK: Folders

    struct Paths {
        var config: String
        var iteration: String
        var ply: String
        var number: Int?
    }

    static func modelFolder(_ path: String) -> Bool {
        exists((path as NSString).appendingPathComponent("cfg_args"))
            && isFolder((path as NSString).appendingPathComponent("point_cloud"))
    }

    static func iterationFolder(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        return exists((path as NSString).appendingPathComponent("deformation.pth"))
            || (name.hasPrefix("iteration_") && exists((path as NSString).appendingPathComponent("point_cloud.ply")))
    }

    /// The model folder's cfg_args and the iteration folder to read.
    static func paths(_ path: String, iteration: Int?) throws -> Paths {
        let folder = (path as NSString).standardizingPath
        if modelFolder(folder) {
            let pointClouds = (folder as NSString).appendingPathComponent("point_cloud")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: pointClouds)) ?? []
            // searchForMaxIteration (utils/system_utils.py) takes iteration_N folders only, not coarse_iteration_N.
            let numbers = names.compactMap { $0.hasPrefix("iteration_") ? Int($0.dropFirst("iteration_".count)) : nil }.sorted()
            guard let chosen = iteration ?? numbers.last else {
                throw SceneFileError(path: pointClouds, problem: "has no iteration_N folder (the trainer saves the fine stage there)")
            }
            guard numbers.contains(chosen) else {
                throw SceneFileError(path: pointClouds, problem: "has no iteration_\(chosen) (it has \(numbers.isEmpty ? "none" : numbers.map { "iteration_\($0)" }.joined(separator: ", ")))")
            }
            let it = (pointClouds as NSString).appendingPathComponent("iteration_\(chosen)")
            return Paths(config: (folder as NSString).appendingPathComponent("cfg_args"), iteration: it,
                         ply: (it as NSString).appendingPathComponent("point_cloud.ply"), number: chosen)
        }
        let name = (folder as NSString).lastPathComponent
        let number = name.hasPrefix("iteration_") ? Int(name.dropFirst("iteration_".count)) : nil
        if let iteration, number != iteration {
            throw SceneFileError(path: path, problem: "is one iteration folder, not iteration \(iteration): give the model folder to choose an iteration")
        }
        // cfg_args sits two levels up (model/point_cloud/iteration_N), or beside a copied-out folder's files.
        let model = ((folder as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let beside = (folder as NSString).appendingPathComponent("cfg_args")
        let config = exists(beside) ? beside : (model as NSString).appendingPathComponent("cfg_args")
        return Paths(config: config, iteration: folder,
                     ply: (folder as NSString).appendingPathComponent("point_cloud.ply"), number: number)
    }

    // MARK: The canonical Gaussians

    struct Canonical {
        /// Positions, raw rotations, SH; activated scales and opacities (for bounds and info).
        var cloud: SplatCloud
        var logScales: [SIMD3<Float>]
        var opacityLogits: [Float]
    }

    /// GaussianModel.load_ply: the 3DGS PLY, keeping the raw log-scales, logits and quaternions
    /// the network takes.
    static func canonical(_ ply: PLYFile) throws -> Canonical {
        var cloud = try GaussianPLY.cloud(from: ply)
        let names = ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
        var logScales: [SIMD3<Float>] = [], logits: [Float] = [], rotations: [SIMD4<Float>] = []
        logScales.reserveCapacity(cloud.count)
        logits.reserveCapacity(cloud.count)
        rotations.reserveCapacity(cloud.count)
        try ply.forEachRow(of: "vertex", properties: names) { _, v in
            logits.append(v[0])
            logScales.append(SIMD3(v[1], v[2], v[3]))
            rotations.append(SIMD4(v[4], v[5], v[6], v[7]))
        }
        cloud.rotations = rotations
        return Canonical(cloud: cloud, logScales: logScales, opacityLogits: logits)
    }

    /// How many Gaussians deformation_table.pth marks, checked against the cloud; nil without the
    /// file. (gaussian_renderer.render deforms every Gaussian whatever the table says.)
    static func tableCount(iteration: String, gaussians n: Int) throws -> Int? {
        let path = (iteration as NSString).appendingPathComponent("deformation_table.pth")
        guard exists(path) else { return nil }
        let checkpoint = try TorchCheckpoint(data: try OpeningChecks(path: path).readFile(), path: path)
        guard let tensor = checkpoint.root.tensor, tensor.shape.count == 1 else {
            throw SceneFileError(path: path, problem: "holds \(checkpoint.root.typeName), not the deformation table (one flag per Gaussian)")
        }
        guard tensor.count == n else {
            throw SceneFileError(path: path, problem: "has \(tensor.count) flags but point_cloud.ply has \(n) Gaussians")
        }
        return try checkpoint.floats(tensor, name: "deformation_table").reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
    }
}

private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

private func isFolder(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
}

extension SceneFormatID {
    public static let fourDGaussians = SceneFormatID(rawValue: "4dgaussians")
}
