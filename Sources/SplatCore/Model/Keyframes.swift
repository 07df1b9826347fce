import Foundation

/// A keyframed performance: the whole cloud at each of K increasing times (Dynamic 3D Gaussians'
/// per-timestep parameters; a folder of per-frame 3DGS PLYs). Between two keyframes with the same
/// Gaussians (same count and SH degree) the state is interpolated — positions, SH and opacity
/// linearly, scales linearly in log space, rotations by slerp; otherwise it steps (the earlier
/// keyframe holds until the next). Before the first and after the last keyframe they hold.
public struct Keyframes: Sendable, Equatable {
    public var times: [Float]
    /// Activated clouds (unit quaternions), one per time.
    public var frames: [SplatCloud]

    public init(times: [Float], frames: [SplatCloud]) {
        precondition(!times.isEmpty && times.count == frames.count, "one time per frame")
        precondition(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "keyframe times must increase")
        self.times = times
        self.frames = frames
    }

    /// Where t falls: the keyframes to blend and the weight of the second (0 = first only).
    public struct Bracket: Equatable, Sendable {
        public var first: Int
        public var second: Int
        public var weight: Float
    }

    public func bracket(at t: Float) -> Bracket {
        if !(t > times[0]) { return Bracket(first: 0, second: 0, weight: 0) }
        let last = times.count - 1
        if t >= times[last] { return Bracket(first: last, second: last, weight: 0) }
        // Binary search for the interval [times[i], times[i + 1]) holding t.
        var lo = 0, hi = last
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if times[mid] <= t { lo = mid } else { hi = mid }
        }
        guard interpolates(lo, hi) else { return Bracket(first: lo, second: lo, weight: 0) }
        return Bracket(first: lo, second: hi, weight: (t - times[lo]) / (times[hi] - times[lo]))
    }

    /// Whether keyframes a and b hold the same Gaussians (so they can be blended).
    public func interpolates(_ a: Int, _ b: Int) -> Bool {
        frames[a].count == frames[b].count && frames[a].shDegree == frames[b].shDegree
    }

    /// The cloud at time t.
    public func slice(at t: Float) -> SplatCloud {
        let b = bracket(at: t)
        if b.weight == 0 || b.first == b.second { return frames[b.first] }
        return Keyframes.blend(frames[b.first], frames[b.second], weight: b.weight)
    }

    /// The per-Gaussian blend of two keyframes with the same Gaussians. CPU twin of the GPU's
    /// keyframe interpolation in preprocess.
    public static func blend(_ a: SplatCloud, _ b: SplatCloud, weight w: Float) -> SplatCloud {
        let n = a.count
        var positions = [SIMD3<Float>](), scales = [SIMD3<Float>](), rotations = [SIMD4<Float>](), opacities = [Float]()
        positions.reserveCapacity(n)
        scales.reserveCapacity(n)
        rotations.reserveCapacity(n)
        opacities.reserveCapacity(n)
        for i in 0..<n {
            positions.append(mix(a.positions[i], b.positions[i], w))
            scales.append(exp(mix(log(a.scales[i]), log(b.scales[i]), w)))
            rotations.append(slerp(a.rotations[i], b.rotations[i], w))
            opacities.append(a.opacities[i] + (b.opacities[i] - a.opacities[i]) * w)
        }
        let sh = zip(a.sh, b.sh).map { $0 + ($1 - $0) * w }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                          shDegree: a.shDegree, sh: sh)
    }
}

@inline(__always) func mix(_ a: SIMD3<Float>, _ b: SIMD3<Float>, _ w: Float) -> SIMD3<Float> { a + (b - a) * w }

@inline(__always) func log(_ v: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(Foundation.log(max(v.x, .leastNormalMagnitude)), Foundation.log(max(v.y, .leastNormalMagnitude)),
          Foundation.log(max(v.z, .leastNormalMagnitude)))
}

@inline(__always) func exp(_ v: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(Foundation.exp(v.x), Foundation.exp(v.y), Foundation.exp(v.z))
}
