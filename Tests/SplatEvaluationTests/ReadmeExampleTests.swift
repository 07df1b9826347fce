import Foundation
import SplatCore
import SplatFormats
import SplatTestSupport
import XCTest

// The README's "Quality tests in Swift" example, run as a test. The lines between the markers must
// appear in README.md exactly (testTheReadmeShowsThisExample checks it).
// README example begin
import SplatEvaluation

final class PlantQualityTests: XCTestCase {
    func testPlantMatchesItsReference() throws {
        let scene = try TestScene(path: "Scenes/plant.splat")
        let camera = try TestScene.cameras("Scenes/plant.cameras.json")[0]
        let image = try scene.render(camera: camera, settings: RenderSettings(background: [1, 1, 1]))
        let quality = try Quality.measure(image, against: ImageFile.read("Scenes/plant.reference.png"))
        XCTAssertEqual(QualityGate(minimumPSNR: 45, maximumFLIP: 0.01).failures(of: quality), [], "\(quality)")
    }
}
// README example end

/// XCTest runs PlantQualityTests itself (from the package root, where `swift test` runs, so its
/// relative paths resolve as in a user's package); these check what it relies on.
final class ReadmeExampleTests: XCTestCase {
    func testTheExamplesPathsResolveFromThePackageRoot() {
        let root = TestPaths.repositoryRoot.standardizedFileURL.path
        XCTAssertEqual(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path, root,
                       "swift test runs from the package root, where the example's relative paths resolve")
        XCTAssertEqual(QualityGate(minimumPSNR: 99).failures(of: Quality(psnr: 64, ssim: 1, flip: 0)),
                       ["PSNR 64.0 dB is below 99.0 dB"])
        XCTAssertEqual(QualityGate(maximumFLIP: 0.01).failures(of: Quality(psnr: 64, ssim: 1, flip: 0.5)),
                       ["FLIP 0.5 is above 0.01"])
    }

    func testTheReadmeShowsThisExample() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let begin = try XCTUnwrap(source.range(of: "// README example begin\n"))
        let end = try XCTUnwrap(source.range(of: "// README example end"))
        let example = String(source[begin.upperBound..<end.lowerBound])
        let readme = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(readme.contains(example), "README.md must show the example of \(#fileID) verbatim")
    }

    func testASizeMismatchIsOneLine() {
        let a = Image(width: 4, height: 3, channels: 3, fill: 0), b = Image(width: 3, height: 3, channels: 1, fill: 0)
        XCTAssertThrowsError(try Quality.measure(a, against: b)) { error in
            XCTAssertEqual("\(error)", "the image is 4×3 but the ground truth is 3×3")
        }
        let grey = Image(width: 3, height: 3, channels: 1, fill: 0.5)
        let rgb = Image(width: 3, height: 3, channels: 4, pixels: [Float](repeating: 0.5, count: 36))
        XCTAssertEqual(try Quality.measure(grey, against: rgb).flip, 0)
    }

    /// A sequence opens to stream (frame 0 decoded, the rest as renders need them) and renders at
    /// any time exactly what the whole sequence loaded at once renders.
    func testASequenceStreamsAndRendersAsItsEagerlyLoadedFrames() throws {
        let streamed = try TestScene(path: "Scenes/dancer-frames", cacheBytes: 1 << 20)
        let eager = try SceneLoader.load(path: "Scenes/dancer-frames").scene
        XCTAssertEqual(streamed.timeRange, eager.metadata.timeRange)
        let camera = Camera.framing(eager.canonical, width: 64, height: 48)
        for t: Float in [0, 1.5, 3] {
            let image = try streamed.render(camera: camera, at: t)
            let expected = try ReferenceRasterizer().render(eager.slice(at: t), camera: camera, settings: RenderSettings()).colour
            XCTAssertEqual(image, expected, "t = \(t)")
        }
    }
}
