import ArgumentParser
import Foundation
import SplatCore
import SplatRender
import SplatPNG

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two PNG images: PSNR and SSIM over their colour channels.",
        discussion: "Exits with 1 when the sizes differ or the PSNR is below --min-psnr.")

    @Argument(help: "The first image.") var first: String
    @Argument(help: "The second image.") var second: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Fail (exit 1) when the PSNR in dB is below this value.")
    var minPsnr: Double?

    func validate() throws {
        if let m = minPsnr, !m.isFinite { throw ValidationError("--min-psnr must be a finite number") }
    }

    func run() throws {
        let a = try PNGFile.read(path: first), b = try PNGFile.read(path: second)
        guard a.width == b.width, a.height == b.height else {
            throw UserError("\(first) is \(a.width)×\(a.height) but \(second) is \(b.width)×\(b.height)")
        }
        let (psnr, ssim) = try ImageScores.psnrAndSSIM(a, b)
        if json {
            let object: [String: Any] = [
                "first": first, "second": second, "width": a.width, "height": a.height,
                "psnr": psnr.isFinite ? psnr : NSNull(), "identical": psnr == .infinity, "ssim": ssim,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("PSNR: " + (psnr.isFinite ? String(format: "%.3f dB", psnr) : "inf (identical)"))
            print("SSIM: " + String(format: "%.5f", ssim))
        }
        if let minPsnr, psnr < minPsnr {
            throw UserError(String(format: "PSNR %.3f dB is below the minimum %.3f dB", psnr, minPsnr))
        }
    }
}
