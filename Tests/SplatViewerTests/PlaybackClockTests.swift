import XCTest
@testable import SplatViewer

/// A wall clock the test moves by hand.
final class ManualClock: WallClock {
    var seconds: Double
    init(_ seconds: Double = 100) { self.seconds = seconds }
    func advance(_ dt: Double) { seconds += dt }
}

final class PlaybackClockTests: XCTestCase {
    /// 0…10 s at 1 unit per second, frames of 1/30 s.
    let tenSeconds = PlaybackTiming.forScene(timeRange: 0...10, unit: "seconds", frameRate: 30)

    func testTimingFromSceneMetadata() {
        XCTAssertEqual(tenSeconds, PlaybackTiming(range: 0...10, unitsPerSecond: 1, frameStep: 1.0 / 30))
        let seconds = PlaybackTiming.forScene(timeRange: 0...2, unit: "seconds", frameRate: nil)
        XCTAssertEqual(seconds.frameStep, 1.0 / 30)  // 30 frames/s when the file names none
        let frames = PlaybackTiming.forScene(timeRange: 0...7, unit: "frames", frameRate: nil)
        XCTAssertEqual(frames.unitsPerSecond, 30)
        XCTAssertEqual(frames.frameStep, 1)
        let frames24 = PlaybackTiming.forScene(timeRange: 0...7, unit: "frames", frameRate: 24)
        XCTAssertEqual(frames24.unitsPerSecond, 24)
        let segment = PlaybackTiming.forScene(timeRange: 0...1, unit: "segment", frameRate: nil, segmentDuration: 2)
        XCTAssertEqual(segment.unitsPerSecond, 0.5)
        XCTAssertEqual(segment.frameStep, 0.5 / 30)
        XCTAssertNil(PlaybackTiming.forScene(timeRange: nil, unit: "seconds", frameRate: nil).range)
    }

    func testPlaybackFollowsTheWallClock() {
        let wall = ManualClock()
        var clock = PlaybackClock(timing: tenSeconds, wall: wall)
        XCTAssertEqual(clock.tick(), 0)
        wall.advance(2.5)
        XCTAssertEqual(clock.tick(), 2.5)
        wall.advance(7.5)
        XCTAssertEqual(clock.tick(), 10)  // a 10-second performance ends after 10 wall seconds
        wall.advance(0.5)
        XCTAssertEqual(clock.tick(), 0.5)  // then loops
        wall.advance(20)
        XCTAssertEqual(clock.tick(), 0.5, accuracy: 1e-12)
    }

    func testTimeDoesNotDependOnHowOftenItIsSampled() {
        let wall = ManualClock()
        var often = PlaybackClock(timing: tenSeconds, wall: wall)
        var rarely = PlaybackClock(timing: tenSeconds, wall: wall)
        // 1000 frames at an irregular rate (between 2 and 19 ms) against one sample at the end.
        var elapsed = 0.0
        for i in 0..<1000 {
            let dt = 0.002 + Double((i * 7919) % 18) / 1000
            wall.advance(dt)
            elapsed += dt
            _ = often.tick()
        }
        let expected = elapsed.truncatingRemainder(dividingBy: 10)
        XCTAssertEqual(often.tick(), expected, accuracy: 1e-9)
        XCTAssertEqual(rarely.tick(), often.tick())
    }

    func testPauseAndResume() {
        let wall = ManualClock()
        var clock = PlaybackClock(timing: tenSeconds, wall: wall)
        wall.advance(3)
        clock.pause()
        XCTAssertFalse(clock.isPlaying)
        wall.advance(5)
        XCTAssertEqual(clock.tick(), 3)
        clock.togglePlaying()
        XCTAssertTrue(clock.isPlaying)
        wall.advance(1)
        XCTAssertEqual(clock.tick(), 4)
    }

    func testStartPausedAtAGivenTime() {
        let wall = ManualClock()
        var clock = PlaybackClock(timing: tenSeconds, start: 0.5, playing: false, wall: wall)
        wall.advance(3)
        XCTAssertEqual(clock.tick(), 0.5)
        XCTAssertFalse(clock.isPlaying)
        // Out-of-range starts are clamped.
        var late = PlaybackClock(timing: tenSeconds, start: 12, playing: false, wall: wall)
        XCTAssertEqual(late.tick(), 10)
    }

    func testSpeedChangesKeepTimeContinuous() {
        let wall = ManualClock()
        var clock = PlaybackClock(timing: tenSeconds, wall: wall)
        wall.advance(2)
        clock.faster()
        XCTAssertEqual(clock.speed, 2)
        XCTAssertEqual(clock.tick(), 2)
        wall.advance(1)
        XCTAssertEqual(clock.tick(), 4)  // 2 + 1 s at 2×
        clock.slower()
        clock.slower()
        XCTAssertEqual(clock.speed, 0.5)
        wall.advance(2)
        XCTAssertEqual(clock.tick(), 5)  // 4 + 2 s at ½×
        for _ in 0..<10 { clock.faster() }
        XCTAssertEqual(clock.speed, PlaybackClock.maximumSpeed)
        for _ in 0..<20 { clock.slower() }
        XCTAssertEqual(clock.speed, PlaybackClock.minimumSpeed)
    }

    func testWithoutLoopingItStopsAtTheEnd() {
        let wall = ManualClock()
        var clock = PlaybackClock(timing: tenSeconds, wall: wall)
        clock.loops = false
        wall.advance(12)
        XCTAssertEqual(clock.tick(), 10)
        XCTAssertFalse(clock.isPlaying)
        wall.advance(5)
        XCTAssertEqual(clock.tick(), 10)
        clock.play()  // from the end: starts over
        wall.advance(1)
        XCTAssertEqual(clock.tick(), 1)
    }

    func testLoopingWrapsAtAnyRangeAndSpeed() {
        let wall = ManualClock()
        let timing = PlaybackTiming(range: 2...4, unitsPerSecond: 1, frameStep: 0.1)
        var clock = PlaybackClock(timing: timing, wall: wall)
        clock.faster()  // 2×
        wall.advance(1.25)
        XCTAssertEqual(clock.tick(), 2 + 2.5 - 2)  // 2 + 2.5 = 4.5 → wraps to 2.5
    }

    func testFrameSteppingPausesAndClamps() {
        let wall = ManualClock()
        var clock = PlaybackClock(timing: tenSeconds, start: 0.5, playing: true, wall: wall)
        wall.advance(0.25)
        clock.step(frames: 1)
        XCTAssertFalse(clock.isPlaying)
        XCTAssertEqual(clock.tick(), 0.75 + 1.0 / 30, accuracy: 1e-12)
        clock.step(frames: -2)
        XCTAssertEqual(clock.tick(), 0.75 - 1.0 / 30, accuracy: 1e-12)
        clock.step(frames: -1000)
        XCTAssertEqual(clock.tick(), 0)
        clock.step(frames: 1_000_000)
        XCTAssertEqual(clock.tick(), 10)
    }

    func testJumpToStartAndEndKeepPlayState() {
        let wall = ManualClock()
        var clock = PlaybackClock(timing: tenSeconds, start: 4, playing: false, wall: wall)
        clock.jumpToEnd()
        XCTAssertEqual(clock.tick(), 10)
        XCTAssertFalse(clock.isPlaying)
        clock.jumpToStart()
        XCTAssertEqual(clock.tick(), 0)
        clock.play()
        wall.advance(1)
        clock.jumpToStart()
        XCTAssertEqual(clock.tick(), 0)
        XCTAssertTrue(clock.isPlaying)
        wall.advance(0.5)
        XCTAssertEqual(clock.tick(), 0.5)
    }

    func testStaticScenesStayAtZero() {
        let wall = ManualClock()
        var clock = PlaybackClock(timing: PlaybackTiming(range: nil, unitsPerSecond: 1, frameStep: 1), wall: wall)
        XCTAssertFalse(clock.isPlaying)
        clock.play()
        wall.advance(3)
        XCTAssertEqual(clock.tick(), 0)
        clock.step(frames: 2)
        XCTAssertEqual(clock.tick(), 0)
    }
}
