import ArgumentParser
import Foundation
import SplatCore
import SplatFormats
import SplatRender

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

    func run() throws {
        let loaded = try input.load()
        let settings = try appearance.settings(for: loaded)
        let groundTruth = try GroundTruthImages(folder: images)
        let views = try DatasetCameras.load(path: cameras) { groundTruth.size(ofImageNamed: $0) }
        let renderer = try FrameRenderer(scene: loaded.scene, options: self.renderer.options)
        let evaluation = try Evaluator(renderer: renderer, settings: settings, sceneName: input.scene)
            .evaluate(views, against: groundTruth)
        let object = evaluation.jsonObject(scene: input.scene, cameras: cameras, images: images)
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        if let report { try write(data, to: report) }
        if json {
            print(String(decoding: data, as: UTF8.self))
        } else {
            printTable(evaluation)
        }
        if let minPsnr { try checkMinimum(minPsnr, evaluation) }
    }

    private func write(_ data: Data, to report: String) throws {
        do { try data.write(to: URL(fileURLWithPath: report), options: .atomic) } catch {
            throw UserError("\(report): cannot write the report (\(error.localizedDescription))")
        }
    }

    private func printTable(_ evaluation: EvaluationReport) {
        let scores = evaluation.scores
        let width = max(5, scores.map(\.name.count).max() ?? 5)
        func padded(_ name: String) -> String { name.padding(toLength: width, withPad: " ", startingAt: 0) }
        print(padded("image") + "      time     PSNR (dB)   SSIM")
        for s in scores {
            print(padded(s.name) + String(format: "  %8.4f  %10.3f   %.4f", s.time, s.psnr, s.ssim))
        }
        print(padded("mean") + String(format: "            %10.3f   %.4f", evaluation.meanPSNR, evaluation.meanSSIM))
    }

    /// Fails naming the images below the minimum PSNR, worst first.
    private func checkMinimum(_ minPsnr: Double, _ evaluation: EvaluationReport) throws {
        let failing = evaluation.failing(below: minPsnr)
        guard !failing.isEmpty else { return }
        let names = failing.prefix(5).map { String(format: "%@ %.2f dB", $0.name, $0.psnr) }.joined(separator: ", ")
        throw UserError("\(failing.count) of \(evaluation.scores.count) images are below the minimum PSNR "
                        + String(format: "%.3f dB: ", minPsnr) + names + (failing.count > 5 ? ", …" : ""))
    }
}
