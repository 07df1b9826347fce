import Foundation
import SplatTestSupport
import XCTest

/// A streamed frame sequence in a real window (under Xvfb): a truncated frame mid-sequence is
/// logged once and skipped, the run ends normally, and the exit line reports the stalls.
extension ViewerWindowTests {
    func testATruncatedFrameIsSkippedInTheViewerAndTheExitLineCountsStalls() throws {
        let frames = path("frames")
        try FileManager.default.copyItem(atPath: ViewerWindowTests.scene("dancer-frames"), toPath: frames)
        let damaged = frames + "/frame_003.ply"
        let good = try Data(contentsOf: URL(fileURLWithPath: damaged))
        try good.prefix(good.count - 500).write(to: URL(fileURLWithPath: damaged))
        let view = try runViewer([frames, "--width", "64", "--height", "48", "--exit-after-frames", "150", "--cache-mb", "1"])
        XCTAssertEqual(view.status, 0, view.stderr)
        assertNoValidationMessages(view)
        let skips = view.stderr.split(separator: "\n").filter { $0.hasPrefix("splat4d: skipping frame 3: \(damaged): frame 3: ") }
        XCTAssertEqual(skips.count, 1, "logged once: \(view.stderr)")
        let line = view.stdout.split(separator: "\n").first { $0.hasPrefix("view: 150 frames") }
        XCTAssertNotNil(line, view.stdout)
        XCTAssertNotNil(line?.range(of: #", \d+ stalls? waiting for frames \(\d+\.\d\d s\)$"#, options: .regularExpression), view.stdout)
    }
}
