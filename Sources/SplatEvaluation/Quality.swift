import SplatCore

/// PSNR, SSIM and FLIP of an image against its ground truth (alpha dropped, both as RGB).
public struct Quality: Equatable, Sendable, CustomStringConvertible {
    public var psnr: Double
    public var ssim: Double
    /// Mean LDR-FLIP error (0: no visible difference).
    public var flip: Double

    public init(psnr: Double, ssim: Double, flip: Double) {
        self.psnr = psnr
        self.ssim = ssim
        self.flip = flip
    }

    /// Scores `image` against `truth`; FLIP assumes a viewer at `pixelsPerDegree` (default the
    /// FLIP reference's 67).
    public static func measure(_ image: Image, against truth: Image,
                               pixelsPerDegree: Float = FLIP.defaultPixelsPerDegree) throws -> Quality {
        guard image.width == truth.width, image.height == truth.height else {
            throw SizeMismatch(image: (image.width, image.height), truth: (truth.width, truth.height))
        }
        let a = rgb(image), b = rgb(truth)
        return Quality(psnr: ImageMetrics.psnr(a, b), ssim: ImageMetrics.ssim(a, b),
                       flip: FLIP.errorMap(reference: b, test: a, pixelsPerDegree: pixelsPerDegree).mean)
    }

    public var description: String {
        "PSNR \(String(format: "%.2f", psnr)) dB, SSIM \(String(format: "%.4f", ssim)), FLIP \(String(format: "%.4f", flip))"
    }

    /// Grey becomes RGB, alpha is dropped.
    static func rgb(_ image: Image) -> Image {
        let colour = image.droppingAlpha()
        guard colour.channels == 1 else { return colour }
        return Image(width: image.width, height: image.height, channels: 3, pixels: colour.pixels.flatMap { [$0, $0, $0] })
    }

    public struct SizeMismatch: SplatError {
        public var image: (Int, Int)
        public var truth: (Int, Int)
        public var kind: ErrorKind { .badInput }
        public var description: String {
            "the image is \(image.0)×\(image.1) but the ground truth is \(truth.0)×\(truth.1)"
        }
    }
}

/// Limits a test holds a `Quality` to; `failures` says which were missed, in words.
public struct QualityGate: Sendable {
    public var minimumPSNR: Double?
    public var minimumSSIM: Double?
    public var maximumFLIP: Double?

    public init(minimumPSNR: Double? = nil, minimumSSIM: Double? = nil, maximumFLIP: Double? = nil) {
        self.minimumPSNR = minimumPSNR
        self.minimumSSIM = minimumSSIM
        self.maximumFLIP = maximumFLIP
    }

    /// One line per missed limit; empty when the quality passes.
    public func failures(of q: Quality) -> [String] {
        var out: [String] = []
        if let m = minimumPSNR, !(q.psnr >= m) { out.append("PSNR \(q.psnr) dB is below \(m) dB") }
        if let m = minimumSSIM, !(q.ssim >= m) { out.append("SSIM \(q.ssim) is below \(m)") }
        if let m = maximumFLIP, !(q.flip <= m) { out.append("FLIP \(q.flip) is above \(m)") }
        return out
    }
}
