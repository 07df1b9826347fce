import XCTest
import SplatCore
@testable import SplatViewer

final class ViewerStateTests: XCTestCase {
    let home = Camera.lookAt(eye: [0, 0, -4], target: [0, 0, 0], up: [0, -1, 0], fovY: 50, width: 160, height: 120)!
    let side = Camera.lookAt(eye: [4, 0, 0], target: [0, 0, 0], up: [0, -1, 0], fovY: 50, width: 160, height: 120)!
    let top = Camera.lookAt(eye: [0, -4, 0.01], target: [0, 0, 0], up: [0, -1, 0], fovY: 50, width: 160, height: 120)!

    func state(wall: ManualClock, cameras: [Camera] = []) -> ViewerState {
        let timing = PlaybackTiming.forScene(timeRange: 0...2, unit: "seconds", frameRate: 30)
        return ViewerState(controller: CameraController(home: home, pivotDistance: 4, up: [0, -1, 0]),
                           clock: PlaybackClock(timing: timing, wall: wall), cameras: cameras,
                           sceneCenter: .zero, sceneRadius: 1)
    }

    func testKeysDriveTheClock() {
        let wall = ManualClock()
        var s = state(wall: wall)
        XCTAssertEqual(s.handle(.togglePlay), .none)
        XCTAssertFalse(s.clock.isPlaying)
        XCTAssertEqual(s.handle(.stepForward), .none)
        XCTAssertEqual(s.clock.tick(), 1.0 / 30, accuracy: 1e-12)
        _ = s.handle(.faster)
        _ = s.handle(.faster)
        XCTAssertEqual(s.clock.speed, 4)
        _ = s.handle(.slower)
        XCTAssertEqual(s.clock.speed, 2)
        _ = s.handle(.jumpToEnd)
        XCTAssertEqual(s.clock.tick(), 2)
        _ = s.handle(.stepBack)
        XCTAssertEqual(s.clock.tick(), 2 - 1.0 / 30, accuracy: 1e-12)
        _ = s.handle(.jumpToStart)
        XCTAssertEqual(s.clock.tick(), 0)
        _ = s.handle(.toggleLoop)
        XCTAssertFalse(s.clock.loops)
        XCTAssertEqual(s.handle(.screenshot), .screenshot)
        XCTAssertEqual(s.handle(.quit), .quit)
        XCTAssertEqual(s.handle(.help), .help)
    }

    func testListedCamerasCycleAndResetReturnsToTheCurrentOne() {
        var s = state(wall: ManualClock(), cameras: [side, top])
        _ = s.handle(.nextCamera)
        XCTAssertEqual(s.cameraIndex, 0)
        XCTAssertEqual(s.controller.camera(width: 160, height: 120), side)
        XCTAssertEqual(s.controller.distance, 4, accuracy: 1e-5)  // the scene centre's depth
        _ = s.handle(.nextCamera)
        XCTAssertEqual(s.controller.camera(width: 160, height: 120), top)
        _ = s.handle(.nextCamera)  // wraps
        XCTAssertEqual(s.cameraIndex, 0)
        _ = s.handle(.previousCamera)
        XCTAssertEqual(s.cameraIndex, 1)
        s.mouse(orbit: [30, 5], pan: [2, 2], wheel: 1, viewportHeight: 120)
        XCTAssertNotEqual(s.controller.camera(width: 160, height: 120), top)
        _ = s.handle(.resetCamera)
        XCTAssertEqual(s.controller.camera(width: 160, height: 120), top)
        // Without listed cameras N and B change nothing.
        var plain = state(wall: ManualClock())
        _ = plain.handle(.nextCamera)
        XCTAssertNil(plain.cameraIndex)
        XCTAssertEqual(plain.controller.camera(width: 160, height: 120), home)
    }

    func testFlyingUsesHeldKeys() {
        var s = state(wall: ManualClock())
        var held = HeldKeys()
        held.forward = true
        held.right = true
        XCTAssertEqual(held.move, [1, 0, 1])
        held.fast = true
        s.controller.flySpeed = 1
        s.fly(held, seconds: 0.5)
        XCTAssertEqual(s.controller.eye.x, 2, accuracy: 1e-5)
        XCTAssertEqual(s.controller.eye.z, -2, accuracy: 1e-5)
    }

    func testTitleShowsTimeSpeedRateAndVisibleGaussians() {
        let title = ViewerState.title(scene: "dancer.4d.ply", time: 0.5, range: 0...2, unit: "seconds", playing: true, speed: 0.5,
                                      loops: true, framesPerSecond: 41.25, visible: 9876, total: 11796)
        XCTAssertEqual(title, "Splat4D · dancer.4d.ply · t 0.500 / 2.000 s · playing 1/2× · 41.2 fps · 9,876 / 11,796 Gaussians visible")
        let still = ViewerState.title(scene: "plant.splat", time: nil, range: nil, unit: "seconds", playing: false, speed: 1,
                                      loops: true, framesPerSecond: nil, visible: 5, total: 1_000_000)
        XCTAssertEqual(still, "Splat4D · plant.splat · – fps · 5 / 1,000,000 Gaussians visible")
        XCTAssert(ViewerState.title(scene: "a.ply", time: 1, range: 0...2, unit: "frames", playing: false, speed: 2, loops: false,
                                    framesPerSecond: 9, idle: true, visible: 1, total: 2).contains("t 1.000 / 2.000 frames · paused 2× once · idle ·"))
        XCTAssertEqual(ViewerState.formatSpeed(16), "16")
        XCTAssertEqual(ViewerState.formatSpeed(1.0 / 16), "1/16")
    }

    func testScreenshotNamesCarryTheTimeAndNeverOverwrite() {
        var taken: Set<String> = []
        let first = ViewerState.screenshotName(scene: "/x/dancer.splatv", time: 0.25, in: "shots") { taken.contains($0) }
        XCTAssertEqual(first, "shots/dancer-t0.250.png")
        taken.insert(first)
        XCTAssertEqual(ViewerState.screenshotName(scene: "dancer.splatv", time: 0.25, in: "shots") { taken.contains($0) },
                       "shots/dancer-t0.250-2.png")
    }

    func testEveryCommandHasAKeyAndAControlsLine() {
        let text = Viewer.controlsText
        for key in ["Space", "Home / End", "P", "R", "N / B", "W A S D", "Esc"] {
            XCTAssert(text.contains(key), "controls lack \(key)")
        }
    }
}
