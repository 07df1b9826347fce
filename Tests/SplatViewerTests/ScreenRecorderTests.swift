import CGLFW
import Foundation
import SplatCore
import SplatTestSupport
import XCTest
@testable import SplatViewer

/// Recording the window: the fixed-rate timing, the V key, the names of recordings; and
/// `view --record` in a real window (under Xvfb, skipped where it or ffmpeg is missing).
final class ScreenRecorderTests: XCTestCase {
    func testImagesFillTheVideoFramesUntilTheNextOneIsShown() throws {
        try VideoProbe.requireTools()
        let folder = try TestPaths.temporaryFolder(for: self).path
        let red = Image(width: 32, height: 32, channels: 3, pixels: [Float](repeating: 0, count: 32 * 32 * 3).enumerated().map { $0.offset % 3 == 0 ? 0.9 : 0.1 })
        let blue = Image(width: 32, height: 32, channels: 3, pixels: [Float](repeating: 0, count: 32 * 32 * 3).enumerated().map { $0.offset % 3 == 2 ? 0.9 : 0.1 })
        let recorder = try ScreenRecorder(path: folder + "/r.mp4", width: 32, height: 32, start: 10)
        try recorder.show(red, at: 10)
        try recorder.show(blue, at: 10.1)  // red filled 0.0 ..< 0.1 s: 3 frames at 30/s
        XCTAssertEqual(recorder.written, 3)
        XCTAssertEqual(try recorder.finish(at: 10.2), 6)
        let stream = try VideoProbe.stream(of: folder + "/r.mp4")
        XCTAssertEqual(stream.frames, 6)
        XCTAssertEqual(stream.rate, "30/1")
        let frames = try VideoProbe.frames(of: folder + "/r.mp4", width: 32, height: 32)
        for (k, frame) in frames.enumerated() {
            XCTAssertGreaterThanOrEqual(ImageMetrics.psnr(frame, k < 3 ? red : blue), 35, "frame \(k)")
        }
    }

    func testRecordingKeyAndNames() {
        XCTAssertEqual(InputRecorder.command(for: GLFW_KEY_V, mods: 0), .toggleRecording)
        let home = Camera(width: 8, height: 8, fx: 8, fy: 8, rotation: .identity, translation: .zero)
        var state = ViewerState(controller: CameraController(home: home, pivotDistance: 4, up: [0, -1, 0]),
                                clock: PlaybackClock(timing: PlaybackTiming.forScene(timeRange: 0...2, unit: "seconds", frameRate: 30), playing: false, wall: ManualClock()),
                                sceneCenter: .zero, sceneRadius: 1)
        XCTAssertEqual(state.handle(ViewerCommand.toggleRecording), ViewerState.Effect.toggleRecording)
        let taken: Set<String> = ["out/dancer-recording.mp4"]
        XCTAssertEqual(ViewerState.recordingName(scene: "/x/dancer.4d.ply", in: "out") { taken.contains($0) }, "out/dancer.4d-recording.mp4")
        XCTAssertEqual(ViewerState.recordingName(scene: "dancer.ply", in: "out") { taken.contains($0) }, "out/dancer-recording-2.mp4")
    }
}
