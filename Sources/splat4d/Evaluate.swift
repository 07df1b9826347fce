import ArgumentParser
import Foundation
import SplatCore
import SplatFormats
import SplatRender

/// Scores a scene against ground truth: every dataset camera rendered at its time, PSNR and SSIM.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render every camera of a dataset and score it against its ground-truth image (PSNR, SSIM, FLIP).",
        discussion: "Images are matched by camera name (img_name, or file_path's last component) as NAME.png in --images. "
            + "With --min-psnr, exits 1 when any image scores below it, naming them (worst first). Identical images "
            + "score +inf, counted as 100 dB in the mean. A camera without ground truth is listed as missing and fails "
            + "the run (exit 1) after the reports are written. Ground truth with alpha counts only pixels with alpha > 0.")

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

    @Option(help: "Fail (exit 1) when any image's mean FLIP is above this.")
    var maxFlip: Double?

    @OptionGroup var viewing: ViewingOptions

    @Option(help: "Write an HTML report here (a folder): report.html, report.json and the images of every view.")
    var html: String?

    @Option(help: "Write JUnit XML here: one test case per view, failing with its gates.")
    var junit: String?

    @OptionGroup var renderer: BackendOptions

    @Flag(help: "Print the JSON report on stdout instead of the table.")
    var json = false

    func validate() throws {
        if let m = minPsnr, !m.isFinite { throw ValidationError("--min-psnr must be a finite number") }
        if let m = maxFlip, !(m.isFinite && m >= 0) { throw ValidationError("--max-flip must be a number ≥ 0") }
    }

    var gates: EvaluationGates { EvaluationGates(minimumPSNR: minPsnr, maximumFLIP: maxFlip) }

    func run() throws {
        let loaded = try input.open()
        let settings = try appearance.settings(for: loaded)
        let groundTruth = try GroundTruthImages(folder: images)
        let views = try DatasetCameras.load(path: cameras) { groundTruth.size(ofImageNamed: $0) }
        let renderer = try FrameRenderer(loaded, options: self.renderer.options)
        let htmlWriter = try html.map { try HTMLReportWriter(folder: $0) }
        let evaluator = Evaluator(renderer: renderer, settings: settings, sceneName: input.scene,
                                  pixelsPerDegree: viewing.pixelsPerDegree)
        let evaluation = try evaluator.evaluate(views, against: groundTruth, each: htmlWriter.map { writer in { try writer.add($0) } })
        var object = evaluation.jsonObject(scene: input.scene, cameras: cameras, images: images)
        object["pixels_per_degree"] = Double(viewing.pixelsPerDegree)
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        if let report { try write(data, to: report) }
        if let htmlWriter {
            try htmlWriter.finish(evaluation, settings: reportSettings(device: renderer.deviceDescription), gates: gates, json: object)
        }
        if let junit { try JUnitReport(report: evaluation, gates: gates, suiteName: (input.scene as NSString).lastPathComponent).write(to: junit) }
        if json {
            print(String(decoding: data, as: UTF8.self))
        } else {
            printTable(evaluation)
        }
        try checkMissing(evaluation)
        if let minPsnr { try checkMinimum(minPsnr, evaluation) }
        if let maxFlip { try checkMaximumFLIP(maxFlip, evaluation) }
    }

    private func reportSettings(device: String) -> [(String, String)] {
        [("scene", input.scene), ("cameras", cameras), ("ground truth", images), ("renderer", device),
         ("FLIP pixels per degree", String(format: "%.2f", viewing.pixelsPerDegree)),
         ("minimum PSNR", minPsnr.map { String(format: "%.3f dB", $0) } ?? "none"),
         ("maximum FLIP", maxFlip.map { String(format: "%.5f", $0) } ?? "none"),
         ("command", CommandLine.arguments.joined(separator: " "))]
    }

    /// Fails naming the cameras without ground truth (after the reports are written).
    private func checkMissing(_ evaluation: EvaluationReport) throws {
        let missing = evaluation.missing
        guard !missing.isEmpty else { return }
        if missing.count == 1 {
            throw UserError("\(images): no ground-truth image for camera '\(missing[0])' (looked for \(missing[0]).png)")
        }
        let names = missing.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
        throw UserError("\(images): no ground-truth image for \(missing.count) of \(missing.count + evaluation.scores.count) "
                        + "cameras: " + names + (missing.count > 5 ? ", …" : ""))
    }

    /// Fails naming the images above the maximum FLIP, worst first.
    private func checkMaximumFLIP(_ maxFlip: Double, _ evaluation: EvaluationReport) throws {
        let failing = evaluation.scores.filter { ($0.flip ?? 0) > maxFlip }.sorted { ($0.flip ?? 0) > ($1.flip ?? 0) }
        guard !failing.isEmpty else { return }
        let names = failing.prefix(5).map { String(format: "%@ %.4f", $0.name, $0.flip ?? 0) }.joined(separator: ", ")
        throw UserError("\(failing.count) of \(evaluation.scores.count) images are above the maximum FLIP "
                        + String(format: "%.5f: ", maxFlip) + names + (failing.count > 5 ? ", …" : ""))
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
        print(padded("image") + "      time     PSNR (dB)   SSIM     FLIP")
        for s in scores {
            print(padded(s.name) + String(format: "  %8.4f  %10.3f   %.4f   %.5f", s.time, s.psnr, s.ssim, s.flip ?? .nan))
        }
        for name in evaluation.missing { print(padded(name) + "  missing: no ground-truth image") }
        for g in evaluation.temporal {
            print(String(format: "temporal stability of the fixed camera of '%@' (%d views): flicker %.6f (render change %.6f, "
                         + "ground truth %.6f), temporal variance %.8f", g.firstView, g.views, g.stability.flicker,
                         g.stability.renderChange, g.stability.truthChange, g.stability.renderVariance))
        }
        print(padded("mean") + String(format: "            %10.3f   %.4f   %.5f", evaluation.meanPSNR, evaluation.meanSSIM,
                                      evaluation.meanFLIP ?? .nan))
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
