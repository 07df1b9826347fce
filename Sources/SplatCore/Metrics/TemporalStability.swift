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

    public init(renderChange: Double, truthChange: Double, renderVariance: Double) {
        self.renderChange = renderChange
        self.truthChange = truthChange
        self.renderVariance = renderVariance
    }

    /// The flicker measure: the render's frame-to-frame change beyond the ground truth's. Zero or
    /// below: no more change than the content has.
    public var flicker: Double { renderChange - truthChange }

    /// Scores `renders` against `truths` (same count ≥ 2, same shapes; alpha channels ignored).
    public static func measure(renders: [Image], truths: [Image]) -> TemporalStability {
        precondition(renders.count == truths.count && renders.count >= 2, "need two or more frames of each")
        var stream = StreamingTemporalStability()
        for (render, truth) in zip(renders, truths) { stream.add(render: render, truth: truth) }
        return stream.result!
    }

    /// Mean |frameₖ₊₁ − frameₖ| over colour channels, pixels and pairs.
    public static func meanChange(_ frames: [Image]) -> Double {
        precondition(frames.count >= 2)
        return measure(renders: frames, truths: frames).renderChange
    }

    /// Per-sample variance over the frames (population variance), averaged.
    public static func meanVariance(_ frames: [Image]) -> Double {
        precondition(!frames.isEmpty)
        var stream = StreamingTemporalStability()
        for frame in frames { stream.add(render: frame, truth: frame) }
        return stream.renderVariance
    }

    /// Σ|b − a| over the colour samples of one pair of frames, and how many samples.
    static func changeSum(_ a: Image, _ b: Image) -> (sum: Double, count: Int) {
        precondition(ImageMetrics.sameShape(a, b), "frames must have one shape")
        var total = 0.0, count = 0
        forEachColourSample(a) { i in
            total += Double(abs(b.pixels[i] - a.pixels[i]))
            count += 1
        }
        return (total, count)
    }

    /// Indices of the colour samples (every channel but alpha).
    static func forEachColourSample(_ image: Image, _ body: (Int) -> Void) {
        let colour = image.colourChannels
        for p in 0..<(image.width * image.height) {
            for c in 0..<colour { body(p * image.channels + c) }
        }
    }
}

/// `TemporalStability` one frame at a time, holding only the previous frames and per-sample sums
/// (not every frame): the same numbers as `measure` on the whole sequences.
public struct StreamingTemporalStability: Sendable {
    private var previousRender: Image?, previousTruth: Image?
    private var renderChange = 0.0, truthChange = 0.0, changeSamples = 0, truthChangeSamples = 0
    private var sums: [Double] = [], squares: [Double] = []
    public private(set) var frames = 0

    public init() {}

    /// Whether these frames have the shapes of the ones before (every frame must).
    public func accepts(render: Image, truth: Image) -> Bool {
        guard let previousRender, let previousTruth else { return true }
        return ImageMetrics.sameShape(previousRender, render) && ImageMetrics.sameShape(previousTruth, truth)
    }

    public mutating func add(render: Image, truth: Image) {
        if let previousRender, let previousTruth {
            let r = TemporalStability.changeSum(previousRender, render), t = TemporalStability.changeSum(previousTruth, truth)
            renderChange += r.sum
            changeSamples += r.count
            truthChange += t.sum
            truthChangeSamples += t.count
        } else {
            sums = [Double](repeating: 0, count: render.pixels.count)
            squares = sums
        }
        precondition(sums.count == render.pixels.count, "frames must have one shape")
        for i in render.pixels.indices {
            let v = Double(render.pixels[i])
            sums[i] += v
            squares[i] += v * v
        }
        previousRender = render
        previousTruth = truth
        frames += 1
    }

    /// The stability so far; nil before two frames.
    public var result: TemporalStability? {
        guard frames >= 2 else { return nil }
        return TemporalStability(renderChange: changeSamples > 0 ? renderChange / Double(changeSamples) : 0,
                                 truthChange: truthChangeSamples > 0 ? truthChange / Double(truthChangeSamples) : 0,
                                 renderVariance: renderVariance)
    }

    /// Per-sample population variance of the renders so far, averaged over the colour samples.
    var renderVariance: Double {
        guard frames > 0, let shape = previousRender else { return 0 }
        let n = Double(frames)
        var total = 0.0, count = 0
        TemporalStability.forEachColourSample(shape) { i in
            let mean = sums[i] / n
            total += max(0, squares[i] / n - mean * mean)
            count += 1
        }
        return count > 0 ? total / Double(count) : 0
    }
}
