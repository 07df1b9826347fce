import Foundation
import XCTest
@testable import SplatCore

final class MetricsTests: XCTestCase {
    /// A deterministic image: value = ((x·p + y·q + c·r) mod m) / d, computed in Float.
    private func pattern(_ w: Int, _ h: Int, _ ch: Int, p: Int, q: Int, r: Int, m: Int, d: Float) -> Image {
        var image = Image(width: w, height: h, channels: ch)
        for y in 0..<h { for x in 0..<w { for c in 0..<ch {
            image[x, y, c] = Float((x * p + y * q + c * r) % m) / d
        } } }
        return image
    }

    private func offset(_ image: Image, _ delta: (Int) -> Float) -> Image {
        Image(width: image.width, height: image.height, channels: image.channels,
              pixels: image.pixels.enumerated().map { $1 + delta($0) })
    }

    // MARK: PSNR

    func testIdenticalImagesHaveInfinitePSNRAndUnitSSIM() {
        let a = pattern(23, 17, 3, p: 7, q: 13, r: 5, m: 17, d: 16)
        XCTAssertEqual(ImageMetrics.mse(a, a), 0)
        XCTAssertEqual(ImageMetrics.psnr(a, a), .infinity)
        XCTAssertEqual(ImageMetrics.ssim(a, a), 1, accuracy: 1e-12)
    }

    func testConstantOffsetOfOneTenthIsTwentyDecibels() {
        let a = Image(width: 8, height: 5, channels: 3, fill: 0)
        let b = Image(width: 8, height: 5, channels: 3, fill: 0.1)
        // Float(0.1) is 0.1 + 1.5e-9, so exactly 20 dB holds to ~1.3e-7; the exact value
        // for the stored offset holds to 1e-9.
        let stored = Double(Float(0.1))
        XCTAssertEqual(ImageMetrics.psnr(a, b), -20 * log10(stored), accuracy: 1e-9)
        XCTAssertEqual(ImageMetrics.psnr(a, b), 20, accuracy: 1e-6)
        XCTAssertEqual(ImageMetrics.psnr(b, a), ImageMetrics.psnr(a, b))
    }

    func testDyadicOffsetIsExact() {
        // 0.125 is exact in Float: MSE = 1/64, PSNR = 10·log10(64).
        let a = pattern(9, 4, 1, p: 1, q: 3, r: 0, m: 5, d: 8)
        let b = offset(a) { _ in 0.125 }
        XCTAssertEqual(ImageMetrics.mse(a, b), 1.0 / 64)
        XCTAssertEqual(ImageMetrics.psnr(a, b), 10 * log10(64.0), accuracy: 1e-12)
    }

    func testAlternatingNoiseOfFivePercentIs26Decibels() {
        let a = Image(width: 10, height: 6, channels: 3, fill: 0.5)
        let b = offset(a) { $0 % 2 == 0 ? 0.05 : -0.05 }
        // MSE = 0.05² = 0.0025, PSNR = 10·log10(400) = 26.0206 dB.
        XCTAssertEqual(ImageMetrics.psnr(a, b), 26.0206, accuracy: 1e-4)
        XCTAssertEqual(ImageMetrics.psnr(a, b), 10 * log10(400.0), accuracy: 1e-5)
    }

    // MARK: SSIM

    func testConstantImageAgainstItselfIsOne() {
        let a = Image(width: 20, height: 15, channels: 3, fill: 0.37)
        XCTAssertEqual(ImageMetrics.ssim(a, a), 1, accuracy: 1e-12)
    }

    func testSSIMDropsWithNoise() {
        let a = pattern(32, 24, 3, p: 7, q: 13, r: 5, m: 17, d: 16)
        let small = offset(a) { $0 % 2 == 0 ? 0.02 : -0.02 }
        let large = offset(a) { $0 % 2 == 0 ? 0.1 : -0.1 }
        let sSmall = ImageMetrics.ssim(a, small), sLarge = ImageMetrics.ssim(a, large)
        XCTAssertLessThan(sSmall, 1)
        XCTAssertLessThan(sLarge, sSmall)
        XCTAssertGreaterThan(sLarge, 0)
    }

    func testSSIMIsSymmetric() {
        let a = pattern(13, 12, 3, p: 7, q: 13, r: 5, m: 17, d: 16)
        let b = pattern(13, 12, 3, p: 3, q: 5, r: 11, m: 19, d: 18)
        XCTAssertEqual(ImageMetrics.ssim(a, b), ImageMetrics.ssim(b, a))
    }

    /// A 1×1 image: zero padding leaves only the centre weight w = g₅², so by hand
    /// μ = w·v, σ² = w·v² − w²·v², σ_ab = w·ab − w²·ab.
    func testSinglePixelMatchesHandDerivation() {
        let va = 0.75, vb = 0.25
        let g = (-5...5).map { exp(-Double($0 * $0) / 4.5) }
        let w = pow(1 / g.reduce(0, +), 2)
        let c1 = 1e-4, c2 = 9e-4
        let k = w * (1 - w)
        let expected = (2 * w * w * va * vb + c1) * (2 * k * va * vb + c2)
            / ((w * w * (va * va + vb * vb) + c1) * (k * (va * va + vb * vb) + c2))
        let a = Image(width: 1, height: 1, channels: 1, pixels: [Float(va)])
        let b = Image(width: 1, height: 1, channels: 1, pixels: [Float(vb)])
        XCTAssertEqual(ImageMetrics.ssim(a, b), expected, accuracy: 1e-12)
    }

    /// Against a direct 2-D zero-padded window written independently here, on images
    /// smaller and larger than the window; the literals come from a separate NumPy
    /// implementation (np.pad with zeros, 121 shifted sums, float64).
    func testSSIMMatchesBruteForceAndPinnedValues() {
        for (w, h, pinned) in [(7, 6, 0.4346079455529549), (13, 12, 0.25290432846047217)] {
            let a = pattern(w, h, 3, p: 7, q: 13, r: 5, m: 17, d: 16)
            let b = pattern(w, h, 3, p: 3, q: 5, r: 11, m: 19, d: 18)
            let fast = ImageMetrics.ssim(a, b)
            XCTAssertEqual(fast, bruteForceSSIM(a, b), accuracy: 1e-12, "\(w)×\(h)")
            XCTAssertEqual(fast, pinned, accuracy: 1e-12, "\(w)×\(h)")
        }
    }

    /// Rows and columns narrower than the window, where every tap may fall outside.
    func testSSIMOnThinImagesMatchesBruteForce() {
        for (w, h) in [(1, 1), (1, 9), (9, 1), (12, 2), (3, 20)] {
            let a = pattern(w, h, 2, p: 7, q: 13, r: 5, m: 17, d: 16)
            let b = pattern(w, h, 2, p: 3, q: 5, r: 11, m: 19, d: 18)
            XCTAssertEqual(ImageMetrics.ssim(a, b), bruteForceSSIM(a, b), accuracy: 1e-12, "\(w)×\(h)")
        }
    }

    private func bruteForceSSIM(_ a: Image, _ b: Image) -> Double {
        let g1 = (-5...5).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let s = g1.reduce(0, +)
        let g = g1.map { $0 / s }
        func value(_ im: Image, _ x: Int, _ y: Int, _ c: Int) -> Double {
            (0..<im.width).contains(x) && (0..<im.height).contains(y) ? Double(im[x, y, c]) : 0
        }
        var total = 0.0
        for c in 0..<a.channels { for y in 0..<a.height { for x in 0..<a.width {
            var ma = 0.0, mb = 0.0, aa = 0.0, bb = 0.0, ab = 0.0
            for dy in -5...5 { for dx in -5...5 {
                let wt = g[dy + 5] * g[dx + 5]
                let va = value(a, x + dx, y + dy, c), vb = value(b, x + dx, y + dy, c)
                ma += wt * va; mb += wt * vb; aa += wt * va * va; bb += wt * vb * vb; ab += wt * va * vb
            } }
            let num = (2 * ma * mb + 1e-4) * (2 * (ab - ma * mb) + 9e-4)
            let den = (ma * ma + mb * mb + 1e-4) * ((aa - ma * ma) + (bb - mb * mb) + 9e-4)
            total += num / den
        } } }
        return total / Double(a.pixels.count)
    }

    // MARK: shapes

    func testSameShape() {
        let a = Image(width: 4, height: 3, channels: 3)
        XCTAssertTrue(ImageMetrics.sameShape(a, Image(width: 4, height: 3, channels: 3, fill: 1)))
        XCTAssertFalse(ImageMetrics.sameShape(a, Image(width: 3, height: 4, channels: 3)))
        XCTAssertFalse(ImageMetrics.sameShape(a, Image(width: 4, height: 3, channels: 4)))
    }

    func testEmptyImagesCountAsIdentical() {
        let e = Image(width: 0, height: 0, channels: 3)
        XCTAssertEqual(ImageMetrics.psnr(e, e), .infinity)
        XCTAssertEqual(ImageMetrics.ssim(e, e), 1)
    }
}
