import Foundation

/// A source of wall-clock seconds (monotonic). Injected so tests drive playback by hand.
public protocol WallClock: AnyObject {
    var seconds: Double { get }
}

/// The monotonic system clock.
public final class SystemClock: WallClock {
    public init() {}
    public var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// How a scene's time maps to the wall clock.
public struct PlaybackTiming: Equatable, Sendable {
    /// The scene's time range (its own unit); nil for static scenes (time stays 0).
    public var range: ClosedRange<Double>?
    /// Scene time units per wall-clock second at speed 1.
    public var unitsPerSecond: Double
    /// Scene time of one frame step (← / →).
    public var frameStep: Double

    public init(range: ClosedRange<Double>?, unitsPerSecond: Double, frameStep: Double) {
        precondition(unitsPerSecond > 0 && frameStep > 0)
        self.range = range
        self.unitsPerSecond = unitsPerSecond
        self.frameStep = frameStep
    }

    /// Frames per second assumed when a scene names none.
    public static let defaultFrameRate = 30.0
    /// Wall-clock seconds a normalised 0…1 trainer segment (STG, splaTV) plays in at speed 1.
    public static let defaultSegmentDuration = 2.0

    /// The timing of a scene from its metadata:
    /// - "seconds": real time; a step is one frame (1 / frame rate, 30 frames/s when unknown).
    /// - "frames": `frameRate` frames per second (30 when unknown); a step is one frame.
    /// - "segment" (a trainer's 0…1 segment, no real duration in the file): the segment plays in
    ///   `segmentDuration` seconds; a step is 1/30 s of that.
    public static func forScene(timeRange: ClosedRange<Float>?, unit: String, frameRate: Double?,
                                segmentDuration: Double = defaultSegmentDuration) -> PlaybackTiming {
        let range = timeRange.map { Double($0.lowerBound)...Double($0.upperBound) }
        let rate = frameRate.flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? defaultFrameRate
        switch unit {
        case "frames":
            return PlaybackTiming(range: range, unitsPerSecond: rate, frameStep: 1)
        case "segment":
            let span = range.map { $0.upperBound - $0.lowerBound } ?? 1
            let unitsPerSecond = (span > 0 ? span : 1) / segmentDuration
            return PlaybackTiming(range: range, unitsPerSecond: unitsPerSecond, frameStep: unitsPerSecond / defaultFrameRate)
        default:
            return PlaybackTiming(range: range, unitsPerSecond: 1, frameStep: 1 / rate)
        }
    }
}

/// Scene time for the viewer: follows the wall clock, not the render rate. While playing,
/// time = anchor + (now − anchor wall time)·speed·unitsPerSecond, re-anchored at every change
/// (pause, speed, seek), so a 10-second performance plays in 10 seconds however often or rarely
/// it is sampled, and no rounding accumulates. Past the end it loops (or, with looping off, stops
/// at the end and pauses). No GLFW here: tests drive it with an injected clock.
public struct PlaybackClock {
    public let timing: PlaybackTiming
    private let wall: WallClock
    public private(set) var isPlaying: Bool
    public private(set) var speed: Double = 1
    public var loops = true
    private var anchorTime: Double
    private var anchorWall: Double

    public static let minimumSpeed = 1.0 / 16
    public static let maximumSpeed = 16.0

    /// Starts at `start` (clamped into the range; default the range's start), playing or paused.
    public init(timing: PlaybackTiming, start: Double? = nil, playing: Bool = true, wall: WallClock = SystemClock()) {
        self.timing = timing
        self.wall = wall
        isPlaying = playing && timing.range != nil
        anchorWall = wall.seconds
        anchorTime = 0
        anchorTime = clamped(start ?? timing.range?.lowerBound ?? 0)
    }

    /// The scene time now; a clock without looping that reaches the end pauses there.
    public mutating func tick() -> Double {
        let now = wall.seconds
        let t = time(at: now)
        if isPlaying, !loops, let range = timing.range, t >= range.upperBound {
            anchorTime = range.upperBound
            anchorWall = now
            isPlaying = false
        }
        return t
    }

    /// The scene time at this moment (no state change).
    public var currentTime: Double { time(at: wall.seconds) }

    /// The scene time at wall time `now` (no state change).
    public func time(at now: Double) -> Double {
        guard isPlaying, let range = timing.range else { return anchorTime }
        let raw = anchorTime + (now - anchorWall) * speed * timing.unitsPerSecond
        let span = range.upperBound - range.lowerBound
        guard raw > range.upperBound else { return raw }
        guard loops, span > 0 else { return range.upperBound }
        return range.lowerBound + (raw - range.lowerBound).truncatingRemainder(dividingBy: span)
    }

    /// Current time, re-anchored at `now`: every change goes through here.
    private mutating func reanchor() {
        let now = wall.seconds
        anchorTime = time(at: now)
        anchorWall = now
    }

    public mutating func play() {
        guard timing.range != nil else { return }
        reanchor()
        // Playing from the very end without looping would stop at once: start over.
        if !loops, let range = timing.range, anchorTime >= range.upperBound { anchorTime = range.lowerBound }
        isPlaying = true
    }

    public mutating func pause() {
        reanchor()
        isPlaying = false
    }

    public mutating func togglePlaying() { isPlaying ? pause() : play() }

    /// Sets the speed, clamped to 1/16…16.
    public mutating func setSpeed(_ newSpeed: Double) {
        reanchor()
        speed = min(max(newSpeed, PlaybackClock.minimumSpeed), PlaybackClock.maximumSpeed)
    }

    /// Doubles the speed (+).
    public mutating func faster() { setSpeed(speed * 2) }
    /// Halves the speed (−).
    public mutating func slower() { setSpeed(speed / 2) }

    /// Pauses and moves by `frames` frame steps (negative: back), clamped to the range.
    public mutating func step(frames: Int) {
        pause()
        anchorTime = clamped(anchorTime + Double(frames) * timing.frameStep)
    }

    /// Moves to `time` (clamped), keeping play/pause.
    public mutating func seek(to time: Double) {
        reanchor()
        anchorTime = clamped(time)
    }

    public mutating func jumpToStart() { seek(to: timing.range?.lowerBound ?? 0) }
    public mutating func jumpToEnd() { seek(to: timing.range?.upperBound ?? 0) }

    private func clamped(_ t: Double) -> Double {
        guard let range = timing.range else { return 0 }
        return min(max(t, range.lowerBound), range.upperBound)
    }
}
