import Foundation
@testable import SplatCore
import SplatFormats
import SplatPNG
@testable import SplatRender
import XCTest
import SplatTestSupport

/// Scoring renders against ground truth: image scores, means, the gate and the folder lookup.
final class EvaluationTests: XCTestCase {
    func testScoresOfAKnownPair() throws {
        let a = Image(width: 4, height: 4, channels: 3, fill: 0.5)
        let b = Image(width: 4, height: 4, channels: 4, pixels: (0..<64).map { $0 % 4 == 3 ? 1 : 0.6 })
        let (psnr, ssim) = try ImageScores.psnrAndSSIM(a, b)
        XCTAssertEqual(psnr, 20, accuracy: 1e-4, "a uniform 0.1 error is 20 dB")
        XCTAssertLessThan(ssim, 1)
        XCTAssertEqual(try ImageScores.psnrAndSSIM(a, a).psnr, .infinity)
        XCTAssertEqual(try ImageScores.psnrAndSSIM(a, a).ssim, 1)
        XCTAssertThrowsError(try ImageScores.psnrAndSSIM(a, Image(width: 4, height: 4, channels: 1, fill: 0))) { error in
            XCTAssertEqual("\(error)", "cannot compare a colour image with a grey one (3 and 1 channels)")
        }
    }

    func testReportMeansCapIdenticalImagesAndListFailuresWorstFirst() {
        let report = EvaluationReport(scores: [
            EvaluationScore(name: "a", time: 0, psnr: .infinity, ssim: 1),
            EvaluationScore(name: "b", time: 0, psnr: 30, ssim: 0.8),
            EvaluationScore(name: "c", time: 1, psnr: 20, ssim: 0.6),
        ])
        XCTAssertEqual(report.meanPSNR, 50)
        XCTAssertEqual(report.meanSSIM, 0.8, accuracy: 1e-12)
        XCTAssertEqual(report.failing(below: 35).map(\.name), ["c", "b"])
        let object = report.jsonObject(scene: "s", cameras: "c.json", images: "gt")
        XCTAssertEqual(object["count"] as? Int, 3)
        XCTAssertEqual(object["mean_psnr_cap"] as? Double, 100)
        XCTAssert((object["per_image"] as? [[String: Any]])?.first?["psnr"] is NSNull)
    }

    func testEvaluatorScoresARenderAgainstItsOwnImage() throws {
        let folder = try TestPaths.temporaryFolder(for: self).path
        let scene = RenderFixtures.pair()
        let renderer = try FrameRenderer(scene: scene, options: FrameRendererOptions(backend: .cpu))
        let camera = RenderFixtures.camera()
        try PNGFile.write(try renderer.render(at: 0, camera: camera, settings: RenderSettings()).colour, to: folder + "/same.png")
        try PNGFile.write(Image(width: 32, height: 24, channels: 3, fill: 0), to: folder + "/black.png")
        let truth = try GroundTruthImages(folder: folder)
        XCTAssertEqual(truth.size(ofImageNamed: "same").map { [$0.width, $0.height] }, [32, 24])
        let evaluator = Evaluator(renderer: renderer, settings: RenderSettings(), sceneName: "pair")
        // A camera of another size is resized to the ground truth's.
        let views = [DatasetView(camera: camera.resized(width: 64, height: 48), time: nil, name: "same"),
                     DatasetView(camera: camera, time: nil, name: "black.png")]
        let report = try evaluator.evaluate(views, against: truth)
        XCTAssertEqual(report.scores.map(\.name), ["same", "black.png"])
        XCTAssertEqual(report.scores[0].psnr, .infinity)
        XCTAssertEqual(report.scores[0].ssim, 1)
        XCTAssert(report.scores[1].psnr.isFinite && report.scores[1].psnr > 0, "\(report.scores[1].psnr)")
        // A camera without ground truth is listed as missing; the others are still scored.
        let partial = try evaluator.evaluate([DatasetView(camera: camera, time: nil, name: "gone"), views[0]], against: truth)
        XCTAssertEqual(partial.missing, ["gone"])
        XCTAssertEqual(partial.scores.map(\.name), ["same"])
        XCTAssertEqual(partial.scores[0].flip, 0)
        XCTAssertThrowsError(try GroundTruthImages(folder: folder + "/nothing")) { error in
            XCTAssertEqual("\(error)", "\(folder)/nothing: no such folder of ground-truth images")
        }
    }

    /// A fixed camera at several times is scored for temporal stability, frame by frame in time
    /// order whatever the view order; a camera seen once is not.
    func testEvaluateReportsTheTemporalStabilityOfAFixedCamera() throws {
        let folder = try TestPaths.temporaryFolder(for: self).path
        let scene = try RenderFixtures.dancer()
        let renderer = try FrameRenderer(scene: scene, options: FrameRendererOptions(backend: .cpu))
        let camera = try CameraRequest(width: 40, height: 30).resolve(for: scene.canonical)
        let other = try CameraRequest(fovY: 30, width: 40, height: 30).resolve(for: scene.canonical)
        let times: [Float] = [1.0, 0.0, 0.5]  // out of order on purpose
        var truths: [Float: Image] = [:]
        for (k, t) in times.enumerated() {
            let image = try renderer.render(at: t, camera: camera, settings: RenderSettings()).colour
            try PNGFile.write(image, to: folder + "/v\(k).png")
            truths[t] = try PNGFile.read(path: folder + "/v\(k).png")
        }
        try PNGFile.write(try renderer.render(at: 0, camera: other, settings: RenderSettings()).colour, to: folder + "/single.png")
        let views = times.enumerated().map { DatasetView(camera: camera, time: $0.element, name: "v\($0.offset)") }
            + [DatasetView(camera: other, time: 0, name: "single")]
        let report = try Evaluator(renderer: renderer, settings: RenderSettings(), sceneName: "dancer")
            .evaluate(views, against: try GroundTruthImages(folder: folder))
        XCTAssertEqual(report.scores.map(\.name), ["v0", "v1", "v2", "single"])
        XCTAssertEqual(report.temporal.count, 1)
        let group = try XCTUnwrap(report.temporal.first)
        XCTAssertEqual(group.firstView, "v1", "the earliest view of the group")
        XCTAssertEqual(group.views, 3)
        let inTimeOrder = [truths[0]!, truths[0.5]!, truths[1]!]
        XCTAssertEqual(group.stability, TemporalStability.measure(renders: inTimeOrder, truths: inTimeOrder))
        XCTAssertEqual(group.stability.flicker, 0, "renders equal to their ground truth do not flicker")
        XCTAssertGreaterThan(group.stability.renderVariance, 0, "the dancer moves")
        let json = report.jsonObject(scene: "s", cameras: "c", images: "i")
        XCTAssertEqual((json["temporal_stability"] as? [[String: Any]])?.first?["views"] as? Int, 3)
    }
}
