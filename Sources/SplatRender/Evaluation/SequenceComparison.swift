import Foundation
import SplatCore
import SplatPNG

/// A rendered frame sequence against its ground-truth frames: per-frame PSNR and SSIM (colour
/// channels) and the temporal stability of the whole (flicker beyond the truth's own change, and
/// per-pixel temporal variance).
public struct SequenceComparison: Sendable {
    /// The frame numbers both sequences have, in order.
    public let frames: [Int]
    public let psnr: [Double]
    public let ssim: [Double]
    public let stability: TemporalStability

    public var meanPSNR: Double { psnr.reduce(0, +) / Double(psnr.count) }
    public var meanSSIM: Double { ssim.reduce(0, +) / Double(ssim.count) }

    /// Compares the frames of `renders` with those of `truths` (patterns with %05d or {frame}).
    public static func compare(renders: String, truths: String) throws -> SequenceComparison {
        let renderFrames = try frameFiles(renders), truthFrames = try frameFiles(truths)
        if let k = renderFrames.keys.sorted().first(where: { truthFrames[$0] == nil }) {
            throw SplatFailure(.badInput, "frame \(k): \(renderFrames[k]!) has no ground truth (\(FrameSchedule.expand(truths, frame: k)) is missing)")
        }
        let frames = renderFrames.keys.sorted()
        guard frames.count >= 2 else {
            throw SplatFailure(.badInput, "\(renders): a sequence comparison needs two or more frames, found \(frames.count)")
        }
        // Streamed: only the previous frames and per-sample sums stay in memory, however long.
        var stability = StreamingTemporalStability(), psnr: [Double] = [], ssim: [Double] = []
        for k in frames {
            let (a, b) = try ImageScores.comparableChannels(try PNGFile.read(path: renderFrames[k]!),
                                                            try PNGFile.read(path: truthFrames[k]!))
            guard ImageMetrics.sameShape(a, b), stability.accepts(render: a, truth: b) else {
                throw SplatFailure(.badInput, "frame \(k): \(renderFrames[k]!) is \(a.width)×\(a.height)×\(a.channels), "
                                   + "\(truthFrames[k]!) is \(b.width)×\(b.height)×\(b.channels) (every frame must have one shape)")
            }
            stability.add(render: a, truth: b)
            psnr.append(ImageMetrics.psnr(a, b))
            ssim.append(ImageMetrics.ssim(a, b))
        }
        return SequenceComparison(frames: frames, psnr: psnr, ssim: ssim, stability: stability.result!)
    }

    /// Frame number → path, for the files in the pattern's folder that match it.
    static func frameFiles(_ pattern: String) throws -> [Int: String] {
        let folder = (pattern as NSString).deletingLastPathComponent, name = (pattern as NSString).lastPathComponent
        let marker = "\u{1}"  // stands for the frame number while the rest is escaped
        let escaped = NSRegularExpression.escapedPattern(for: FrameSchedule.expand(name, frame: 0) == name
            ? name : name.replacingOccurrences(of: "{frame}", with: marker))
        var regex = escaped
        if let r = regex.range(of: marker) {
            regex.replaceSubrange(r, with: "([0-9]+)")
        } else if let r = regex.range(of: #"%0?[0-9]*d"#, options: .regularExpression) {
            regex.replaceSubrange(r, with: "([0-9]+)")
        }
        let matcher = try NSRegularExpression(pattern: "^" + regex + "$")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        var out: [Int: String] = [:]
        for file in names {
            let range = NSRange(file.startIndex..., in: file)
            guard let m = matcher.firstMatch(in: file, range: range), let r = Range(m.range(at: 1), in: file),
                  let k = Int(file[r]), FrameSchedule.expand(name, frame: k) == file else { continue }
            out[k] = folder.isEmpty ? file : (folder as NSString).appendingPathComponent(file)
        }
        if out.isEmpty { throw SplatFailure(.badInput, "\(pattern): no frames match") }
        return out
    }
}
