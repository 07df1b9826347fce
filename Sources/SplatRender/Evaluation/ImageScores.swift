import SplatCore

/// PSNR and SSIM of two images over the channels they share in meaning.
public enum ImageScores {
    /// Colour images are compared on RGB (an alpha channel is ignored); grey on grey.
    public static func comparableChannels(_ a: Image, _ b: Image) throws -> (Image, Image) {
        let colourA = a.channels >= 3, colourB = b.channels >= 3
        guard colourA == colourB else {
            throw SplatFailure(.badInput, "cannot compare a colour image with a grey one (\(a.channels) and \(b.channels) channels)")
        }
        let keep = colourA ? 3 : 1
        return (a.keepingChannels(keep), b.keepingChannels(keep))
    }

    /// (PSNR in dB, +∞ for identical images; SSIM).
    public static func psnrAndSSIM(_ a: Image, _ b: Image) throws -> (psnr: Double, ssim: Double) {
        let (ca, cb) = try comparableChannels(a, b)
        return (ImageMetrics.psnr(ca, cb), ImageMetrics.ssim(ca, cb))
    }
}
