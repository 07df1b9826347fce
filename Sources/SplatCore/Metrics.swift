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

    /// Mean SSIM over all pixels and channels: 11×11 Gaussian window (σ = 1.5, weights
    /// summing to 1), C1 = 0.01², C2 = 0.03², zero padding at the borders (the window
    /// keeps its full normalised weights and sees zeros outside the image, as the
    /// trainers' conv2d with padding 5 does). Identical images give exactly 1.
    public static func ssim(_ a: Image, _ b: Image) -> Double {
        precondition(sameShape(a, b), "ImageMetrics needs images of the same shape")
        guard !a.pixels.isEmpty else { return 1 }
        var total = 0.0
        for c in 0..<a.channels {
            total += SSIMChannel(a: a, b: b, channel: c).sum()
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
struct SSIMChannel {
    private let width: Int
    private let height: Int
    private let a: [Double]
    private let b: [Double]

    private static let c1 = 0.01 * 0.01
    private static let c2 = 0.03 * 0.03

    init(a: Image, b: Image, channel: Int) {
        width = a.width
        height = a.height
        let n = width * height
        self.a = (0..<n).map { Double(a.pixels[$0 * a.channels + channel]) }
        self.b = (0..<n).map { Double(b.pixels[$0 * b.channels + channel]) }
    }

    func sum() -> Double {
        let moments = horizontalMoments()
        return verticalSum(moments)
    }

    /// Row-wise blurred a, b, a², b², ab; for each row y the five planes lie one after the
    /// other (`[y][plane][x]`). Tap-outer loops so the inner loop runs over x and vectorises.
    private func horizontalMoments() -> [Double] {
        let r = SSIMWindow.radius, w = width
        var out = [Double](repeating: 0, count: w * height * 5)
        var source = [Double](repeating: 0, count: w * 5)
        out.withUnsafeMutableBufferPointer { out in
            source.withUnsafeMutableBufferPointer { source in
                SSIMWindow.taps.withUnsafeBufferPointer { taps in
                    for y in 0..<height {
                        for x in 0..<w {
                            let va = a[y * w + x], vb = b[y * w + x]
                            source[x] = va
                            source[w + x] = vb
                            source[2 * w + x] = va * va
                            source[3 * w + x] = vb * vb
                            source[4 * w + x] = va * vb
                        }
                        for plane in 0..<5 {
                            let dst = out.baseAddress! + (y * 5 + plane) * w
                            for k in -r...r {
                                let g = taps[k + r], src = source.baseAddress! + plane * w + k
                                // Taps that fall outside the row read zeros: skip them.
                                // Plain pointers (no index arithmetic checks) let this vectorise.
                                for x in max(0, -k)..<min(w, w - k) {
                                    dst[x] += g * src[x]
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Column-wise blur of the moments, one output row at a time, folded straight into
    /// the SSIM formula and summed.
    private func verticalSum(_ moments: [Double]) -> Double {
        let taps = SSIMWindow.taps, r = SSIMWindow.radius
        let rowLength = width * 5
        var acc = [Double](repeating: 0, count: rowLength)
        var total = 0.0
        moments.withUnsafeBufferPointer { m in
            acc.withUnsafeMutableBufferPointer { acc in
                for y in 0..<height {
                    for i in 0..<rowLength { acc[i] = 0 }
                    for yy in max(0, y - r)...min(height - 1, y + r) {
                        let g = taps[yy - y + r], src = m.baseAddress! + yy * rowLength
                        for i in 0..<rowLength { acc[i] += g * src[i] }
                    }
                    let w = width
                    for x in 0..<w {
                        total += Self.ssim(muA: acc[x], muB: acc[w + x], eAA: acc[2 * w + x],
                                           eBB: acc[3 * w + x], eAB: acc[4 * w + x])
                    }
                }
            }
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
