import ArgumentParser
import Foundation
import SplatCore
import SplatFormats
import SplatPNG

/// Scores a scene against ground truth: every dataset camera rendered at its time, PSNR and SSIM.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render every camera of a dataset and score it against its ground-truth image (PSNR, SSIM).",
        discussion: "Images are matched by camera name (img_name, or file_path's last component) as NAME.png in --images. "
            + "With --min-psnr, exits 1 when any image scores below it, naming them (worst first). Identical images "
            + "score +inf, counted as 100 dB in the mean.")

    @OptionGroup var input: SceneArguments

    @Option(help: "cameras.json or transforms.json with the test cameras.")
    var cameras: String

    @Option(help: "Folder of ground-truth PNGs.")
    var images: String

    @OptionGroup var appearance: AppearanceOptions

    @Option(help: "Write the per-image and mean scores as JSON here.")
    var report: String?

    @Option(help: "Fail (exit 1) when any image's PSNR in dB is below this.")
    var minPsnr: Double?

    @OptionGroup var renderer: BackendOptions

    @Flag(help: "Print the JSON report on stdout instead of the table.")
    var json = false

    func validate() throws {
        if let m = minPsnr, !m.isFinite { throw ValidationError("--min-psnr must be a finite number") }
    }

    /// PSNR used for identical images when averaging.
    static let psnrCap = 100.0

    struct Score {
        var name: String
        var time: Float
        var psnr: Double
        var ssim: Double
    }

    func run() throws {
        let settings = try appearance.settings()
        let loaded = try input.load()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: images, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UserError("\(images): no such folder of ground-truth images")
        }
        var groundTruth: [String: Image] = [:]
        func image(named name: String) throws -> Image? {
            if let cached = groundTruth[name] { return cached }
            for candidate in [name, name + ".png", (name as NSString).deletingPathExtension + ".png"] {
                let path = (images as NSString).appendingPathComponent(candidate)
                if candidate.lowercased().hasSuffix(".png"), FileManager.default.fileExists(atPath: path) {
                    let loadedImage = try PNGFile.read(path: path)
                    groundTruth[name] = loadedImage
                    return loadedImage
                }
            }
            return nil
        }
        let views = try DatasetCameras.load(path: cameras) { name in
            (try? image(named: name)).flatMap { $0.map { ($0.width, $0.height) } }
        }
        let renderer = try SceneFrameRenderer(scene: loaded.scene, backend: self.renderer.backend, device: self.renderer.device)
        var scores: [Score] = []
        for view in views {
            guard let truth = try image(named: view.name) else {
                throw UserError("\(images): no ground-truth image for camera '\(view.name)' (looked for \(view.name).png)")
            }
            var camera = view.camera
            if camera.width != truth.width || camera.height != truth.height {
                camera = camera.resized(width: truth.width, height: truth.height)
            }
            let t = try SceneTime.resolve(view.time ?? loaded.scene.metadata.timeRange?.lowerBound, for: loaded.scene, path: input.scene)
            let frame = try renderer.render(at: t, camera: camera, settings: settings)
            // Scored as written to disk: 8-bit, like the trainers' saved renders.
            let rendered = try PNGFile.decode(try PNGFile.encode(frame.colour), path: view.name)
            let (a, b) = try Compare.comparableChannels(rendered, truth)
            scores.append(Score(name: view.name, time: t, psnr: ImageMetrics.psnr(a, b), ssim: ImageMetrics.ssim(a, b)))
        }
        // Identical images score +∞; for the mean (and so the gate) they count as 100 dB, or one
        // exact image would hide every bad one.
        let meanPSNR = scores.map { min($0.psnr, Evaluate.psnrCap) }.reduce(0, +) / Double(max(scores.count, 1))
        let meanSSIM = scores.map(\.ssim).reduce(0, +) / Double(max(scores.count, 1))
        let object: [String: Any] = [
            "scene": input.scene, "cameras": cameras, "images": images, "count": scores.count,
            "mean_psnr": meanPSNR, "mean_psnr_cap": Evaluate.psnrCap, "mean_ssim": meanSSIM,
            "per_image": scores.map { ["name": $0.name, "time": Double($0.time), "psnr": $0.psnr.isFinite ? $0.psnr : NSNull(),
                                       "ssim": $0.ssim] as [String: Any] },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        if let report {
            do { try data.write(to: URL(fileURLWithPath: report), options: .atomic) } catch {
                throw UserError("\(report): cannot write the report (\(error.localizedDescription))")
            }
        }
        if json {
            print(String(decoding: data, as: UTF8.self))
        } else {
            let width = max(5, scores.map(\.name.count).max() ?? 5)
            print("image".padding(toLength: width, withPad: " ", startingAt: 0) + "      time     PSNR (dB)   SSIM")
            for s in scores {
                print(s.name.padding(toLength: width, withPad: " ", startingAt: 0)
                      + String(format: "  %8.4f  %10.3f   %.4f", s.time, s.psnr, s.ssim))
            }
            print("mean".padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "            %10.3f   %.4f", meanPSNR, meanSSIM))
        }
        if let minPsnr {
            let failing = scores.filter { $0.psnr < minPsnr }.sorted { $0.psnr < $1.psnr }
            if !failing.isEmpty {
                let names = failing.prefix(5).map { String(format: "%@ %.2f dB", $0.name, $0.psnr) }.joined(separator: ", ")
                throw UserError("\(failing.count) of \(scores.count) images are below the minimum PSNR "
                                + String(format: "%.3f dB: ", minPsnr) + names + (failing.count > 5 ? ", …" : ""))
            }
        }
    }
}
