import ArgumentParser
import Foundation
import SplatCore
import SplatRender
import SplatPNG

extension QualityMetric: ExpressibleByArgument {}

/// `--metric`'s values: one metric, or all of them.
enum MetricChoice: String, ExpressibleByArgument, CaseIterable {
    case psnr, ssim, flip, all

    var metrics: Set<QualityMetric> {
        switch self {
        case .psnr: return [.psnr]
        case .ssim: return [.ssim]
        case .flip: return [.flip]
        case .all: return Set(QualityMetric.allCases)
        }
    }
}

/// FLIP's pixels per degree from `--ppd` or `--viewing-distance`.
struct ViewingOptions: ParsableArguments {
    @Option(help: "FLIP's pixels per degree of visual angle (default: the reference's 67.02, a 0.7 m wide 4K display seen from 0.7 m).")
    var ppd: Float?

    @Option(help: "FLIP viewing distance in metres from the reference's display (0.7 m wide, 3840 pixels across); sets the pixels per degree.")
    var viewingDistance: Float?

    func validate() throws {
        if ppd != nil, viewingDistance != nil { throw ValidationError("give --ppd or --viewing-distance, not both") }
        if let p = ppd, !(p.isFinite && p > 0) { throw ValidationError("--ppd must be a positive number") }
        if let d = viewingDistance, !(d.isFinite && d > 0) { throw ValidationError("--viewing-distance must be a positive number of metres") }
    }

    var pixelsPerDegree: Float {
        if let ppd { return ppd }
        if let viewingDistance { return FLIP.pixelsPerDegree(distance: viewingDistance, displayWidthPixels: 3840, displayWidth: 0.7) }
        return FLIP.defaultPixelsPerDegree
    }
}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare a PNG image with its ground truth: PSNR and SSIM, and NVIDIA's FLIP on request.",
        discussion: "The second image is the ground truth (FLIP's reference). When it has an alpha channel, only pixels "
            + "with alpha > 0 count in every metric; FLIP filters the whole images and averages the counted pixels. "
            + "16-bit PNGs are compared at their full precision. Exits with 1 when the sizes differ, a colour image "
            + "meets a grey one, or a gate (--min-psnr, --max-flip) fails.")

    @Argument(help: "The image to score (a render).") var first: String
    @Argument(help: "The ground truth.") var second: String

    @Option(help: "psnr, ssim, flip or all; repeatable (default: psnr and ssim).")
    var metric: [MetricChoice] = []

    @Option(help: "Write an error-map PNG here: the FLIP map in magma when FLIP is computed, else the absolute error with a colour bar.")
    var diff: String?

    @OptionGroup var viewing: ViewingOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Fail (exit 1) when the PSNR in dB is below this value.")
    var minPsnr: Double?

    @Option(help: "Fail (exit 1) when the mean FLIP is above this value.")
    var maxFlip: Double?

    @Option(help: "Sequences (patterns with %05d or {frame}): fail (exit 1) when the flicker is above this value.")
    var maxFlicker: Double?

    func validate() throws {
        if let m = minPsnr, !m.isFinite { throw ValidationError("--min-psnr must be a finite number") }
        if let m = maxFlip, !(m.isFinite && m >= 0) { throw ValidationError("--max-flip must be a number ≥ 0") }
        if let m = maxFlicker, !m.isFinite { throw ValidationError("--max-flicker must be a finite number") }
    }

    /// The metrics asked for, plus those a gate needs.
    var metrics: Set<QualityMetric> {
        var set = metric.isEmpty ? [.psnr, .ssim] : metric.reduce(into: Set<QualityMetric>()) { $0.formUnion($1.metrics) }
        if minPsnr != nil { set.insert(.psnr) }
        if maxFlip != nil { set.insert(.flip) }
        return set
    }

    func run() throws {
        if FrameSchedule.hasPattern(first) || FrameSchedule.hasPattern(second) { return try compareSequences() }
        let a = try PNGFile.read(path: first), b = try PNGFile.read(path: second)
        guard a.width == b.width, a.height == b.height else {
            throw UserError("\(first) is \(a.width)×\(a.height) but \(second) is \(b.width)×\(b.height)")
        }
        let comparison: ImageComparison
        do {
            comparison = try ImageComparison(test: a, truth: b, metrics: metrics, pixelsPerDegree: viewing.pixelsPerDegree)
        } catch let error as SplatError {
            throw UserError("\(first) against \(second): \(error)", kind: error.kind)
        }
        var diffScale: Float?
        if let diff {
            let map = comparison.errorMap()
            try PNGFile.write(map.image, to: diff)
            diffScale = map.scale
        }
        if json {
            printJSON(comparison, diffScale: diffScale)
        } else {
            printText(comparison, diffScale: diffScale)
        }
        try checkGates(comparison)
    }

    private func printJSON(_ c: ImageComparison, diffScale: Float?) {
        var object: [String: Any] = [
            "first": first, "second": second, "width": c.width, "height": c.height,
            "metrics": c.metrics.map(\.rawValue).sorted(), "masked": c.mask != nil, "counted_pixels": c.countedPixels,
        ]
        if let psnr = c.psnr {
            object["psnr"] = psnr.isFinite ? psnr : NSNull()
            object["identical"] = psnr == .infinity
        }
        if let ssim = c.ssim { object["ssim"] = ssim }
        if let flip = c.flip {
            object["flip"] = flip
            object["pixels_per_degree"] = Double(c.pixelsPerDegree)
        }
        if let diff, let diffScale {
            object["diff"] = diff
            object["diff_kind"] = c.flip != nil ? "flip" : "absolute"
            object["diff_scale"] = Double(diffScale)
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    private func printText(_ c: ImageComparison, diffScale: Float?) {
        if let psnr = c.psnr { print("PSNR: " + (psnr.isFinite ? String(format: "%.3f dB", psnr) : "inf (identical)")) }
        if let ssim = c.ssim { print("SSIM: " + String(format: "%.5f", ssim)) }
        if let flip = c.flip { print("FLIP: " + String(format: "%.5f", flip) + String(format: " (%.2f pixels per degree)", c.pixelsPerDegree)) }
        if let mask = c.mask {
            print("masked: \(c.countedPixels) of \(mask.count) pixels have ground-truth alpha > 0 and count")
        }
        if let diff, let diffScale {
            if c.flip != nil {
                print("error map: \(diff) (FLIP in magma: black 0, pale yellow 1)")
            } else {
                print("error map: \(diff) (absolute error in magma, colour bar on the right: 0 at the bottom, "
                      + String(format: "%.4f", diffScale) + " at the top)")
            }
        }
    }

    /// Two frame sequences: per-frame PSNR and SSIM, and temporal stability.
    private func compareSequences() throws {
        guard FrameSchedule.hasPattern(first), FrameSchedule.hasPattern(second) else {
            throw UserError("to compare sequences give two patterns (%05d or {frame}), got '\(first)' and '\(second)'", kind: .badOption)
        }
        let c = try SequenceComparison.compare(renders: first, truths: second)
        let s = c.stability
        if json {
            let object: [String: Any] = [
                "first": first, "second": second, "frames": c.frames.count, "first_frame": c.frames.first!, "last_frame": c.frames.last!,
                "psnr_mean": c.meanPSNR.isFinite ? c.meanPSNR : NSNull(), "ssim_mean": c.meanSSIM,
                "psnr": c.psnr.map { $0.isFinite ? $0 as Any : NSNull() }, "ssim": c.ssim,
                "flicker": s.flicker, "render_change": s.renderChange, "truth_change": s.truthChange,
                "render_temporal_variance": s.renderVariance,
            ]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("frames: \(c.frames.count) (\(c.frames.first!) to \(c.frames.last!))")
            print("PSNR: " + (c.meanPSNR.isFinite ? String(format: "%.3f dB mean", c.meanPSNR) : "inf (identical)")
                  + String(format: ", worst %.3f dB at frame %d", c.psnr.min()!, c.frames[c.psnr.firstIndex(of: c.psnr.min()!)!]))
            print("SSIM: " + String(format: "%.5f mean", c.meanSSIM))
            print(String(format: "flicker: %.6f (mean frame-to-frame change %.6f, the ground truth's %.6f)", s.flicker, s.renderChange, s.truthChange))
            print(String(format: "temporal variance of the render: %.8f per pixel and channel", s.renderVariance))
        }
        if let minPsnr, c.meanPSNR < minPsnr {
            throw UserError(String(format: "mean PSNR %.3f dB is below the minimum %.3f dB", c.meanPSNR, minPsnr))
        }
        if let maxFlicker, s.flicker > maxFlicker {
            throw UserError(String(format: "flicker %.6f is above the maximum %.6f", s.flicker, maxFlicker))
        }
    }

    private func checkGates(_ c: ImageComparison) throws {
        if let minPsnr, let psnr = c.psnr, psnr < minPsnr {
            throw UserError(String(format: "PSNR %.3f dB is below the minimum %.3f dB", psnr, minPsnr))
        }
        if let maxFlip, let flip = c.flip, flip > maxFlip {
            throw UserError(String(format: "FLIP %.5f is above the maximum %.5f", flip, maxFlip))
        }
    }
}
