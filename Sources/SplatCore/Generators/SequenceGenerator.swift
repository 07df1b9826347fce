import Foundation

/// A long performance for the streaming benchmarks: the benchmark ball in a distinct pose every
/// frame. The ball turns about its vertical axis (a quarter turn over the sequence) and each
/// Gaussian bobs vertically on its own phase; counts stay equal, so consecutive frames interpolate.
public struct SequenceGenerator: Sendable {
    public let base: SplatCloud
    public let frameCount: Int

    public init(count: Int, frames: Int, seed: UInt64 = 1, shDegree: Int = 3) {
        base = SceneGenerator.benchmarkBall(count: count, seed: seed, shDegree: shDegree)
        frameCount = max(frames, 1)
    }

    /// Every Gaussian's centre at frame k.
    public func positions(frame k: Int) -> [SIMD3<Float>] {
        let progress = Float(k) / Float(max(frameCount - 1, 1))
        let angle = progress * .pi / 2
        let (c, s) = (cos(angle), sin(angle))
        return base.positions.enumerated().map { i, p in
            // Phases spread over a cycle by a prime stride: neighbours in the file move differently.
            let phase = Float((i * 37) % 97) / 97 * 2 * .pi
            let bob = 0.05 * sin(2 * .pi * 4 * progress + phase)
            return SIMD3(c * p.x + s * p.z, p.y + bob, -s * p.x + c * p.z)
        }
    }

    /// The whole cloud at frame k.
    public func frame(_ k: Int) -> SplatCloud {
        var cloud = base
        cloud.positions = positions(frame: k)
        return cloud
    }
}
