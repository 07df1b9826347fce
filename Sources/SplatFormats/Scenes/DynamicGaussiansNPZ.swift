import Foundation
import SplatCore

/// Dynamic 3D Gaussians `params.npz` (JonathonLuiten/Dynamic3DGaussians): a ZIP of .npy arrays,
/// read in memory (never extracted to disk).
///   means3D (T,N,3), unnorm_rotations (T,N,4; w,x,y,z, normalised here), rgb_colors (T,N,3; plain
///   RGB, not SH), log_scales (N,1 isotropic or N,3), logit_opacities (N,1). Other members ignored.
/// Timestep k is at time k (frames), or k / frameRate seconds. Consecutive timesteps interpolate
/// (Keyframes): the trainer renders integer timesteps only, so in-between times are ours.
public struct DynamicGaussiansNPZ: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .dynamicGaussiansNPZ }

    /// Any ZIP: an archive without the arrays gets this reader's error naming them.
    public func detects(_ source: SceneSource) -> Bool { source.data.map(ZipArchive.hasZipMagic) ?? false }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let scene = try Self.scene(data: source.bytes(), path: source.path, frameRate: options.frameRate)
        return LoadedScene(format: id, formatDetail: "\(scene.keyframes!.frames.count) timesteps", scene: scene)
    }

    public func encode(_ scene: TemporalCloud) throws -> Data {
        guard let frames = scene.keyframes?.frames, scene.shDegree == 0,
              frames.allSatisfy({ $0.count == frames[0].count }) else {
            throw SceneEncodingError(format: id, problem: "holds keyframes of the same Gaussians with SH degree 0 only")
        }
        return Self.write(frames)
    }

    public func fuzzSeeds() -> [FuzzSeed] { [FuzzSeed("tiny.npz", Self.write(SeedScenes.frames()))] }

    static let required = ["means3D", "unnorm_rotations", "rgb_colors", "log_scales", "logit_opacities"]

    public static func matches(_ data: Data) -> Bool {
        guard ZipArchive.hasZipMagic(data), let zip = try? ZipArchive(data: data, path: "") else { return false }
        return zip.entry(named: "means3D.npy") != nil
    }

    /// Decompressed members may not exceed this many times the file's size (deflate's best ratio
    /// is about 1000:1; float arrays compress far less) nor 4 GiB: a lying header cannot make us
    /// allocate more.
    static func memberLimit(fileSize: Int) -> Int { min(4 << 30, max(64 << 20, fileSize * 64)) }

    public static func scene(data: Data, path: String, frameRate: Double?) throws -> TemporalCloud {
        let zip = try ZipArchive(data: data, path: path)
        let limit = memberLimit(fileSize: data.count)
        func array(_ name: String) throws -> NPYArray {
            guard zip.entry(named: "\(name).npy") != nil else {
                throw SceneFileError(path: path, problem: "npz has no '\(name)' array (Dynamic 3D Gaussians params need \(required.joined(separator: ", ")))")
            }
            return try NPYArray.parse(try zip.read("\(name).npy", limit: limit), name: "\(name).npy", path: path)
        }
        let means = try array("means3D"), rotations = try array("unnorm_rotations"), colours = try array("rgb_colors")
        let logScales = try array("log_scales"), logitOpacities = try array("logit_opacities")
        let checks = OpeningChecks(path: path)
        let fail = checks.fail
        let (t, n) = try checkShapes(means: means.shape, rotations: rotations.shape, colours: colours.shape,
                                     logScales: logScales.shape, logitOpacities: logitOpacities.shape,
                                     framesInMemory: { $0 }, checks: checks)
        for (name, a) in [("means3D", means), ("unnorm_rotations", rotations), ("rgb_colors", colours),
                          ("log_scales", logScales), ("logit_opacities", logitOpacities)] {
            if let bad = OpeningChecks.firstNonFinite(a.values) {
                throw fail("non-finite value in '\(name)' at element \(bad)")
            }
        }
        let (scales, opacities) = shared(logScales: logScales, logitOpacities: logitOpacities, count: n)
        var frames: [SplatCloud] = []
        frames.reserveCapacity(t)
        for k in 0..<t {
            frames.append(means.values.withUnsafeBufferPointer { m in
                rotations.values.withUnsafeBufferPointer { r in
                    colours.values.withUnsafeBufferPointer { c in
                        timestep(means: UnsafeBufferPointer(rebasing: m[(k * n * 3)..<((k + 1) * n * 3)]),
                                 rotations: UnsafeBufferPointer(rebasing: r[(k * n * 4)..<((k + 1) * n * 4)]),
                                 colours: UnsafeBufferPointer(rebasing: c[(k * n * 3)..<((k + 1) * n * 3)]),
                                 scales: scales, opacities: opacities)
                    }
                }
            })
        }
        let times = times(t, frameRate: frameRate)
        return TemporalCloud(keyframes: Keyframes(times: times, frames: frames), metadata: metadata(times, frameRate: frameRate))
    }

    /// The arrays' shapes checked against each other, and the Gaussians that must fit in memory
    /// (`framesInMemory(T)` frames of N) against the budget: (T, N). Errors are the reader's words.
    static func checkShapes(means: [Int], rotations: [Int], colours: [Int], logScales: [Int], logitOpacities: [Int],
                            framesInMemory: (Int) -> Int, checks: OpeningChecks) throws -> (timesteps: Int, count: Int) {
        let fail = checks.fail
        guard means.count == 3, means[2] == 3 else { throw fail("means3D must have shape (T, N, 3), got \(means)") }
        let (t, n) = (means[0], means[1])
        try checks.gaussians(n, frames: framesInMemory(t), shDegree: 0, temporal: false)
        guard rotations == [t, n, 4] else { throw fail("unnorm_rotations must have shape (\(t), \(n), 4), got \(rotations)") }
        guard colours == [t, n, 3] else { throw fail("rgb_colors must have shape (\(t), \(n), 3), got \(colours)") }
        guard logScales == [n, 1] || logScales == [n, 3] else {
            throw fail("log_scales must have shape (\(n), 1) or (\(n), 3), got \(logScales)")
        }
        guard logitOpacities == [n, 1] || logitOpacities == [n] else {
            throw fail("logit_opacities must have shape (\(n), 1), got \(logitOpacities)")
        }
        return (t, n)
    }

    /// Timestep k is at time k (frames), or k / frameRate seconds.
    static func times(_ t: Int, frameRate: Double?) -> [Float] {
        let step = frameRate.map { 1 / $0 } ?? 1
        return (0..<t).map { Float(Double($0) * step) }
    }

    static func metadata(_ times: [Float], frameRate: Double?) -> SceneMetadata {
        SceneMetadata(timeRange: times.first!...times.last!, timeUnit: frameRate == nil ? "frames" : "seconds", frameRate: frameRate)
    }

    /// The attributes every timestep shares: scales (isotropic when log_scales is (N, 1)) and opacities.
    static func shared(logScales: NPYArray, logitOpacities: NPYArray, count n: Int) -> (scales: [SIMD3<Float>], opacities: [Float]) {
        let isotropic = logScales.shape[1] == 1
        let scales = (0..<n).map { i -> SIMD3<Float> in
            isotropic ? SIMD3(repeating: exp(logScales.values[i]))
                : SIMD3(exp(logScales.values[i * 3]), exp(logScales.values[i * 3 + 1]), exp(logScales.values[i * 3 + 2]))
        }
        return (scales, logitOpacities.values.map(sigmoid))
    }

    /// One timestep's cloud from its rows of means3D (N×3), unnorm_rotations (N×4) and rgb_colors (N×3).
    static func timestep(means: UnsafeBufferPointer<Float>, rotations: UnsafeBufferPointer<Float>, colours: UnsafeBufferPointer<Float>,
                         scales: [SIMD3<Float>], opacities: [Float]) -> SplatCloud {
        let n = scales.count
        var positions = [SIMD3<Float>](), quaternions = [SIMD4<Float>](), sh = [Float]()
        positions.reserveCapacity(n)
        quaternions.reserveCapacity(n)
        sh.reserveCapacity(3 * n)
        for i in 0..<n {
            let p = i * 3, q = i * 4
            positions.append(SIMD3(means[p], means[p + 1], means[p + 2]))
            quaternions.append(normalizedQuaternion(SIMD4(rotations[q], rotations[q + 1], rotations[q + 2], rotations[q + 3])))
            for c in 0..<3 { sh.append((colours[p + c] - 0.5) / SphericalHarmonics.c0) }
        }
        return SplatCloud(positions: positions, scales: scales, rotations: quaternions, opacities: opacities, shDegree: 0, sh: sh)
    }

    /// Writes keyframes with the same Gaussians (SH degree 0, shared scales and opacities: the
    /// first frame's) as a params.npz with stored (uncompressed) members.
    public static func write(_ frames: [SplatCloud]) -> Data {
        let n = frames[0].count, t = frames.count
        var means = [Float](), rotations = [Float](), colours = [Float]()
        for f in frames {
            for i in 0..<n {
                let p = f.positions[i], q = f.rotations[i]
                means += [p.x, p.y, p.z]
                rotations += [q.x, q.y, q.z, q.w]
                for c in 0..<3 { colours.append(SphericalHarmonics.c0 * f.sh[i * 3 + c] + 0.5) }
            }
        }
        let first = frames[0]
        let logScales = first.scales.flatMap { [log($0.x), log($0.y), log($0.z)] }
        let logits = first.opacities.map(opacityLogit)
        return ZipWriter.stored([
            ("means3D.npy", NPYWriter.float32(means, shape: [t, n, 3])),
            ("unnorm_rotations.npy", NPYWriter.float32(rotations, shape: [t, n, 4])),
            ("rgb_colors.npy", NPYWriter.float32(colours, shape: [t, n, 3])),
            ("log_scales.npy", NPYWriter.float32(logScales, shape: [n, 3])),
            ("logit_opacities.npy", NPYWriter.float32(logits, shape: [n, 1])),
        ])
    }
}

extension SceneFormatID {
    public static let dynamicGaussiansNPZ = SceneFormatID(rawValue: "dynamic3dgs-npz")
}
