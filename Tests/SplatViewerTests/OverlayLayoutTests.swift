import XCTest
import SplatCore
@testable import SplatViewer

/// The overlay's layout (no GPU): positions, ticks, texts and the primitives' extent; and the
/// timeline's mouse input in ViewerState.
final class OverlayLayoutTests: XCTestCase {
    let range = 0.0...3.0

    func timeline(time: Double = 1.25, keyframes: [Double] = []) -> TimelineContent {
        TimelineContent(range: range, unit: "seconds", time: time, playing: false, speed: 0.5, loops: false, keyframes: keyframes)
    }

    func testPlayheadPositionsAndTheirInverse() {
        let layout = OverlayLayout(width: 1280, height: 720)
        XCTAssertEqual(layout.scale, 1)
        XCTAssertEqual(layout.trackStart, 10)
        XCTAssertEqual(layout.trackEnd, 1269)
        XCTAssertEqual(layout.playheadX(time: 0, range: range), 10)
        XCTAssertEqual(layout.playheadX(time: 3, range: range), 1269)
        XCTAssertEqual(layout.playheadX(time: 1.5, range: range), 10 + 630)  // 1259 / 2 = 629.5 → 630
        XCTAssertEqual(layout.playheadX(time: -1, range: range), 10, "clamped")
        XCTAssertEqual(layout.playheadX(time: 9, range: range), 1269, "clamped")
        XCTAssertEqual(layout.time(atX: 10, range: range), 0)
        XCTAssertEqual(layout.time(atX: 1269, range: range), 3)
        XCTAssertEqual(layout.time(atX: 0, range: range), 0, "clamped")
        XCTAssertEqual(layout.time(atX: 10 + 1259.0 / 3, range: range), 1, accuracy: 1e-12)
        for x in stride(from: 10, through: 1269, by: 97) {
            XCTAssertEqual(layout.playheadX(time: layout.time(atX: Double(x), range: range), range: range), x)
        }
        XCTAssertEqual(OverlayLayout(width: 1920, height: 1080).scale, 2)
        XCTAssertEqual(OverlayLayout(width: 1920, height: 1080).trackStart, 20)
    }

    func testBarHitTest() {
        let layout = OverlayLayout(width: 320, height: 240)
        XCTAssertTrue(layout.bar == (0, 214, 320, 26))
        XCTAssertEqual(layout.trackCenterY, 232)
        XCTAssertTrue(layout.isOnTimeline(x: 160, y: 230))
        XCTAssertTrue(layout.isOnTimeline(x: 0, y: 214))
        XCTAssertFalse(layout.isOnTimeline(x: 160, y: 213.9))
        XCTAssertFalse(layout.isOnTimeline(x: 160, y: 240))
    }

    func testTexts() {
        XCTAssertEqual(OverlayLayout.timeText(timeline()), "t 1.250 s  [0.000 - 3.000]")
        XCTAssertEqual(OverlayLayout.stateText(timeline()), "paused 1/2x once")
        var playing = timeline(keyframes: [0.5, 2])
        playing.playing = true
        playing.speed = 2
        playing.loops = true
        playing.unit = "frames"
        XCTAssertEqual(OverlayLayout.stateText(playing), "playing 2x  2 keyframes")
        XCTAssertEqual(OverlayLayout.timeText(playing), "t 1.250 frames  [0.000 - 3.000]")
        XCTAssertEqual(HUDContent(framesPerSecond: 59.94, visibleGaussians: 12345, totalGaussians: 1_000_000).text,
                       "59.9 fps  12,345 / 1,000,000 Gaussians visible")
        XCTAssertEqual(HUDContent(framesPerSecond: nil, visibleGaussians: 1, totalGaussians: 2, buffering: true).text,
                       "- fps  1 / 2 Gaussians visible  buffering")
        let help = OverlayLayout.helpLines
        XCTAssertEqual(help.count, ViewerState.controls.count + 1)
        XCTAssert(help.allSatisfy { $0.unicodeScalars.allSatisfy { (32...126).contains($0.value) } }, "help is ASCII")
        XCTAssert(help.contains { $0.hasPrefix("O ") }, "O is listed")
    }

    func testTimelinePrimitives() {
        let layout = OverlayLayout(width: 320, height: 240)
        let prims = layout.primitives(timeline: timeline(time: 1.5, keyframes: [0, 3]),
                                      hud: HUDContent(framesPerSecond: 30, visibleGaussians: 5, totalGaussians: 9), help: false)
        // Bar first (so everything else draws over it); the playhead last of the timeline.
        XCTAssertEqual(prims.first, .rectangle(x: 0, y: 214, width: 320, height: 26, color: OverlayLayout.barColor))
        let head = layout.playheadX(time: 1.5, range: range)
        XCTAssertEqual(head, 160)
        XCTAssert(prims.contains(.rectangle(x: head - 1, y: 232 - 6, width: 3, height: 12, color: OverlayLayout.playheadColor)))
        let ticks = prims.compactMap { p -> Int? in
            if case let .rectangle(x, _, w, _, c) = p, c == OverlayLayout.keyframeColor { return x + w / 2 }
            return nil
        }
        XCTAssertEqual(ticks, [10, 309], "keyframe ticks at the range's ends")
        XCTAssert(prims.contains(.text("t 1.500 s", x: 10, y: 217, scale: 1, color: OverlayLayout.textColor)),
                  "320 px: the range is left out so the texts do not overlap")
        let wide = OverlayLayout(width: 1280, height: 720).primitives(timeline: timeline(time: 1.5), hud: HUDContent(framesPerSecond: nil, visibleGaussians: 0, totalGaussians: 0), help: false)
        XCTAssert(wide.contains(.text("t 1.500 s  [0.000 - 3.000]", x: 10, y: 720 - 23, scale: 1, color: OverlayLayout.textColor)))
        let state = "paused 1/2x once  2 keyframes"
        XCTAssert(prims.contains(.text(state, x: 310 - state.count * 6, y: 217, scale: 1, color: OverlayLayout.textColor)),
                  "state right-aligned to the track's end")
        XCTAssert(prims.contains(.text("30.0 fps  5 / 9 Gaussians visible", x: 3, y: 3, scale: 1, color: OverlayLayout.textColor)))
        // Every primitive lies inside the window.
        for p in prims {
            let b = p.bounds
            XCTAssert(b.x >= 0 && b.y >= 0 && b.x + b.width <= 320 && b.y + b.height <= 240, "\(p) leaves the window")
        }
        // Static scenes: no bar, only the HUD; help adds a centred panel.
        let still = layout.primitives(timeline: nil, hud: HUDContent(framesPerSecond: nil, visibleGaussians: 0, totalGaussians: 0), help: false)
        XCTAssertEqual(still.count, 2)
        let withHelp = OverlayLayout(width: 1280, height: 720).primitives(timeline: nil, hud: HUDContent(framesPerSecond: nil, visibleGaussians: 0, totalGaussians: 0), help: true)
        XCTAssertEqual(withHelp.count, 2 + 1 + OverlayLayout.helpLines.count)
    }

    func testHUDNoticeAddsALineInItsOwnColour() {
        let layout = OverlayLayout(width: 640, height: 360)
        let hud = HUDContent(framesPerSecond: 12, visibleGaussians: 3, totalGaussians: 4, notice: "cannot open x.ply: bad header — 5 vertices")
        let prims = layout.primitives(timeline: nil, hud: hud, help: false)
        XCTAssertEqual(prims.count, 3)
        XCTAssertEqual(prims[2], .text("cannot open x.ply: bad header - 5 vertices", x: 3, y: 11, scale: 1, color: OverlayLayout.noticeColor))
        XCTAssertEqual(prims[0].bounds.height, 2 * 8 + 6, "the HUD's background covers both lines")
    }

    func testScrubPausesAndRestoresThePlayState() {
        let wall = ManualClock()
        let timing = PlaybackTiming.forScene(timeRange: 0...2, unit: "seconds", frameRate: 30)
        var s = ViewerState(controller: CameraController(home: Camera.lookAt(eye: [0, 0, -4], target: .zero, up: [0, -1, 0], fovY: 50,
                                                                              width: 64, height: 48)!, pivotDistance: 4, up: [0, -1, 0]),
                            clock: PlaybackClock(timing: timing, wall: wall), sceneCenter: .zero, sceneRadius: 1)
        XCTAssertTrue(s.clock.isPlaying)
        s.scrub(.begin, to: 0.5)
        XCTAssertFalse(s.clock.isPlaying, "paused while dragging")
        XCTAssertEqual(s.playingBeforeScrub, true)
        wall.advance(1)
        s.scrub(.move, to: 1.25)
        XCTAssertEqual(s.clock.tick(), 1.25)
        s.scrub(.end, to: 1.5)
        XCTAssertTrue(s.clock.isPlaying, "playing again after the release")
        XCTAssertNil(s.playingBeforeScrub)
        XCTAssertEqual(s.clock.tick(), 1.5)
        // Paused before: stays paused; a click is a press and a release.
        _ = s.handle(.togglePlay)
        s.scrub(.begin, to: 0.25)
        s.scrub(.end, to: 0.25)
        XCTAssertFalse(s.clock.isPlaying)
        XCTAssertEqual(s.clock.tick(), 0.25)
        s.stepFrames(wheel: 2)
        XCTAssertEqual(s.clock.tick(), 0.25 + 2.0 / 30, accuracy: 1e-12)
        s.stepFrames(wheel: -1)
        XCTAssertEqual(s.clock.tick(), 0.25 + 1.0 / 30, accuracy: 1e-12)
        XCTAssertTrue(s.showsOverlay)
        _ = s.handle(.toggleOverlay)
        XCTAssertFalse(s.showsOverlay)
        XCTAssertFalse(s.showsHelp)
        XCTAssertEqual(s.handle(.help), .help)
        XCTAssertTrue(s.showsHelp)
    }
}
