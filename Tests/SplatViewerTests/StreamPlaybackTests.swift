import SplatCore
import XCTest
@testable import SplatViewer

/// What the viewer draws while a streamed sequence's frames arrive: the last ready frame, a
/// paused clock that resumes by itself, counted stalls, bad frames logged once and skipped.
final class StreamPlaybackTests: XCTestCase {
    struct Damaged: Error, CustomStringConvertible { var description: String { "f_3.ply: frame 3: truncated" } }

    func testBufferingKeepsTheLastReadyTimePausesTheClockAndResumesWhenTheFramesArrive() {
        let wall = ManualClock()
        var clock = PlaybackClock(timing: PlaybackTiming.forScene(timeRange: 0...10, unit: "frames", frameRate: nil), wall: wall)
        var summary = ViewerSummary()
        var playback = StreamPlayback()
        var logged: [String] = []
        XCTAssertEqual(playback.time(for: 1, readiness: .ready, now: 0, clock: &clock, summary: &summary, log: { logged.append($0) }), 1)
        XCTAssertNil(playback.status)
        // Frame 2 is not decoded: frame 1 stays, the clock stops, a stall begins.
        XCTAssertEqual(playback.time(for: 2, readiness: .buffering, now: 1, clock: &clock, summary: &summary, log: { logged.append($0) }), 1)
        XCTAssertEqual(playback.status, "buffering")
        XCTAssertFalse(clock.isPlaying)
        XCTAssertEqual(playback.time(for: 2, readiness: .buffering, now: 1.2, clock: &clock, summary: &summary, log: { logged.append($0) }), 1)
        XCTAssertEqual(summary.stalls, 1, "one stall, however many frames it lasts")
        // It arrives: drawn, play resumes by itself, the stall's time is counted.
        XCTAssertEqual(playback.time(for: 2, readiness: .ready, now: 1.5, clock: &clock, summary: &summary, log: { logged.append($0) }), 2)
        XCTAssertTrue(clock.isPlaying)
        XCTAssertNil(playback.status)
        XCTAssertEqual(summary.stallSeconds, 0.5, accuracy: 1e-9)
        XCTAssertEqual(logged, [])
    }

    func testAPausedClockStaysPausedAfterAJumpIsLoaded() {
        var clock = PlaybackClock(timing: PlaybackTiming.forScene(timeRange: 0...10, unit: "frames", frameRate: nil),
                                  start: 1, playing: false, wall: ManualClock())
        var summary = ViewerSummary()
        var playback = StreamPlayback()
        _ = playback.time(for: 1, readiness: .ready, now: 0, clock: &clock, summary: &summary, log: { _ in })
        XCTAssertEqual(playback.time(for: 8, readiness: .buffering, now: 1, clock: &clock, summary: &summary, log: { _ in }), 1,
                       "a jump shows the old frame until the target is loaded")
        XCTAssertEqual(playback.time(for: 8, readiness: .ready, now: 2, clock: &clock, summary: &summary, log: { _ in }), 8)
        XCTAssertFalse(clock.isPlaying)
    }

    func testABadFrameIsLoggedOnceAndSkippedWhileTheClockMovesOn() {
        var clock = PlaybackClock(timing: PlaybackTiming.forScene(timeRange: 0...10, unit: "frames", frameRate: nil), wall: ManualClock())
        var summary = ViewerSummary()
        var playback = StreamPlayback()
        var logged: [String] = []
        _ = playback.time(for: 2, readiness: .ready, now: 0, clock: &clock, summary: &summary, log: { logged.append($0) })
        for t in [3.0, 3.2, 3.5] {
            XCTAssertEqual(playback.time(for: t, readiness: .failed(index: 3, error: Damaged()), now: t, clock: &clock,
                                         summary: &summary, log: { logged.append($0) }), 2, "the last good frame stays")
        }
        XCTAssertEqual(logged, ["skipping frame 3: f_3.ply: frame 3: truncated"])
        XCTAssertEqual(playback.status, "frame 3 unreadable")
        XCTAssertTrue(clock.isPlaying)
        XCTAssertEqual(summary.stalls, 0)
        XCTAssertEqual(playback.time(for: 4, readiness: .ready, now: 4, clock: &clock, summary: &summary, log: { logged.append($0) }), 4)
        XCTAssertNil(playback.status)
    }

    /// The first frames are read while the renderer waits (buffering before anything was ready):
    /// that time is shown, so a bad frame the clock reaches before the reader was ever ahead
    /// falls back to it, not to the bad frame's own time (which the renderer cannot read).
    func testABadFrameBeforeAnyReadyFrameFallsBackToTheFirstShownTime() {
        var clock = PlaybackClock(timing: PlaybackTiming.forScene(timeRange: 0...10, unit: "frames", frameRate: nil), wall: ManualClock())
        var summary = ViewerSummary()
        var playback = StreamPlayback()
        var logged: [String] = []
        XCTAssertEqual(playback.time(for: 0.5, readiness: .buffering, now: 0, clock: &clock, summary: &summary,
                                     log: { logged.append($0) }), 0.5, "nothing drawn yet: read while the renderer waits")
        XCTAssertEqual(summary.stalls, 0)
        XCTAssertEqual(playback.time(for: 3, readiness: .failed(index: 3, error: Damaged()), now: 3, clock: &clock,
                                     summary: &summary, log: { logged.append($0) }), 0.5)
        XCTAssertEqual(logged, ["skipping frame 3: f_3.ply: frame 3: truncated"])
        XCTAssertEqual(playback.time(for: 3.5, readiness: .buffering, now: 3.5, clock: &clock, summary: &summary,
                                     log: { logged.append($0) }), 0.5, "later buffering shows the first time, as a stall")
        XCTAssertEqual(summary.stalls, 1)
    }

    func testTheTitleShowsTheStatusAndTheExitLineTheStalls() {
        let title = ViewerState.title(scene: "take", time: 2, range: 0...10, unit: "frames", playing: false, speed: 1, loops: true,
                                      framesPerSecond: nil, visible: 5, total: 9, status: "buffering")
        XCTAssertTrue(title.hasSuffix(" · 5 / 9 Gaussians visible · buffering"), title)
        var summary = ViewerSummary()
        XCTAssertFalse(summary.line.contains("stall"))
        summary.streamed = true
        summary.stalls = 2
        summary.stallSeconds = 0.25
        XCTAssertTrue(summary.line.hasSuffix(", 2 stalls waiting for frames (0.25 s)"), summary.line)
    }
}
