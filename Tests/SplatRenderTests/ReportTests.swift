import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SplatCore
import SplatFormats
import SplatPNG
@testable import SplatRender
import SplatTestSupport
import XCTest

/// Image comparisons with masks, and the HTML and JUnit reports of an evaluation.
final class ReportTests: XCTestCase {
    /// A 16×16 RGB gradient.
    func gradient(_ offset: Float = 0) -> Image {
        Image(width: 16, height: 16, channels: 3, pixels: (0..<768).map { Float(($0 * 7) % 200) / 255 + offset })
    }

    func testAlphaOfTheGroundTruthMasksEveryMetric() throws {
        var truth = Image(width: 16, height: 16, channels: 4, fill: 1)
        let base = gradient()
        for p in 0..<256 {
            for c in 0..<3 { truth.pixels[p * 4 + c] = base.pixels[p * 3 + c] }
            // The left half is transparent.
            if p % 16 < 8 { truth.pixels[p * 4 + 3] = 0 }
        }
        var test = base
        for p in 0..<256 where p % 16 < 8 { for c in 0..<3 { test.pixels[p * 3 + c] = 1 - test.pixels[p * 3 + c] } }
        let masked = try ImageComparison(test: test, truth: truth, metrics: Set(QualityMetric.allCases))
        XCTAssertEqual(masked.countedPixels, 128)
        XCTAssertEqual(masked.psnr, .infinity, "the only differences are where alpha is 0")
        let unmasked = try ImageComparison(test: test, truth: base, metrics: Set(QualityMetric.allCases))
        XCTAssertNil(unmasked.mask)
        XCTAssertLessThan(try XCTUnwrap(unmasked.psnr), 20)
        // FLIP and SSIM see masked neighbours in their filters, so they are not perfect, but far better.
        XCTAssertLessThan(try XCTUnwrap(masked.flip), try XCTUnwrap(unmasked.flip) / 2)
        XCTAssertGreaterThan(try XCTUnwrap(masked.ssim), try XCTUnwrap(unmasked.ssim))
        // Masked pixels are grey in the error map.
        let map = masked.errorMap()
        XCTAssertEqual(map.kind, "FLIP")
        XCTAssertEqual(map.image[0, 0, 0], ImageComparison.maskedColour)
        // Only the requested metrics are computed; the absolute-error map has a colour bar.
        let psnrOnly = try ImageComparison(test: test, truth: base, metrics: [.psnr])
        XCTAssertNil(psnrOnly.flip)
        XCTAssertNil(psnrOnly.ssim)
        let absolute = psnrOnly.errorMap()
        XCTAssertEqual(absolute.image.width, 16 + ErrorMaps.colourBarWidth)
        XCTAssertEqual(Double(absolute.scale), Double(ErrorMaps.absoluteDifference(test, base).max()!), accuracy: 1e-6)
        // A fully transparent ground truth and different sizes are bad input.
        var clear = truth
        for p in 0..<256 { clear.pixels[p * 4 + 3] = 0 }
        XCTAssertThrowsError(try ImageComparison(test: test, truth: clear, metrics: [.psnr])) {
            XCTAssertEqual("\($0)", "the ground truth's alpha is 0 everywhere: no pixel to compare")
        }
        XCTAssertThrowsError(try ImageComparison(test: test, truth: Image(width: 4, height: 4, channels: 3), metrics: [.psnr])) {
            XCTAssertEqual("\($0)", "the images differ in size: 16×16 and 4×4")
        }
    }

    func testMaskedMetricsEqualTheUnmaskedOnesWhenEveryPixelCounts() {
        let a = gradient(), b = gradient(0.05)
        let all = [Bool](repeating: true, count: 256)
        XCTAssertEqual(ImageMetrics.psnr(a, b, mask: all), ImageMetrics.psnr(a, b), accuracy: 1e-9)
        XCTAssertEqual(ImageMetrics.ssim(a, b, mask: all), ImageMetrics.ssim(a, b), accuracy: 1e-12)
        let map = FLIP.errorMap(reference: a, test: b)
        XCTAssertEqual(map.mean(mask: all), map.mean, accuracy: 1e-12)
    }

    func sampleReport() -> EvaluationReport {
        EvaluationReport(scores: [
            EvaluationScore(name: "cam<0>", time: 0, psnr: 31, ssim: 0.9, flip: 0.05, renderMilliseconds: 12),
            EvaluationScore(name: "cam1", time: 0.5, psnr: 22, ssim: 0.7, flip: 0.2, renderMilliseconds: 10),
            EvaluationScore(name: "cam2", time: 1, psnr: .infinity, ssim: 1, flip: 0, renderMilliseconds: 11),
        ], missing: ["cam3"])
    }

    func testHTMLHasTheSettingsTableImagesWorstFirstAndPlots() {
        let report = sampleReport()
        let files = Dictionary(uniqueKeysWithValues: report.scores.enumerated().map { ($1.name, ReportImageFiles(index: $0)) })
        let html = HTMLReport(report: report, settings: [("scene", "a & b")], gates: EvaluationGates(minimumPSNR: 25),
                              files: files).html
        XCTAssert(html.contains("<th>scene</th><td>a &amp; b</td>"), html)
        XCTAssertEqual(html.components(separatedBy: "<tr class=\"view\">").count - 1, 3)
        XCTAssert(html.contains("<tr class=\"view missing\"><td>cam3</td>"))
        XCTAssertEqual(html.components(separatedBy: "<img ").count - 1, 9)
        XCTAssert(html.contains("cam&lt;0&gt;") && !html.contains("cam<0>"), "names are escaped")
        XCTAssertEqual(html.components(separatedBy: "class=\"fail\" title=\"PSNR 22.000 dB is below").count - 1, 1)
        // Worst first: the highest FLIP (cam1), then cam<0>, then cam2.
        let order = ["<h3>cam1", "<h3>cam&lt;0&gt;", "<h3>cam2"].map { html.range(of: $0)!.lowerBound }
        XCTAssertEqual(order, order.sorted())
        // Three times: one SVG plot per metric, with a point per view.
        XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 3)
        XCTAssertEqual(html.components(separatedBy: "<circle ").count - 1, 9)
        XCTAssertFalse(html.contains("http://") && html.contains("<script src"), "no external resources")
        XCTAssertFalse(html.contains("<link"))
        // One time only: no plots.
        var still = report
        for i in still.scores.indices { still.scores[i].time = 0 }
        XCTAssertFalse(HTMLReport(report: still, settings: [], gates: EvaluationGates(), files: files).html.contains("<svg "))
        // A fixed camera over time: its temporal stability is in the summary.
        var temporal = report
        temporal.temporal = [TemporalGroup(firstView: "cam<0>", views: 3,
                                           stability: TemporalStability(renderChange: 0.02, truthChange: 0.015, renderVariance: 0.001))]
        let withStability = HTMLReport(report: temporal, settings: [], gates: EvaluationGates(), files: files).html
        XCTAssert(withStability.contains("<p class=\"temporal\">Temporal stability of the fixed camera of cam&lt;0&gt; (3 views): "
                                         + "flicker 0.005000 (render change 0.020000, ground truth 0.015000), temporal variance 0.00100000.</p>"),
                  withStability)
        XCTAssertFalse(html.contains("class=\"temporal\""))
    }

    func testJUnitXMLHasOneCasePerViewWithItsGates() throws {
        let xml = JUnitReport(report: sampleReport(), gates: EvaluationGates(minimumPSNR: 25, maximumFLIP: 0.1),
                              suiteName: "dancer").xml
        let document = try XMLDocument(data: Data(xml.utf8))
        let cases = try document.nodes(forXPath: "//testcase")
        XCTAssertEqual(cases.count, 4)
        XCTAssertEqual(try document.nodes(forXPath: "//testcase[failure]").count, 1)
        XCTAssertEqual(try document.nodes(forXPath: "//testcase[error]").count, 1)
        let failure = try XCTUnwrap(try document.nodes(forXPath: "//testcase[@name='cam1']/failure/@message").first?.stringValue)
        XCTAssertEqual(failure, "PSNR 22.000 dB is below the minimum 25.000 dB; FLIP 0.20000 is above the maximum 0.10000")
        XCTAssertEqual(try document.nodes(forXPath: "//testcase[@name='cam<0>']").count, 1, "names round-trip")
        XCTAssertEqual(try document.nodes(forXPath: "/testsuites/testsuite/@failures").first?.stringValue, "1")
    }

    /// A real evaluation written as an HTML folder, opened in headless Chromium: the screenshot is
    /// not blank and the DOM has the table rows and the images.
    func testReportOpensInABrowser() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else {
            throw XCTSkip("Chromium is not installed (scripts/install-deps.sh installs Debian's chromium)")
        }
        let folder = try TestPaths.temporaryFolder(for: self).path
        let renderer = try FrameRenderer(scene: RenderFixtures.pair(), options: FrameRendererOptions(backend: .cpu))
        let camera = RenderFixtures.camera(width: 64, height: 48)
        try FileManager.default.createDirectory(atPath: folder + "/gt", withIntermediateDirectories: true)
        var frame = try renderer.render(at: 0, camera: camera, settings: RenderSettings()).colour
        try PNGFile.write(frame, to: folder + "/gt/same.png")
        for i in stride(from: 0, to: frame.pixels.count / 2, by: 1) { frame.pixels[i] = 1 - frame.pixels[i] }
        try PNGFile.write(frame, to: folder + "/gt/half.png")
        let views = ["same", "half", "gone"].map { DatasetView(camera: camera, time: nil, name: $0) }
        let writer = try HTMLReportWriter(folder: folder + "/report")
        let report = try Evaluator(renderer: renderer, settings: RenderSettings(), sceneName: "pair")
            .evaluate(views, against: try GroundTruthImages(folder: folder + "/gt"), each: writer.add)
        XCTAssertEqual(report.missing, ["gone"])
        try writer.finish(report, settings: [("scene", "pair")], gates: EvaluationGates(minimumPSNR: 30),
                          json: report.jsonObject(scene: "pair", cameras: "-", images: folder + "/gt"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/report/report.json"))) as? [String: Any])
        XCTAssertEqual(json["missing"] as? [String], ["gone"])
        XCTAssertEqual((json["per_image"] as? [[String: Any]])?.compactMap { $0["passed"] as? Bool }, [true, false])

        let page = folder + "/report/report.html", shot = folder + "/shot.png"
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + folder + "/profile"]
        let dom = try run(chromium, common + ["--dump-dom", "file://" + page])
        XCTAssertEqual(dom.components(separatedBy: "<tr class=\"view\">").count - 1, 2, dom)
        XCTAssertEqual(dom.components(separatedBy: "<tr class=\"view missing\">").count - 1, 1)
        XCTAssertEqual(dom.components(separatedBy: "<img ").count - 1, 6)
        _ = try run(chromium, common + ["--screenshot=" + shot, "--window-size=1024,900", "file://" + page])
        let screenshot = try PNGFile.read(path: shot)
        XCTAssertEqual(screenshot.width, 1024)
        let distinct = Set(stride(from: 0, to: screenshot.pixels.count, by: screenshot.channels).map {
            screenshot.pixels[$0..<($0 + 3)].map { Int($0 * 255) }
        })
        print("report screenshot: \(screenshot.width)×\(screenshot.height), \(distinct.count) distinct colours")
        XCTAssertGreaterThan(distinct.count, 50, "the screenshot is blank")
    }

    /// Runs `tool` and returns its standard output (standard error discarded: Chromium is chatty).
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let folder = try TestPaths.temporaryFolder(for: self)
        let out = folder.appendingPathComponent("out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        XCTAssertEqual(process.terminationStatus, 0, "\(tool) \(arguments)")
        return String(decoding: try Data(contentsOf: out), as: UTF8.self)
    }
}
