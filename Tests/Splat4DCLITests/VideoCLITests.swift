import Foundation
import SplatCore
import SplatPNG
import XCTest
import SplatTestSupport

/// Video output through the command line: render --output x.mp4 against the same frames as PNGs,
/// the errors (missing ffmpeg, alpha, resume, shards), Ctrl-C, and encode.
final class VideoCLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    let dancer = CLI.scene("dancer.4d.ply")
    let size = ["--width", "256", "--height", "192", "--backend", "cpu"]

    func testMP4MatchesThePNGFramesOfTheSameRender() throws {
        try VideoProbe.requireTools()
        let sequence = ["render", dancer] + size + ["--fps", "4", "--time-range", "0:1"]
        let png = try CLI.run(sequence + ["--output", path("f_%05d.png")])
        XCTAssertEqual(png.status, 0, png.stderr)
        let video = try CLI.run(sequence + ["--output", path("perf.mp4")])
        XCTAssertEqual(video.status, 0, video.stderr)
        let stream = try VideoProbe.stream(of: path("perf.mp4"))
        XCTAssertEqual(stream.frames, 5)
        XCTAssertEqual(stream.rate, "4/1")
        let decoded = try VideoProbe.frames(of: path("perf.mp4"), width: 256, height: 192)
        XCTAssertEqual(decoded.count, 5)
        for (k, frame) in decoded.enumerated() {
            let reference = try PNGFile.read(path: path(String(format: "f_%05d.png", k)))
            XCTAssertGreaterThanOrEqual(ImageMetrics.psnr(reference, frame), 35, "frame \(k)")
        }
        XCTAssertFalse(try names().contains { $0.hasPrefix(".") }, "temporary files left")
    }

    func testMissingFFmpegIsOneLineNamingThePackage() throws {
        let result = try CLI.run(["render", dancer] + size + ["--fps", "4", "--output", path("v.mp4")],
                                 environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssert(result.stderr.contains("apt-get install ffmpeg"), result.stderr)
        XCTAssertEqual(try names(), [])
    }

    func testVideoRefusalsAreOneLineEach() throws {
        try VideoProbe.requireTools()
        let base = ["render", dancer] + size + ["--fps", "4", "--output", path("v.mp4")]
        let cases: [([String], [String: String], String)] = [
            (["--resume"], [:], "--resume cannot continue a video"),
            (["--shard", "1/2"], [:], "--shard cannot split a video"),
            ([], ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"], "render-farm shards"),
            (["--alpha"], [:], "--alpha cannot be kept in a .mp4 video"),
            (["--crf", "99"], [:], "--crf must be between 0 and 63"),
        ]
        for (extra, environment, expected) in cases {
            let result = try CLI.run(base + extra, environment: environment)
            XCTAssertEqual(result.status, 64, result.stderr)
            XCTAssert(result.stderr.contains(expected), "\(extra): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            if expected.contains("shard") || expected.contains("resume") { XCTAssert(result.stderr.contains("splat4d encode"), result.stderr) }
        }
        let png = try CLI.run(["render", dancer] + size + ["--output", path("a.png"), "--crf", "20"])
        XCTAssertEqual(png.status, 64, png.stderr)
        XCTAssertEqual(try names(), [])
    }

    func testAlphaGoesIntoWebM() throws {
        try VideoProbe.requireTools()
        let result = try CLI.run(["render", dancer, "--width", "64", "--height", "48", "--backend", "cpu", "--frame-count", "2",
                                  "--alpha", "--output", path("a.webm")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try VideoProbe.stream(of: path("a.webm")).frames, 2)
    }

    func testInterruptLeavesNoPartialVideo() throws {
        try VideoProbe.requireTools()
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["render", dancer, "--width", "64", "--height", "48", "--backend", "cpu", "--frame-count", "400",
                             "--output", path("int.mp4")]
        let errURL = try makeTemporaryDirectory().appendingPathComponent("stderr.txt")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until ffmpeg has written its temporary file (frames are flowing), then Ctrl-C.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning, try names().isEmpty { usleep(10_000) }
        usleep(200_000)
        XCTAssert(process.isRunning, "the render finished before it could be interrupted")
        process.interrupt()
        process.waitUntilExit()
        try err.close()
        let stderr = try String(contentsOf: errURL, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssert(stderr.contains("the video was not written"), stderr)
        XCTAssertEqual(try names(), [], "a partial video or temporary file was left")
    }

    func testEncodeJoinsPNGFramesAndChecksThem() throws {
        try VideoProbe.requireTools()
        let render = try CLI.run(["render", dancer] + size + ["--frame-count", "3", "--output", path("f_%05d.png")])
        XCTAssertEqual(render.status, 0, render.stderr)
        let encoded = try CLI.run(["encode", path("f_%05d.png"), path("out.mp4"), "--fps", "25"])
        XCTAssertEqual(encoded.status, 0, encoded.stderr)
        let stream = try VideoProbe.stream(of: path("out.mp4"))
        XCTAssertEqual([stream.width, stream.height, stream.frames], [256, 192, 3])
        XCTAssertEqual(stream.rate, "25/1")
        let decoded = try VideoProbe.frames(of: path("out.mp4"), width: 256, height: 192)
        XCTAssertGreaterThanOrEqual(ImageMetrics.psnr(try PNGFile.read(path: path("f_00002.png")), decoded[2]), 35)

        let again = try CLI.run(["encode", path("f_%05d.png"), path("out.mp4")])
        XCTAssertEqual(again.status, 1)
        XCTAssert(again.stderr.contains("--overwrite"), again.stderr)
        // A gap in the numbering.
        try FileManager.default.copyItem(atPath: path("f_00002.png"), toPath: path("f_00004.png"))
        let gap = try CLI.run(["encode", path("f_%05d.png"), path("gap.mp4")])
        XCTAssertEqual(gap.status, 1)
        XCTAssert(gap.stderr.contains(path("f_00003.png") + ": missing"), gap.stderr)
        // A frame of another size.
        try FileManager.default.removeItem(atPath: path("f_00004.png"))
        let small = try CLI.run(["render", dancer, "--width", "32", "--height", "24", "--backend", "cpu", "--output", path("f_00003.png")])
        XCTAssertEqual(small.status, 0, small.stderr)
        let sized = try CLI.run(["encode", path("f_%05d.png"), path("sized.mp4")])
        XCTAssertEqual(sized.status, 1)
        XCTAssert(sized.stderr.contains("32×24") && sized.stderr.contains("256×192"), sized.stderr)
        XCTAssertEqual(try names().filter { $0.hasSuffix(".mp4") || $0.hasPrefix(".") }, ["out.mp4"])
    }
}
