import SplatCore

/// Scene time rules shared by everything that renders a scene at a requested time.
public enum SceneTime {
    /// Checks a requested time against the scene's time range; static scenes ignore it (0).
    /// No request means the start of the range. `sceneName` prefixes the message of a time outside it.
    public static func resolve(_ requested: Float?, for scene: TemporalCloud, sceneName: String) throws -> Float {
        guard let range = scene.metadata.timeRange, !scene.isStatic else { return 0 }
        guard let t = requested else { return range.lowerBound }
        guard t.isFinite else { throw RequestError(.time, "must be a finite number") }
        guard range.contains(t) else {
            throw RequestError(.time, "\(t) is outside the scene's time range \(range.lowerBound)...\(range.upperBound) (\(scene.metadata.timeUnit))",
                               lead: "\(sceneName): ")
        }
        return t
    }

    /// The range a sequence may span: the scene's own, nil for a static scene (any instant).
    public static func range(of scene: TemporalCloud) -> ClosedRange<Float>? {
        scene.isStatic ? nil : scene.metadata.timeRange
    }
}
