import Foundation

/// A keyframed performance read from disk as it plays: the keyframe times are known up front, the
/// frames come through a `FrameCache`. A render at time t takes a window of at most two frames —
/// the keyframes around t — as a small keyframed `TemporalCloud` whose bracket at t is the whole
/// sequence's bracket at t (same times, same frames), so interpolation is exactly that of the
/// eagerly loaded `Keyframes`.
public final class FrameStream: @unchecked Sendable {
    public let times: [Float]
    public let metadata: SceneMetadata
    public let cache: FrameCache
    /// Frame 0, decoded when the sequence was opened (bounds, framing, counts for reports).
    public let first: SplatCloud
    private let lock = NSLock()
    private var lastFirst = 0

    public init(times: [Float], metadata: SceneMetadata, first: SplatCloud, cache: FrameCache) {
        precondition(!times.isEmpty && times.count == cache.frameCount, "one time per frame")
        self.times = times
        self.metadata = metadata
        self.first = first
        self.cache = cache
    }

    public var frameCount: Int { times.count }

    /// The scene as far as it is known without reading every frame: frame 0 under the whole
    /// sequence's time range (for planning, framing and reports; renders go through `window`).
    public var placeholder: TemporalCloud {
        TemporalCloud(keyframes: Keyframes(times: [times[0]], frames: [first]), metadata: metadata)
    }

    /// The frame indices a render at t reads: k alone at or outside the ends and exactly on a
    /// keyframe, else k and k + 1 (whether they blend depends on their counts, as in `Keyframes`).
    public func indices(at t: Float) -> [Int] {
        if !(t > times[0]) { return [0] }
        let last = times.count - 1
        if t >= times[last] { return [last] }
        var lo = 0, hi = last
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if times[mid] <= t { lo = mid } else { hi = mid }
        }
        return times[lo] == t ? [lo] : [lo, hi]
    }

    /// Whether a render at t could start now without waiting for the disk.
    public enum Readiness {
        case ready
        /// Not decoded yet: the cache's playhead moved there, so prefetching decodes it next.
        case buffering
        /// The frame failed to decode (a damaged file): it will not become ready.
        case failed(index: Int, error: Error)
    }

    /// Never waits: the viewer asks this before drawing, and draws the last ready time meanwhile.
    public func readiness(at t: Float) -> Readiness {
        let indices = indices(at: t)
        for k in indices {
            if let error = cache.failure(k) { return .failed(index: k, error: error) }
        }
        if indices.allSatisfy({ cache.ready($0) != nil }) { return .ready }
        let direction: Int = lock.withLock { indices[0] >= lastFirst ? 1 : -1 }
        cache.seek(indices[0], direction: direction)
        return .buffering
    }

    /// The keyframes around t as a scene, with the indices that name it (a renderer re-prepares
    /// only when they change). The playhead moves to t, in the direction from the last window.
    public func window(at t: Float) throws -> (indices: [Int], scene: TemporalCloud) {
        let indices = indices(at: t)
        let direction: Int = lock.withLock {
            defer { lastFirst = indices[0] }
            return indices[0] >= lastFirst ? 1 : -1
        }
        let clouds = try cache.frames(indices, direction: direction)
        let keyframes = Keyframes(times: indices.map { times[$0] }, frames: clouds)
        return (indices, TemporalCloud(keyframes: keyframes, metadata: metadata))
    }
}
