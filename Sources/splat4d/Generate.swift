import ArgumentParser
import Foundation
import SplatCore
import SplatFormats
import SplatRender

/// Writes the reproducible synthetic scenes: the bundled demo and the benchmark balls.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a reproducible synthetic scene as a 3DGS PLY.",
        discussion: """
        synthetic: the small SH-degree-3 demo scene of Scenes/.
        dancer-stg: a dancing stick figure as a Spacetime Gaussians lite PLY (time 0...1).
        dancer-4d: the dancer as native 4D Gaussians in Splat4D's 4D PLY (time 0...2 s).
        ball4d: the ball as a Spacetime Gaussians PLY with about 10% of the Gaussians active at any t.
        fuzz-seeds: tiny valid files of every format, one folder per fuzzer (--output names the folder).
        ball4d-slice: the 3DGS PLY of ball4d's Gaussians active at t = 0.5 (the static comparison).
        dancer-splatv: the dancer as a splaTV .splatv file carrying two cameras.
        dancer-npz: the dancer's keyframes as a Dynamic 3D Gaussians params.npz.
        dancer-frames: the dancer as a folder of per-frame 3DGS PLYs (--output names the folder).
        sequence: --frames per-frame 3DGS PLYs of --count SH-degree-3 Gaussians (the ball turning, each Gaussian \
        bobbing): the streaming benchmark's long performance (--output names the folder; 500k Gaussians \
        take 124 MB a frame).
        ball: N Gaussians uniform in a ball of radius 2 at the origin (the benchmark scenes of \
        BENCHMARKS.md); view it with --look-at 0,0,-D:0,0,0 --fov-y 45 --width 1280 --height 720.
        resampled: --count Gaussians resampled from the capture --from (each a copy of a random one of its \
        Gaussians, moved within it and shrunk to keep the total volume): a larger scene with a real \
        capture's opacity, scale and colour statistics.
        """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case synthetic, ball, resampled
        case dancerSTG = "dancer-stg"
        case dancer4D = "dancer-4d"
        case dancerFrames = "dancer-frames"
        case dancerSplatV = "dancer-splatv"
        case dancerNPZ = "dancer-npz"
        case ball4D = "ball4d"
        case ball4DSlice = "ball4d-slice"
        case fuzzSeeds = "fuzz-seeds"
        case sequence
    }

    @Argument(help: "What to generate (the kinds listed above).")
    var kind: Kind

    @Option(name: .shortAndLong, help: "The PLY file to write.")
    var output: String

    @Option(help: "Number of Gaussians (ball, ball4d, ball4d-slice, sequence, resampled).")
    var count: Int = 100_000

    @Option(help: "The capture to resample (resampled).")
    var from: String?

    @Option(help: "Number of frames (sequence).")
    var frames: Int = 300

    @Option(help: "Seed of the pseudo-random generator (default: the one the bundled scene used).")
    var seed: UInt64?

    /// OUTPUT/READER/NAME for every seed of every fuzzed reader.
    private func writeFuzzSeeds() throws {
        do {
            for reader in FuzzedReaders.all {
                let folder = (output as NSString).appendingPathComponent(reader.name)
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for seed in try reader.fuzzSeeds() {
                    try seed.data.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(seed.fileName)), options: .atomic)
                }
            }
        } catch {
            throw UserError("\(output): cannot write the seeds (\(error))")
        }
    }

    /// A folder of frame_NNN.ply files.
    private func writeFrames() throws {
        let frames = PerformanceGenerator.dancerFrames(seed: seed ?? 5)
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for (i, frame) in frames.enumerated() {
                let file = (output as NSString).appendingPathComponent(String(format: "frame_%03d.ply", i))
                try PLYWriter.gaussianPLY(frame).write(to: URL(fileURLWithPath: file), options: .atomic)
            }
        } catch {
            throw UserError("\(output): cannot write the frames (\(error.localizedDescription))")
        }
    }

    /// A folder of frame_NNNNN.ply files of the moving ball.
    private func writeSequence() throws {
        let generator = SequenceGenerator(count: count, frames: frames, seed: seed ?? 1)
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            try PLYWriter.gaussianPLYFrames(generator.base, frames: frames, positions: generator.positions(frame:)) { k, data in
                let file = (output as NSString).appendingPathComponent(String(format: "frame_%05d.ply", k))
                try data.write(to: URL(fileURLWithPath: file), options: .atomic)
            }
        } catch {
            throw UserError("\(output): cannot write the frames (\(error.localizedDescription))")
        }
    }

    func validate() throws {
        guard (1...50_000_000).contains(count) else { throw ValidationError("--count must lie in 1...50000000") }
        guard (1...1_000_000).contains(frames) else { throw ValidationError("--frames must lie in 1...1000000") }
    }

    func run() throws {
        if kind == .dancerFrames { return try writeFrames() }
        if kind == .sequence { return try writeSequence() }
        if kind == .fuzzSeeds { return try writeFuzzSeeds() }
        try OutputPath.checkWritable(output)
        let data: Data
        switch kind {
        case .synthetic: data = PLYWriter.gaussianPLY(SceneGenerator.synthetic(seed: seed ?? 1))
        case .ball: data = PLYWriter.gaussianPLY(SceneGenerator.benchmarkBall(count: count, seed: seed ?? 1, shDegree: 3))
        case .resampled:
            guard let from else { throw ValidationError("resampled needs --from, the capture to resample") }
            let source = try SceneLoader.load(path: from).scene.gaussians
            guard source.count > 0 else { throw UserError("\(from): no Gaussians to resample") }
            data = PLYWriter.gaussianPLY(Resampler.resample(source, count: count, seed: seed ?? 1))
        case .dancerSTG: data = SpacetimePLY.write(PerformanceGenerator.dancer(seed: seed ?? 7))
        case .dancerFrames, .fuzzSeeds, .sequence:
            return
        case .dancerSplatV:
            let cameras = [Camera.lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0], fovY: 50, width: 480, height: 480)!,
                           Camera.lookAt(eye: [2.2, -0.5, -2.2], target: .zero, up: [0, -1, 0], fovY: 50, width: 480, height: 480)!]
            do {
                data = try SplatV.encode(PerformanceGenerator.dancer(seed: seed ?? 7), cameras: cameras)
            } catch {
                throw UserError("cannot encode the dancer as .splatv: \(error)")
            }
        case .dancerNPZ: data = DynamicGaussiansNPZ.write(PerformanceGenerator.dancerFrames(seed: seed ?? 5))
        case .ball4D: data = SpacetimePLY.write(PerformanceGenerator.benchmarkBall4D(count: count, seed: seed ?? 1))
        case .ball4DSlice:
            data = PLYWriter.gaussianPLY(PerformanceGenerator.benchmarkBall4D(count: count, seed: seed ?? 1).slice(at: 0.5))
        case .dancer4D:
            let d = PerformanceGenerator.dancer4D(seed: seed ?? 11)
            data = Gaussian4DPLY.write(d.gaussians, opacities: d.opacities, shDegree: 1, sh: d.sh, timeRange: d.timeRange,
                                       frameRate: 30)
        }
        do {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw UserError("\(output): cannot write the file (\(error.localizedDescription))")
        }
    }
}
