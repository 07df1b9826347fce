import ArgumentParser
import Foundation
import SplatCore

/// Writes the reproducible synthetic scenes: the bundled demo and the benchmark balls.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a reproducible synthetic scene as a 3DGS PLY.",
        discussion: """
        synthetic: the small SH-degree-3 demo scene of Scenes/.
        ball: N Gaussians uniform in a ball of radius 2 at the origin (the benchmark scenes of \
        BENCHMARKS.md); view it with --look-at 0,0,-D:0,0,0 --fov-y 45 --width 1280 --height 720.
        """)

    enum Kind: String, ExpressibleByArgument, CaseIterable { case synthetic, ball }

    @Argument(help: "What to generate: synthetic or ball.")
    var kind: Kind

    @Option(name: .shortAndLong, help: "The PLY file to write.")
    var output: String

    @Option(help: "Number of Gaussians (ball only).")
    var count: Int = 100_000

    @Option(help: "Seed of the pseudo-random generator.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...50_000_000).contains(count) else { throw ValidationError("--count must lie in 1...50000000") }
    }

    func run() throws {
        try OutputPath.checkWritable(output)
        let cloud: SplatCloud
        switch kind {
        case .synthetic: cloud = SceneGenerator.synthetic(seed: seed)
        case .ball: cloud = SceneGenerator.benchmarkBall(count: count, seed: seed, shDegree: 3)
        }
        let data = PLYWriter.gaussianPLY(cloud)
        do {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw UserError("\(output): cannot write the file (\(error.localizedDescription))")
        }
    }
}
