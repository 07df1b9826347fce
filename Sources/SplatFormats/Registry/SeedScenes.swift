import Foundation
import SplatCore

/// The tiny scenes behind the formats' fuzz seeds: a few Gaussians each, so that mutations of the
/// encoded files reach every field.
enum SeedScenes {
    /// Three static Gaussians with SH degree 1.
    static func staticCloud() -> SplatCloud {
        SceneGenerator.benchmarkBall(count: 3, seed: 2, shDegree: 1)
    }

    /// Three Gaussians of the dancer with polynomial motion, SH degree 0.
    static func polynomialMotion() -> TemporalCloud {
        let dancer = PerformanceGenerator.dancer(seed: 3, keyTimes: 1, gaussiansPerLimb: 1)
        return TemporalCloud(positions: Array(dancer.positions.suffix(3)), scales: Array(dancer.scales.suffix(3)),
                             rotations: Array(dancer.rotations.suffix(3)), opacities: Array(dancer.opacities.suffix(3)),
                             shDegree: 0, sh: Array(dancer.sh.suffix(9)),
                             motion: dancer.motion.map { m in
                                 .init(timeCenters: Array(m.timeCenters.suffix(3)), velocities: Array(m.velocities.suffix(3)),
                                       accelerations: Array(m.accelerations.suffix(3)), jerks: Array(m.jerks.suffix(3)),
                                       angularVelocities: Array(m.angularVelocities.suffix(3)), timeScales: Array(m.timeScales.suffix(3)))
                             },
                             metadata: dancer.metadata)
    }

    /// Two native 4D Gaussians with SH degree 1.
    static func native4D() -> (gaussians: [Gaussian4D], opacities: [Float], sh: [Float]) {
        let raw = PerformanceGenerator.dancer4D(seed: 3, keyTimes: 1, gaussiansPerLimb: 1)
        let k = 3 * 4
        return (Array(raw.gaussians.suffix(2)), Array(raw.opacities.suffix(2)), Array(raw.sh.suffix(2 * k)))
    }

    /// Two keyframes of the same two Gaussians, SH degree 0.
    static func frames() -> [SplatCloud] {
        PerformanceGenerator.dancerFrames(seed: 3, frameCount: 2, gaussiansPerLimb: 1).map { frame in
            SplatCloud(positions: Array(frame.positions.suffix(2)), scales: Array(frame.scales.suffix(2)),
                       rotations: Array(frame.rotations.suffix(2)), opacities: Array(frame.opacities.suffix(2)),
                       shDegree: 0, sh: Array(frame.sh.suffix(6)))
        }
    }
}
