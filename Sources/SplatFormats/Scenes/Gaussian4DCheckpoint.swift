import Foundation
import SplatCore

/// Yang et al.'s 4DGS training checkpoints (fudan-zvg/4d-gaussian-splatting, `chkpnt*.pth`), read
/// without PyTorch through `TorchCheckpoint`. train.py saves `(gaussians.capture(), iteration)`;
/// with gaussian_dim 4, capture() (scene/gaussian_model.py) is the 19-tuple
///   0 active_sh_degree, 1 _xyz (N,3), 2 _features_dc (N,1,3), 3 _features_rest (N,C−1,3),
///   4 _scaling (N,3) log, 5 _rotation (N,4) left quaternion w first, 6 _opacity (N,1) logit,
///   7 max_radii2D, 8 xyz_gradient_accum, 9 t_gradient_accum, 10 denom, 11 optimizer state,
///   12 spatial_lr_scale, 13 _t (N,1), 14 _scaling_t (N,1) log, 15 _rotation_r (N,4),
///   16 rot_4d, 17 env_map, 18 active_sh_degree_t.
/// The Gaussians decode exactly as the same parameters in a 4D PLY (`Gaussian4DPLY`, the mapping
/// of tools/convert_4dgs_checkpoint.py): spatial SH of degree active_sh_degree (the first
/// (degree+1)² of the C colour coefficients), the "flipped" rotation convention, the time range
/// derived from the Gaussians (the checkpoint does not record the config's time_duration).
/// The time-Fourier colour terms (C > (degree+1)², `eval_shfs_4d`) are kept in
/// `Gaussian4DCheckpointModel.featuresRest` but not rendered yet.
public struct Gaussian4DCheckpoint: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .gaussian4DCheckpoint }

    /// Any torch.save file: one that is not a 4DGS checkpoint gets this reader's error saying what it holds.
    public func detects(_ source: SceneSource) -> Bool { source.data.map(TorchCheckpoint.matches) ?? false }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let model = try Gaussian4DCheckpointModel(checkpoint: TorchCheckpoint(data: source.bytes(), path: source.path))
        var detail = "PyTorch checkpoint" + (model.iteration.map { ", iteration \($0)" } ?? "")
        let timeColour = model.shDegreeT > 0 && model.shDegree == 3
        if timeColour, let duration = options.timeDuration {
            detail += "; time-varying colour (sh_degree_t \(model.shDegreeT), time duration \(duration.lowerBound)…\(duration.upperBound) given)"
            return LoadedScene(format: id, formatDetail: detail, scene: try model.scene(timeDuration: duration))
        }
        var loaded = LoadedScene(format: id, formatDetail: detail, scene: try model.scene())
        if timeColour {
            loaded.formatDetail += "; time-varying colour (sh_degree_t \(model.shDegreeT)) needs the training config's time duration"
            loaded.missingForRendering = "the colour varies with time (sh_degree_t \(model.shDegreeT)) with the period of the "
                + "training config's time_duration, which the checkpoint does not hold"
        }
        return loaded
    }

    public func fuzzSeeds() -> [FuzzSeed] { [FuzzSeed("chkpnt.pth", TorchWriter.seed4DGS())] }

    /// A checkpoint laid out as train.py saves it (capture() of a 4D model with rot_4d, iteration
    /// 7000), from raw Gaussians, activated opacities and SH in SplatCloud's layout.
    static func write(_ gaussians: [Gaussian4D], opacities: [Float], shDegree: Int, sh: [Float]) -> Data {
        let n = gaussians.count, k = SplatCloud.coefficientCount(degree: shDegree)
        var storages: [String: [UInt8]] = [:]
        func tensor(_ key: Int, _ shape: [Int], _ values: [Float], parameter: Bool = true) -> PickleValue {
            TorchWriter.float32(values, shape: shape, key: String(key), storages: &storages, parameter: parameter)
        }
        func column(_ f: (Gaussian4D) -> [Double]) -> [Float] { gaussians.flatMap { f($0).map(Float.init) } }
        let dc = (0..<n).flatMap { i in (0..<3).map { sh[i * k * 3 + $0] } }
        let rest = (0..<n).flatMap { i in (1..<k).flatMap { c in (0..<3).map { sh[(i * k + c) * 3 + $0] } } }
        let zeros = [Float](repeating: 0, count: n)
        let optimizer = PickleValue.dict([PickleEntry(.string("state"), .dict([], ordered: false)),
                                          PickleEntry(.string("param_groups"), .list([]))], ordered: false)
        let capture: [PickleValue] = [
            .int(shDegree),
            tensor(0, [n, 3], column { [$0.mean.x, $0.mean.y, $0.mean.z] }),
            tensor(1, [n, 1, 3], dc), tensor(2, [n, k - 1, 3], rest),
            tensor(3, [n, 3], column { [$0.logScale.x, $0.logScale.y, $0.logScale.z] }),
            tensor(4, [n, 4], column { [$0.left.x, $0.left.y, $0.left.z, $0.left.w] }),
            tensor(5, [n, 1], opacities.map(opacityLogit)),
            tensor(6, [n], zeros, parameter: false), tensor(7, [n, 1], zeros, parameter: false),
            tensor(8, [n, 1], zeros, parameter: false), tensor(9, [n, 1], zeros, parameter: false),
            optimizer, .float(1.5),
            tensor(10, [n, 1], column { [$0.mean.w] }), tensor(11, [n, 1], column { [$0.logScale.w] }),
            tensor(12, [n, 4], column { [$0.right.x, $0.right.y, $0.right.z, $0.right.w] }),
            .bool(true), tensor(13, [0], [], parameter: false), .int(0),
        ]
        return TorchWriter.archive(name: "chkpnt7000", root: .tuple([.tuple(capture), .int(7000)]), storages: storages)
    }
}

/// The Gaussians of a 4DGS checkpoint as the trainer stores them (raw: log scales, logit
/// opacities, unnormalised quaternions w first), row-major per Gaussian.
public struct Gaussian4DCheckpointModel: Sendable {
    public var iteration: Int?
    public var count: Int
    /// active_sh_degree: the spatial SH degree the trainer renders.
    public var shDegree: Int
    /// active_sh_degree_t: the degree of the time-Fourier colour terms (0 without eval_shfs_4d).
    public var shDegreeT: Int
    public var xyz: [Float], t: [Float]
    /// (N, 1, 3) and (N, C−1, 3): coefficient-major, rgb last, as `_features_dc` / `_features_rest`.
    public var featuresDC: [Float], featuresRest: [Float]
    /// C − 1: every colour coefficient after the first, the 4D-SH ones included.
    public var restCoefficients: Int
    public var scaling: [Float], scalingT: [Float], rotation: [Float], rotationR: [Float], opacity: [Float]
    public let path: String

    static let captureFields = 19

    public init(checkpoint: TorchCheckpoint) throws {
        path = checkpoint.path
        let checks = OpeningChecks(path: path)
        var capture = checkpoint.root.items ?? []
        if capture.count == 2, let inner = capture[0].items, let iteration = capture[1].int {
            self.iteration = iteration
            capture = inner
        }
        guard capture.count == Self.captureFields else {
            if capture.count == 12 {
                throw checks.fail("is a 3D Gaussian checkpoint (capture() with 12 fields); only 4D ones (gaussian_dim 4, 19 fields) are read")
            }
            throw checks.fail("is a PyTorch file but not a 4DGS checkpoint: expected (gaussians.capture(), iteration) "
                              + "with 19 fields, found \(checkpoint.root.typeName)")
        }
        guard let degree = capture[0].int, (0...3).contains(degree) else { throw checks.fail("active_sh_degree (field 0) is not 0 to 3") }
        guard let degreeT = capture[18].int, (0...2).contains(degreeT) else { throw checks.fail("active_sh_degree_t (field 18) is not 0 to 2") }
        guard capture[16].bool == true else {
            throw checks.fail("the model was trained without rot_4d (field 16); only 4D rotations are supported")
        }
        shDegree = degree
        shDegreeT = degreeT
        func tensor(_ field: Int, _ name: String) throws -> TorchTensor {
            guard let t = capture[field].tensor else { throw checks.fail("\(name) (field \(field)) is \(capture[field].typeName), not a tensor") }
            guard t.dtype.isFloatingPoint else { throw checks.fail("\(name) (field \(field)) holds \(t.dtype.rawValue), not floats") }
            return t
        }
        let xyzTensor = try tensor(1, "_xyz")
        guard xyzTensor.shape.count == 2, xyzTensor.shape[1] == 3 else {
            throw checks.fail("_xyz (field 1) has shape \(xyzTensor.shape), expected (N, 3)")
        }
        let n = xyzTensor.shape[0]
        count = n
        let restTensor = try tensor(3, "_features_rest")
        guard restTensor.shape.count == 3, restTensor.shape[0] == n, restTensor.shape[2] == 3,
              restTensor.shape[1] + 1 >= SplatCloud.coefficientCount(degree: degree) else {
            throw checks.fail("_features_rest (field 3) has shape \(restTensor.shape), expected (\(n), ≥ "
                              + "\(SplatCloud.coefficientCount(degree: degree) - 1), 3) for SH degree \(degree)")
        }
        restCoefficients = restTensor.shape[1]
        try checks.gaussians(n, shDegree: degree, temporal: true)
        func read(_ field: Int, _ name: String, _ shape: [Int]) throws -> [Float] {
            let t = field == 1 ? xyzTensor : field == 3 ? restTensor : try tensor(field, name)
            guard t.shape == shape else { throw checks.fail("\(name) (field \(field)) has shape \(t.shape), expected \(shape)") }
            return try checkpoint.floats(t, name: name)
        }
        xyz = try read(1, "_xyz", [n, 3])
        featuresDC = try read(2, "_features_dc", [n, 1, 3])
        featuresRest = try read(3, "_features_rest", [n, restCoefficients, 3])
        scaling = try read(4, "_scaling", [n, 3])
        rotation = try read(5, "_rotation", [n, 4])
        opacity = try read(6, "_opacity", [n, 1])
        t = try read(13, "_t", [n, 1])
        scalingT = try read(14, "_scaling_t", [n, 1])
        rotationR = try read(15, "_rotation_r", [n, 4])
    }

    /// The scene the 4D PLY of the same parameters decodes to: spatial SH only, or with the
    /// time-varying colour of `active_sh_degree_t` when the training config's `timeDuration` is
    /// given (as `tools/convert_4dgs_checkpoint.py --time-duration` writes it).
    public func scene(convention: Gaussian4D.RotationConvention = .flipped,
                      timeDuration: ClosedRange<Float>? = nil) throws -> TemporalCloud {
        let degreeT = timeDuration != nil && shDegree == 3 ? shDegreeT : 0
        // Coefficients per channel: the spatial k, then k per time term (the trainer's layout).
        let k = SplatCloud.coefficientCount(degree: shDegree) * (degreeT + 1)
        let names = Gaussian4DPLY.names(shDegree: shDegree, degreeT: degreeT)
        var settings = Gaussian4DPLY.HeaderSettings()
        settings.convention = convention
        if let timeDuration, shDegree == 3 {
            settings.shDegreeT = degreeT
            settings.timeDuration = timeDuration
        }
        let checks = OpeningChecks(path: path)
        let r = restCoefficients
        return try Gaussian4DPLY.scene(count: count, shDegree: shDegree, settings: settings) { body in
            var row = [Float](repeating: 0, count: names.count)
            for i in 0..<count {
                row.removeAll(keepingCapacity: true)
                row += xyz[(i * 3)..<(i * 3 + 3)]
                row.append(t[i])
                row += featuresDC[(i * 3)..<(i * 3 + 3)]
                for c in 0..<3 { for coefficient in 0..<(k - 1) { row.append(featuresRest[(i * r + coefficient) * 3 + c]) } }
                row.append(opacity[i])
                row += scaling[(i * 3)..<(i * 3 + 3)]
                row.append(scalingT[i])
                row += rotation[(i * 4)..<(i * 4 + 4)]
                row += rotationR[(i * 4)..<(i * 4 + 4)]
                try row.withUnsafeBufferPointer { v in
                    try checks.finite(v, names: names, field: "parameter", of: "Gaussian \(i)")
                    try body(v)
                }
            }
        }
    }
}

extension SceneFormatID {
    public static let gaussian4DCheckpoint = SceneFormatID(rawValue: "4dgs-checkpoint")
}
