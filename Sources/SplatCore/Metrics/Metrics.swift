import Foundation

/// Image-quality metrics with the definitions the public trainers use (3DGS `loss_utils`,
/// DESIGN.md §6), on [0, 1] values, over every channel given (drop alpha first with
/// `Image.keepingChannels` if it should not count).
///
/// Both images must have the same shape (`sameShape`); callers check and report a user
/// error, so a mismatch here is a programming error. Empty images count as identical.
public enum ImageMetrics {
    public static func sameShape(_ a: Image, _ b: Image) -> Bool {
        a.width == b.width && a.height == b.height && a.channels == b.channels
    }

    /// Mean squared difference over all pixels and channels, accumulated in Double.
    public static func mse(_ a: Image, _ b: Image) -> Double {
        precondition(sameShape(a, b), "ImageMetrics needs images of the same shape")
        guard !a.pixels.isEmpty else { return 0 }
        var sum = 0.0
        for i in a.pixels.indices {
            let d = Double(a.pixels[i]) - Double(b.pixels[i])
            sum += d * d
        }
        return sum / Double(a.pixels.count)
    }

    /// 10·log10(1 / MSE) in dB; identical images give +infinity.
    public static func psnr(_ a: Image, _ b: Image) -> Double {
        10 * log10(1 / mse(a, b))
    }

    /// PSNR over the pixels whose `mask` entry is true (one entry per pixel, every channel of
    /// those pixels counts); a mask with no true entry gives +infinity.
    public static func psnr(_ a: Image, _ b: Image, mask: [Bool]) -> Double {
        precondition(sameShape(a, b) && mask.count == a.width * a.height, "ImageMetrics needs images and mask of one shape")
        var sum = 0.0, counted = 0
        for p in mask.indices where mask[p] {
            for c in 0..<a.channels {
                let i = p * a.channels + c
                let d = Double(a.pixels[i]) - Double(b.pixels[i])
                sum += d * d
            }
            counted += a.channels
        }
        return counted == 0 ? .infinity : 10 * log10(1 / (sum / Double(counted)))
    }

    /// Mean SSIM over the pixels whose `mask` entry is true: the windows still see the whole image
    /// (masked-out neighbours included), only the pooling skips pixels. No true entry gives 1.
    public static func ssim(_ a: Image, _ b: Image, mask: [Bool]) -> Double {
        precondition(sameShape(a, b) && mask.count == a.width * a.height, "ImageMetrics needs images and mask of one shape")
        let counted = mask.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard counted > 0 else { return 1 }
        var total = 0.0
        a.pixels.withUnsafeBufferPointer { pa in
            b.pixels.withUnsafeBufferPointer { pb in
                mask.withUnsafeBufferPointer { m in
                    for c in 0..<a.channels {
                        total += SSIMChannel(width: a.width, height: a.height, channels: a.channels, channel: c)
                            .sum(pa, pb, mask: m)
                    }
                }
            }
        }
        return total / Double(counted * a.channels)
    }

    /// Mean SSIM over all pixels and channels: 11×11 Gaussian window (σ = 1.5, weights
    /// summing to 1), C1 = 0.01², C2 = 0.03², zero padding at the borders (the window
    /// keeps its full normalised weights and sees zeros outside the image, as the
    /// trainers' conv2d with padding 5 does). Identical images give exactly 1.
    public static func ssim(_ a: Image, _ b: Image) -> Double {
        precondition(sameShape(a, b), "ImageMetrics needs images of the same shape")
        guard !a.pixels.isEmpty else { return 1 }
        var total = 0.0
        a.pixels.withUnsafeBufferPointer { pa in
            b.pixels.withUnsafeBufferPointer { pb in
                for c in 0..<a.channels {
                    total += SSIMChannel(width: a.width, height: a.height, channels: a.channels, channel: c)
                        .sum(pa, pb)
                }
            }
        }
        return total / Double(a.pixels.count)
    }
}

/// The normalised 1-D Gaussian whose outer product is the SSIM window.
enum SSIMWindow {
    static let radius = 5
    static let taps: [Double] = {
        let g = (-radius...radius).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let sum = g.reduce(0, +)
        return g.map { $0 / sum }
    }()
}

/// The SSIM map of one channel, summed. The 2-D window is separable, and zero padding
/// commutes with that split, so a horizontal then a vertical 11-tap pass over the five
/// local moments (a, b, a², b², ab) equals the 2-D zero-padded convolution.
/// Rows are streamed through a ring of 11 horizontally blurred rows, so memory stays
/// O(width) and the work stays in cache.
struct SSIMChannel {
    private let width: Int
    private let height: Int
    private let channels: Int
    private let channel: Int

    private static let c1 = 0.01 * 0.01
    private static let c2 = 0.03 * 0.03

    init(width: Int, height: Int, channels: Int, channel: Int) {
        self.width = width
        self.height = height
        self.channels = channels
        self.channel = channel
    }

    /// The sum of the SSIM map; with a `mask` (one entry per pixel), of the pixels marked true only.
    func sum(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
             mask: UnsafeBufferPointer<Bool>? = nil) -> Double {
        let r = SSIMWindow.radius, span = 2 * r + 1, rowLength = width * 5
        var ring = [Double](repeating: 0, count: span * rowLength)
        var source = [Double](repeating: 0, count: rowLength)
        var acc = [Double](repeating: 0, count: rowLength)
        var total = 0.0
        ring.withUnsafeMutableBufferPointer { ring in
            source.withUnsafeMutableBufferPointer { source in
                acc.withUnsafeMutableBufferPointer { acc in
                    SSIMWindow.taps.withUnsafeBufferPointer { taps in
                        var nextRow = 0
                        for y in 0..<height {
                            // Row y + r replaces row y − r − 1, the one no window needs any more.
                            while nextRow <= min(height - 1, y + r) {
                                loadMoments(row: nextRow, a, b, into: source)
                                blurRow(source, into: ring.baseAddress! + (nextRow % span) * rowLength, taps)
                                nextRow += 1
                            }
                            for i in 0..<rowLength { acc[i] = 0 }
                            for yy in max(0, y - r)...min(height - 1, y + r) {
                                let g = taps[yy - y + r], src = ring.baseAddress! + (yy % span) * rowLength
                                for i in 0..<rowLength { acc[i] += g * src[i] }
                            }
                            total += rowSum(acc, mask: mask.map { UnsafeBufferPointer(rebasing: $0[(y * width)..<((y + 1) * width)]) })
                        }
                    }
                }
            }
        }
        return total
    }

    /// One image row as five planes: a, b, a², b², ab.
    private func loadMoments(row y: Int, _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                             into source: UnsafeMutableBufferPointer<Double>) {
        let w = width
        for x in 0..<w {
            let i = (y * w + x) * channels + channel
            let va = Double(a[i]), vb = Double(b[i])
            source[x] = va
            source[w + x] = vb
            source[2 * w + x] = va * va
            source[3 * w + x] = vb * vb
            source[4 * w + x] = va * vb
        }
    }

    /// Horizontal 11-tap blur of the five planes. Tap-outer loops over plain pointers
    /// (no checked index arithmetic) so the inner loop vectorises.
    private func blurRow(_ source: UnsafeMutableBufferPointer<Double>, into out: UnsafeMutablePointer<Double>,
                         _ taps: UnsafeBufferPointer<Double>) {
        let r = SSIMWindow.radius, w = width
        out.update(repeating: 0, count: w * 5)
        for plane in 0..<5 {
            let dst = out + plane * w
            for k in -r...r {
                let g = taps[k + r], src = source.baseAddress! + plane * w + k
                // Taps that fall outside the row would read zeros: skip them
                // (all of them when the row is narrower than the tap offset).
                let first = max(0, -k), end = min(w, w - k)
                guard first < end else { continue }
                for x in first..<end {
                    dst[x] += g * src[x]
                }
            }
        }
    }

    private func rowSum(_ acc: UnsafeMutableBufferPointer<Double>, mask: UnsafeBufferPointer<Bool>?) -> Double {
        let w = width
        var total = 0.0
        for x in 0..<w where mask?[x] ?? true {
            total += Self.ssim(muA: acc[x], muB: acc[w + x], eAA: acc[2 * w + x],
                               eBB: acc[3 * w + x], eAB: acc[4 * w + x])
        }
        return total
    }

    /// The SSIM formula from local moments, written symmetrically in a and b so that
    /// SSIM(a, b) == SSIM(b, a) and identical inputs give exactly 1.
    private static func ssim(muA: Double, muB: Double, eAA: Double, eBB: Double, eAB: Double) -> Double {
        let varA = eAA - muA * muA, varB = eBB - muB * muB, cov = eAB - muA * muB
        let numerator = (2 * muA * muB + c1) * (2 * cov + c2)
        let denominator = (muA * muA + muB * muB + c1) * (varA + varB + c2)
        return numerator / denominator
    }
}
