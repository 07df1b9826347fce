/// How much a rendered sequence flickers, against its ground truth: the temporal half of quality
/// that per-frame PSNR/SSIM cannot see (a performance can score well frame by frame and still
/// shimmer when played).
public struct TemporalStability: Equatable, Sendable {
    /// Mean absolute frame-to-frame change of the render (over pixels, colour channels, and the
    /// consecutive pairs).
    public var renderChange: Double
    /// The same for the ground truth: the change the content itself has.
    public var truthChange: Double
    /// Per-pixel temporal variance of the render, averaged over pixels and colour channels: for a
    /// fixed camera on a still scene it is pure flicker.
    public var renderVariance: Double

    /// The flicker measure: the render's frame-to-frame change beyond the ground truth's. Zero or
    /// below: no more change than the content has.
    public var flicker: Double { renderChange - truthChange }

    /// Scores `renders` against `truths` (same count ≥ 2, same shapes; alpha channels ignored).
    public static func measure(renders: [Image], truths: [Image]) -> TemporalStability {
        precondition(renders.count == truths.count && renders.count >= 2, "need two or more frames of each")
        return TemporalStability(renderChange: meanChange(renders), truthChange: meanChange(truths),
                                 renderVariance: meanVariance(renders))
    }

    /// Mean |frameₖ₊₁ − frameₖ| over colour channels, pixels and pairs.
    public static func meanChange(_ frames: [Image]) -> Double {
        precondition(frames.count >= 2)
        var total = 0.0, count = 0
        for k in 1..<frames.count {
            let a = frames[k - 1], b = frames[k]
            precondition(ImageMetrics.sameShape(a, b), "frames must have one shape")
            forEachColourSample(a) { i in
                total += Double(abs(b.pixels[i] - a.pixels[i]))
                count += 1
            }
        }
        return count > 0 ? total / Double(count) : 0
    }

    /// Per-sample variance over the frames (population variance), averaged.
    public static func meanVariance(_ frames: [Image]) -> Double {
        precondition(!frames.isEmpty)
        let n = Double(frames.count)
        var total = 0.0, count = 0
        forEachColourSample(frames[0]) { i in
            var sum = 0.0, squares = 0.0
            for f in frames {
                let v = Double(f.pixels[i])
                sum += v
                squares += v * v
            }
            let mean = sum / n
            total += max(0, squares / n - mean * mean)
            count += 1
        }
        return count > 0 ? total / Double(count) : 0
    }

    /// Indices of the colour samples (every channel but alpha).
    private static func forEachColourSample(_ image: Image, _ body: (Int) -> Void) {
        let colour = image.channels == 2 || image.channels == 4 ? image.channels - 1 : image.channels
        for p in 0..<(image.width * image.height) {
            for c in 0..<colour { body(p * image.channels + c) }
        }
    }
}
