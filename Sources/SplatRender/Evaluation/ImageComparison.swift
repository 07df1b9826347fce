import SplatCore

/// The image-quality metrics a comparison can compute.
public enum QualityMetric: String, CaseIterable, Sendable {
    case psnr, ssim, flip
}

/// The pixels that count in a comparison: those where the ground truth's alpha is above 0.
public enum CoverageMask {
    /// One entry per pixel of `truth`, or nil when every pixel counts (no alpha channel, or alpha
    /// above 0 everywhere), so unmasked comparisons take exactly the unmasked code paths.
    public static func of(_ truth: Image) -> [Bool]? {
        guard truth.hasAlpha else { return nil }
        let alpha = truth.channels - 1
        let mask = (0..<(truth.width * truth.height)).map { truth.pixels[$0 * truth.channels + alpha] > 0 }
        return mask.allSatisfy { $0 } ? nil : mask
    }
}

/// A test image scored against its ground truth with the requested metrics, masked by the ground
/// truth's alpha when it has one. FLIP sees the whole images (masked-out pixels take part in the
/// filters around them as they are) and pools only the counted pixels, as PSNR and SSIM do.
public struct ImageComparison: Sendable {
    public let width: Int
    public let height: Int
    public let metrics: Set<QualityMetric>
    /// dB, +∞ for identical images; nil when not requested.
    public let psnr: Double?
    public let ssim: Double?
    /// Mean FLIP in [0, 1]; nil when not requested.
    public let flip: Double?
    /// The FLIP error map when FLIP was requested.
    public let flipMap: FLIPErrorMap?
    /// The counted pixels (nil: all of them).
    public let mask: [Bool]?
    public let pixelsPerDegree: Float
    /// The colour channels compared (alpha dropped), kept for the absolute-error map.
    private let test: Image
    private let truth: Image

    public var countedPixels: Int { mask.map { $0.reduce(0) { $0 + ($1 ? 1 : 0) } } ?? width * height }

    /// Throws (bad input) for images of different sizes, a colour image against a grey one, and a
    /// ground truth whose alpha is 0 everywhere.
    public init(test: Image, truth: Image, metrics: Set<QualityMetric>,
                pixelsPerDegree: Float = FLIP.defaultPixelsPerDegree) throws {
        guard test.width == truth.width, test.height == truth.height else {
            throw SplatFailure(.badInput, "the images differ in size: \(test.width)×\(test.height) and \(truth.width)×\(truth.height)")
        }
        let mask = CoverageMask.of(truth)
        if let mask, !mask.contains(true) {
            throw SplatFailure(.badInput, "the ground truth's alpha is 0 everywhere: no pixel to compare")
        }
        let (a, b) = try ImageScores.comparableChannels(test, truth)
        self.width = test.width
        self.height = test.height
        self.metrics = metrics
        self.mask = mask
        self.pixelsPerDegree = pixelsPerDegree
        self.test = a
        self.truth = b
        if metrics.contains(.psnr) {
            psnr = mask.map { ImageMetrics.psnr(a, b, mask: $0) } ?? ImageMetrics.psnr(a, b)
        } else { psnr = nil }
        if metrics.contains(.ssim) {
            ssim = mask.map { ImageMetrics.ssim(a, b, mask: $0) } ?? ImageMetrics.ssim(a, b)
        } else { ssim = nil }
        if metrics.contains(.flip) {
            let map = FLIP.errorMap(reference: b, test: a, pixelsPerDegree: pixelsPerDegree)
            flipMap = map
            flip = mask.map { map.mean(mask: $0) } ?? map.mean
        } else {
            flipMap = nil
            flip = nil
        }
    }

    /// Masked-out pixels in error maps: mid grey, a colour magma never takes.
    public static let maskedColour: Float = 0.5

    /// An image of where the two differ: the FLIP map in magma when FLIP was computed, else the
    /// absolute error in magma with a colour bar on the right; `scale` is the error the brightest
    /// colour stands for (1 for FLIP). Masked-out pixels are grey.
    public func errorMap() -> (image: Image, scale: Float, kind: String) {
        if let flipMap {
            return (greyingMasked(ErrorMaps.flip(flipMap)), 1, "FLIP")
        }
        let errors = ErrorMaps.absoluteDifference(test, truth)
        let largest = zip(errors.indices, errors).filter { mask?[$0.0] ?? true }.map(\.1).max() ?? 0
        let (image, scale) = ErrorMaps.absoluteDifference(test, truth, scale: largest > 0 ? largest : 1)
        return (greyingMasked(image), scale, "absolute error")
    }

    private func greyingMasked(_ image: Image) -> Image {
        guard let mask else { return image }
        var out = image
        for y in 0..<height {
            for x in 0..<width where !mask[y * width + x] {
                for c in 0..<3 { out[x, y, c] = Self.maskedColour }
            }
        }
        return out
    }
}
