import SplatCore

/// How many frames a sequence has and which scene times they span, as requested: each part
/// optional, with defaults from the scene. `schedule(for:)` turns it into a `FrameSchedule`.
public struct FrameSpacing: Equatable, Sendable {
    public var frameCount: Int?
    public var fps: Double?
    /// Only these global frames.
    public var frames: Range<Int>?
    /// The scene times the frames span; nil: the scene's own.
    public var timeRange: ClosedRange<Float>?

    public init(frameCount: Int? = nil, fps: Double? = nil, frames: Range<Int>? = nil, timeRange: ClosedRange<Float>? = nil) {
        self.frameCount = frameCount
        self.fps = fps
        self.frames = frames
        self.timeRange = timeRange
    }

    /// Whether any part asks for a sequence rather than one frame.
    public var isSequence: Bool { frameCount != nil || fps != nil || frames != nil }

    /// The frames for `scene`. The time range is `timeRange`, else `defaultRange`, else the scene's
    /// own (a static scene: one instant); it must lie in the scene's range. The spacing is the frame
    /// count, the fps or the frame range's end, else `defaultSpacing`.
    public func schedule(for scene: TemporalCloud, sceneName: String, defaultRange: ClosedRange<Float>? = nil,
                         defaultSpacing: FrameSchedule.Spacing? = nil) throws -> FrameSchedule {
        let sceneRange = SceneTime.range(of: scene)
        let range = timeRange ?? defaultRange ?? sceneRange ?? 0...0
        if let sceneRange, !(sceneRange.contains(range.lowerBound) && sceneRange.contains(range.upperBound)) {
            throw RequestError(.timeRange, "\(range.lowerBound):\(range.upperBound) leaves the scene's time range "
                               + "\(sceneRange.lowerBound)...\(sceneRange.upperBound) (\(scene.metadata.timeUnit))",
                               lead: "\(sceneName): ")
        }
        guard let spacing = frameCount.map(FrameSchedule.Spacing.count) ?? fps.map(FrameSchedule.Spacing.perSecond)
                ?? frames.map({ .count($0.upperBound) }) ?? defaultSpacing else {
            throw RequestError(.spacing, "to say how many frames the sequence has", lead: "give ")
        }
        return try FrameSchedule(timeRange: range, spacing: spacing, frames: frames)
    }
}
