import Foundation
import SplatCore

/// Which frames a sequence render writes and the scene time of each (issue: headless sequences).
///
/// A sequence has `total` frames with global indices 0..<total. Frame k's time:
///  - with a frame count N over [T0, T1]: T0 + (T1 − T0)·k/(N − 1) (both ends included; N = 1 → T0);
///  - with frames per second F: T0 + k/F, for every k with T0 + k/F ≤ T1.
/// A frame range A..<B keeps the global indices A..<B; a shard keeps a contiguous block of those.
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
            guard n >= 1 else { throw RequestError(.frameCount, "must be at least 1") }
            total = n
            frameInterval = nil
            fps = nil
        case .perSecond(let fps):
            guard fps.isFinite, fps > 0 else { throw RequestError(.fps, "must be a positive number") }
            let span = Double(timeRange.upperBound - timeRange.lowerBound)
            total = Int((span * fps + 1e-6).rounded(.down)) + 1
            frameInterval = Float(1 / fps)
            self.fps = fps
        }
        var selected = 0..<total
        if let frames {
            guard frames.lowerBound >= 0, frames.upperBound <= total, !frames.isEmpty else {
                throw RequestError(.frames, "\(frames.lowerBound):\(frames.upperBound) is outside the sequence's 0:\(total)")
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
