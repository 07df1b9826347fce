import Foundation
import SplatCore

/// What the timeline bar shows: the scene's time range and unit, the current time, play state and
/// speed, and the camera keyframes' times.
public struct TimelineContent: Equatable, Sendable {
    public var range: ClosedRange<Double>
    /// The scene's time unit ("seconds", "frames", or anything else: no label).
    public var unit: String
    public var time: Double
    public var playing: Bool
    public var speed: Double
    public var loops: Bool
    public var keyframes: [Double]

    public init(range: ClosedRange<Double>, unit: String, time: Double, playing: Bool, speed: Double, loops: Bool = true,
                keyframes: [Double] = []) {
        self.range = range
        self.unit = unit
        self.time = time
        self.playing = playing
        self.speed = speed
        self.loops = loops
        self.keyframes = keyframes
    }
}

/// The one-line HUD: a small value so later states (streaming) add a field, not a parameter.
public struct HUDContent: Equatable, Sendable {
    /// Measured frames per second; nil before the first measurement (or while idle).
    public var framesPerSecond: Double?
    public var visibleGaussians: Int
    public var totalGaussians: Int
    /// True while frames wait for data to stream in (none streams yet: always false).
    public var buffering = false
    /// A short note for the user (e.g. why a dropped file did not open); nil: none.
    public var notice: String?

    public init(framesPerSecond: Double?, visibleGaussians: Int, totalGaussians: Int, buffering: Bool = false, notice: String? = nil) {
        self.framesPerSecond = framesPerSecond
        self.visibleGaussians = visibleGaussians
        self.totalGaussians = totalGaussians
        self.buffering = buffering
        self.notice = notice
    }

    public var text: String {
        var parts = [framesPerSecond.map { String(format: "%.1f fps", $0) } ?? "- fps",
                     "\(ViewerState.grouped(visibleGaussians)) / \(ViewerState.grouped(totalGaussians)) Gaussians visible"]
        if buffering { parts.append("buffering") }
        return parts.joined(separator: "  ")
    }
}

/// Where the overlay's parts lie in a window of a given size, and the primitives that draw them:
/// a timeline bar along the bottom (track, played part, keyframe ticks, playhead, time and state
/// text), the HUD line at the top left, and the controls panel when help is shown. Plain Swift;
/// the GPU draws the primitives (overlay.comp), the CPU twin is OverlayCompositor.
public struct OverlayLayout: Equatable, Sendable {
    public let width: Int, height: Int
    /// Font and spacing scale: 2 on windows 1600 px wide or more, else 1.
    public let scale: Int

    public static let barColor = OverlayColor(0, 0, 0, 160)
    public static let trackColor = OverlayColor(90, 90, 90)
    public static let playedColor = OverlayColor(170, 170, 170)
    public static let playheadColor = OverlayColor(255, 255, 255)
    public static let keyframeColor = OverlayColor(255, 190, 0)
    public static let textColor = OverlayColor(235, 235, 235)
    public static let noticeColor = OverlayColor(255, 120, 100)
    public static let panelColor = OverlayColor(0, 0, 0, 190)

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        scale = width >= 1600 ? 2 : 1
    }

    /// The bar along the bottom: x, y, width, height. Kept low: its cost is its area.
    public var bar: (x: Int, y: Int, width: Int, height: Int) { (0, height - 26 * scale, width, 26 * scale) }

    /// The track's first and last pixel column (the playhead's centre at the range's ends).
    public var trackStart: Int { 10 * scale }
    public var trackEnd: Int { max(trackStart, width - 1 - 10 * scale) }
    /// The track's centre row.
    public var trackCenterY: Int { bar.y + 18 * scale }

    /// The playhead's half height (it spans trackCenterY − this ..< trackCenterY + this).
    public var playheadHalfHeight: Int { 6 * scale }

    /// The pixel column of time `t` on the track (clamped to the range).
    public func playheadX(time t: Double, range: ClosedRange<Double>) -> Int {
        let span = range.upperBound - range.lowerBound
        let f = span > 0 ? min(max((t - range.lowerBound) / span, 0), 1) : 0
        return trackStart + Int((f * Double(trackEnd - trackStart)).rounded())
    }

    /// The time under pixel column `x` (clamped to the range): the inverse of `playheadX`.
    public func time(atX x: Double, range: ClosedRange<Double>) -> Double {
        let length = Double(trackEnd - trackStart)
        let f = length > 0 ? min(max((x - Double(trackStart)) / length, 0), 1) : 0
        return range.lowerBound + f * (range.upperBound - range.lowerBound)
    }

    /// Whether pixel (x, y) lies on the timeline bar (clicks and the wheel there scrub).
    public func isOnTimeline(x: Double, y: Double) -> Bool {
        let b = bar
        return x >= Double(b.x) && x < Double(b.x + b.width) && y >= Double(b.y) && y < Double(b.y + b.height)
    }

    /// "t 1.250 s  [0.000 - 3.000]"; short: "t 1.250 s".
    public static func timeText(_ timeline: TimelineContent, short: Bool = false) -> String {
        let unit = timeline.unit == "seconds" ? " s" : (timeline.unit == "frames" ? " frames" : "")
        let time = String(format: "t %.3f%@", timeline.time, unit)
        return short ? time : time + String(format: "  [%.3f - %.3f]", timeline.range.lowerBound, timeline.range.upperBound)
    }

    /// "paused 1/2x once  3 keyframes".
    public static func stateText(_ timeline: TimelineContent) -> String {
        var text = "\(timeline.playing ? "playing" : "paused") \(ViewerState.formatSpeed(timeline.speed))x\(timeline.loops ? "" : " once")"
        let n = timeline.keyframes.count
        if n > 0 { text += "  \(n) keyframe\(n == 1 ? "" : "s")" }
        return text
    }

    /// The controls panel's lines (ASCII, keys padded to one column).
    public static var helpLines: [String] {
        let rows = ViewerState.controls.map { (OverlayFont.ascii($0.0), OverlayFont.ascii($0.1)) }
        let width = rows.map(\.0.count).max() ?? 0
        return ["controls (H hides, O hides the overlay)"]
            + rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
    }

    /// Everything to draw, in drawing order. `timeline` nil (a static scene): no bar.
    public func primitives(timeline: TimelineContent?, hud: HUDContent, help: Bool) -> [OverlayPrimitive] {
        var out: [OverlayPrimitive] = []
        if let timeline { out += timelinePrimitives(timeline) }
        out += hudPrimitives(hud)
        if help { out += helpPrimitives() }
        return out
    }

    func timelinePrimitives(_ timeline: TimelineContent) -> [OverlayPrimitive] {
        let s = scale, b = bar
        var out: [OverlayPrimitive] = [.rectangle(x: b.x, y: b.y, width: b.width, height: b.height, color: OverlayLayout.barColor)]
        let textY = b.y + 3 * s
        let state = OverlayLayout.stateText(timeline)
        var time = OverlayLayout.timeText(timeline)
        // A narrow window: the range goes, so the time and the state do not overlap.
        if OverlayPrimitive.textWidth(time + state, scale: s) + 12 * s > trackEnd - trackStart {
            time = OverlayLayout.timeText(timeline, short: true)
        }
        out.append(.text(time, x: trackStart, y: textY, scale: s, color: OverlayLayout.textColor))
        out.append(.text(state, x: trackEnd + 1 - OverlayPrimitive.textWidth(state, scale: s), y: textY, scale: s,
                         color: OverlayLayout.textColor))
        let head = playheadX(time: timeline.time, range: timeline.range)
        let trackY = trackCenterY - 2 * s
        out.append(.rectangle(x: trackStart, y: trackY, width: trackEnd - trackStart + 1, height: 4 * s, color: OverlayLayout.trackColor))
        out.append(.rectangle(x: trackStart, y: trackY, width: head - trackStart + 1, height: 4 * s, color: OverlayLayout.playedColor))
        for key in timeline.keyframes {
            let x = playheadX(time: key, range: timeline.range)
            out.append(.rectangle(x: x - s, y: trackCenterY - 4 * s, width: 2 * s, height: 8 * s, color: OverlayLayout.keyframeColor))
        }
        out.append(.rectangle(x: head - s, y: trackCenterY - playheadHalfHeight, width: 3 * s, height: 2 * playheadHalfHeight,
                              color: OverlayLayout.playheadColor))
        return out
    }

    func hudPrimitives(_ hud: HUDContent) -> [OverlayPrimitive] {
        let s = scale, pad = 3 * s
        var lines: [(String, OverlayColor)] = [(hud.text, OverlayLayout.textColor)]
        if let notice = hud.notice { lines.append((OverlayFont.ascii(notice), OverlayLayout.noticeColor)) }
        let lineHeight = OverlayFont.cellHeight * s
        let widest = lines.map { OverlayPrimitive.textWidth($0.0, scale: s) }.max() ?? 0
        var out: [OverlayPrimitive] = [.rectangle(x: 0, y: 0, width: widest + 2 * pad, height: lines.count * lineHeight + 2 * pad,
                                                  color: OverlayLayout.barColor)]
        for (i, line) in lines.enumerated() {
            out.append(.text(line.0, x: pad, y: pad + i * lineHeight, scale: s, color: line.1))
        }
        return out
    }

    func helpPrimitives() -> [OverlayPrimitive] {
        let s = scale, pad = 6 * s, lineHeight = (OverlayFont.cellHeight + 2) * s
        let lines = OverlayLayout.helpLines
        let panelWidth = (lines.map { OverlayPrimitive.textWidth($0, scale: s) }.max() ?? 0) + 2 * pad
        let panelHeight = lines.count * lineHeight + 2 * pad
        let x = max(0, (width - panelWidth) / 2), y = max(0, (bar.y - panelHeight) / 2)
        var out: [OverlayPrimitive] = [.rectangle(x: x, y: y, width: panelWidth, height: panelHeight, color: OverlayLayout.panelColor)]
        for (i, line) in lines.enumerated() {
            out.append(.text(line, x: x + pad, y: y + pad + i * lineHeight, scale: s, color: OverlayLayout.textColor))
        }
        return out
    }
}
