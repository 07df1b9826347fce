import Foundation
import SplatTestSupport
import XCTest

/// Streamed frame sequences through the command line (issue 12): info answers from the listing,
/// --cache-mb, and a damaged frame mid-sequence stopping a render that --resume then finishes.
final class StreamCLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// A copy of the bundled dancer-frames folder (8 PLY frames of 200 Gaussians).
    func copyOfDancerFrames() throws -> String {
        let copy = path("frames")
        try FileManager.default.copyItem(atPath: CLI.scene("dancer-frames"), toPath: copy)
        return copy
    }

    func testInfoOnTenThousandFramesAnswersUnderASecondAndPrintsTheCacheBudget() throws {
        let frames = path("long")
        try FileManager.default.createDirectory(atPath: frames, withIntermediateDirectories: true)
        let original = frames + "/take_1.ply"
        try FileManager.default.copyItem(atPath: CLI.scene("dancer-frames") + "/frame_000.ply", toPath: original)
        // Hard links: the listing is what is timed, not writing ten thousand files.
        for k in 2...10_000 { XCTAssertEqual(link(original, frames + "/take_\(k).ply"), 0) }
        let start = Date()
        let result = try CLI.run(["info", frames, "--cache-mb", "300"])
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(seconds, 1, "info took \(seconds) s")
        XCTAssert(result.stdout.contains("format:     ply-sequence (10000 frames of 3dgs-ply, streamed)"), result.stdout)
        XCTAssert(result.stdout.contains("time range: 0.0 ... 9999.0 (frames)"), result.stdout)
        XCTAssert(result.stdout.contains("frames:     10000, streamed through a 300 MiB frame cache (--cache-mb)"), result.stdout)
    }

    func testATruncatedFrameMidSequenceStopsTheRenderNamingItAndResumeFinishes() throws {
        let frames = try copyOfDancerFrames()
        let damaged = frames + "/frame_003.ply"
        let good = try Data(contentsOf: URL(fileURLWithPath: damaged))
        try good.prefix(good.count - 500).write(to: URL(fileURLWithPath: damaged))
        let out = path("out")
        let args = ["render", frames, "--width", "48", "--height", "36", "--backend", "cpu", "--cache-mb", "1",
                    "--frame-count", "6", "--time-range", "0:5", "--output", out + "/f_%02d.png"]
        let failed = try CLI.run(args)
        XCTAssertEqual(failed.status, 1, failed.stderr)
        let last = failed.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssert(last.hasPrefix("splat4d: error: frame 3 (t = 3.0): \(damaged): frame 3: "), failed.stderr)
        XCTAssert(last.hasSuffix("frames before it are complete, --resume continues"), failed.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["f_00.png", "f_01.png", "f_02.png"])
        // Repaired, --resume renders only the rest.
        try good.write(to: URL(fileURLWithPath: damaged))
        let resumed = try CLI.run(args + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssert(resumed.stderr.contains("wrote 3 frames (3 already on disk)"), resumed.stderr)
    }

    func testAFolderAndAPatternOfTheSameFramesRenderTheSamePicture() throws {
        let frames = try copyOfDancerFrames()
        let args = ["--width", "40", "--height", "30", "--backend", "cpu", "--time", "2.5"]
        XCTAssertEqual(try CLI.run(["render", frames, "--output", path("streamed.png"), "--cache-mb", "1"] + args).status, 0)
        // A pattern naming the same files: the same picture.
        XCTAssertEqual(try CLI.run(["render", frames + "/frame_*.ply", "--output", path("pattern.png")] + args).status, 0)
        let streamed = try Data(contentsOf: URL(fileURLWithPath: path("streamed.png")))
        XCTAssertEqual(streamed, try Data(contentsOf: URL(fileURLWithPath: path("pattern.png"))))
        XCTAssertGreaterThan(streamed.count, 100)
    }

    func testABudgetTooSmallForOneFrameSaysHowMuchIsNeeded() throws {
        let frames = path("balls")
        try FileManager.default.createDirectory(atPath: frames, withIntermediateDirectories: true)
        for k in 0..<2 {
            let made = try CLI.run(["generate", "ball", "--count", "3000", "--seed", "\(k + 1)", "--output", frames + "/ball_\(k).ply"])
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        let result = try CLI.run(["render", frames, "--output", path("x.png"), "--time", "0.5", "--cache-mb", "1",
                                  "--width", "32", "--height", "24", "--backend", "cpu"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssert(result.stderr.contains("frames 0 and 1 need 2 MiB of frame cache, more than its 1 MiB budget: raise --cache-mb to at least 2 MiB"),
                  result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.png")), "no output")
    }

    func testCacheMBMustBePositive() throws {
        let result = try CLI.run(["render", CLI.scene("dancer-frames"), "--output", path("x.png"), "--cache-mb", "0"])
        XCTAssertEqual(result.status, 64)
        XCTAssert(result.stderr.contains("--cache-mb must be a positive number of MiB"), result.stderr)
    }
}
