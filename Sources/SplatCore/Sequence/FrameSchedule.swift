import Foundation

/// Which frames a sequence render writes and the scene time of each (issue: headless sequences).
///
/// A sequence has `total` frames with global indices 0..<total. Frame k's time:
///  - with a frame count N over [T0, T1]: T0 + (T1 − T0)·k/(N − 1) (both ends included; N = 1 → T0);
///  - with frames per second F: T0 + k/F, for every k with T0 + k/F ≤ T1.
/// `--frames A:B` keeps the global indices A..<B; a shard keeps a contiguous block of those.
public struct FrameSchedule: Equatable, Sendable {
    public var timeRange: ClosedRange<Float>
    public var total: Int
    /// Seconds (scene time units) between frames when set by frames per second.
    public var frameInterval: Float?
    /// The frames per second it was made with, if any (kept in Double for exact times).
    public var fps: Double?
    /// The global indices this run renders, in order.
    public var indices: [Int]

    public enum Spacing: Equatable, Sendable {
        case count(Int)
        case perSecond(Double)
    }

    public init(timeRange: ClosedRange<Float>, spacing: Spacing, frames: Range<Int>? = nil, shard: Shard? = nil) throws {
        self.timeRange = timeRange
        switch spacing {
        case .count(let n):
            guard n >= 1 else { throw ScheduleError("--frame-count must be at least 1") }
            total = n
            frameInterval = nil
            fps = nil
        case .perSecond(let fps):
            guard fps.isFinite, fps > 0 else { throw ScheduleError("--fps must be a positive number") }
            let span = Double(timeRange.upperBound - timeRange.lowerBound)
            total = Int((span * fps + 1e-6).rounded(.down)) + 1
            frameInterval = Float(1 / fps)
            self.fps = fps
        }
        var selected = 0..<total
        if let frames {
            guard frames.lowerBound >= 0, frames.upperBound <= total, !frames.isEmpty else {
                throw ScheduleError("--frames \(frames.lowerBound):\(frames.upperBound) is outside the sequence's 0:\(total)")
            }
            selected = frames
        }
        indices = Array(shard.map { $0.block(of: selected) } ?? selected)
    }

    /// Scene time of global frame k.
    /// Computed in Double and clamped, so float rounding never puts the last frame past T1.
    public func time(ofFrame k: Int) -> Float {
        let t0 = Double(timeRange.lowerBound), t1 = Double(timeRange.upperBound)
        let t: Double
        if let frameInterval {
            t = t0 + Double(k) * (fps.map { 1 / $0 } ?? Double(frameInterval))
        } else if total > 1 {
            t = k == total - 1 ? t1 : t0 + (t1 - t0) * Double(k) / Double(total - 1)
        } else {
            t = t0
        }
        return min(max(Float(t), timeRange.lowerBound), timeRange.upperBound)
    }

    /// Where frame k goes: "%05d"-style (d, optionally zero-padded width) or "{frame}" replaced by k.
    public static func expand(_ pattern: String, frame k: Int) -> String {
        if let range = pattern.range(of: "{frame}") { return pattern.replacingCharacters(in: range, with: String(k)) }
        guard let spec = printfSpec(in: pattern) else { return pattern }
        let digits = String(k)
        let padded = spec.width > digits.count
            ? String(repeating: spec.zeroPad ? "0" : " ", count: spec.width - digits.count) + digits : digits
        return pattern.replacingCharacters(in: spec.range, with: padded)
    }

    /// Whether an output path holds a frame placeholder.
    public static func hasPattern(_ pattern: String) -> Bool {
        pattern.contains("{frame}") || printfSpec(in: pattern) != nil
    }

    private static func printfSpec(in pattern: String) -> (range: Range<String.Index>, width: Int, zeroPad: Bool)? {
        guard let r = pattern.range(of: #"%0?[0-9]*d"#, options: .regularExpression) else { return nil }
        let body = pattern[r].dropFirst().dropLast()
        return (r, Int(body) ?? 0, body.hasPrefix("0"))
    }
}

/// A disjoint part of the frames for one node of a render farm: shard `index` (1…count).
public struct Shard: Equatable, Sendable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw ScheduleError("a shard must be I/N with 1 ≤ I ≤ N, got \(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// "I/N".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ScheduleError("--shard expects I/N (e.g. 3/8), got '\(text)'")
        }
        try self.init(index: i, count: n)
    }

    /// This shard's contiguous block of `frames`: blocks differ in size by at most one and cover
    /// every frame exactly once across the shards.
    public func block(of frames: Range<Int>) -> Range<Int> {
        let n = frames.count
        let start = frames.lowerBound + (index - 1) * n / count
        let end = frames.lowerBound + index * n / count
        return start..<end
    }

    /// The shard a render-farm scheduler assigns through the environment, if any:
    ///  - Slurm job arrays: SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN (default 0),
    ///    SLURM_ARRAY_TASK_STEP (default 1) and SLURM_ARRAY_TASK_COUNT → shard (ID − MIN)/STEP + 1 of COUNT;
    ///  - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX (0-based) with the count in
    ///    SPLAT4D_SHARD_COUNT (set it from the Job's `completions`).
    public static func fromEnvironment(_ env: [String: String]) throws -> Shard? {
        if let id = env["SLURM_ARRAY_TASK_ID"].flatMap({ Int($0) }), let count = env["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }) {
            let minimum = env["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
            let step = max(1, env["SLURM_ARRAY_TASK_STEP"].flatMap { Int($0) } ?? 1)
            guard (id - minimum) % step == 0 else {
                throw ScheduleError("SLURM_ARRAY_TASK_ID \(id) is not on the array's step \(step) from \(minimum)")
            }
            return try Shard(index: (id - minimum) / step + 1, count: count)
        }
        if let index = env["JOB_COMPLETION_INDEX"].flatMap({ Int($0) }) {
            guard let count = env["SPLAT4D_SHARD_COUNT"].flatMap({ Int($0) }) else {
                throw ScheduleError("JOB_COMPLETION_INDEX is set but SPLAT4D_SHARD_COUNT is not: set it to the Job's completions")
            }
            return try Shard(index: index + 1, count: count)
        }
        return nil
    }
}

/// A sequence request that cannot be satisfied, as a one-line message.
public struct ScheduleError: SplatError, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
    public var kind: ErrorKind { .badOption }
}
