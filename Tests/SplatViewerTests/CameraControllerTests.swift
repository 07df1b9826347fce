import XCTest
import SplatCore
@testable import SplatViewer

final class CameraControllerTests: XCTestCase {
    /// Eye at (0, 0, −4) looking at the origin, −y up, 90° vertical field of view, 200×200:
    /// focal length 100 px; camera right = +x, down = +y, forward = +z.
    let home = Camera.lookAt(eye: [0, 0, -4], target: [0, 0, 0], up: [0, -1, 0], fovY: 90, width: 200, height: 200)!

    func controller() -> CameraController {
        CameraController(home: home, pivotDistance: 4, up: [0, -1, 0], flySpeed: 2)
    }

    func assertEqual(_ a: SIMD3<Float>, _ b: SIMD3<Float>, accuracy: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        for i in 0..<3 { XCTAssertEqual(a[i], b[i], accuracy: accuracy, "component \(i) of \(a) vs \(b)", file: file, line: line) }
    }

    /// Pixel position of a world point (pixel centres at integer coordinates, as the renderer).
    func project(_ p: SIMD3<Float>, _ c: Camera) -> SIMD2<Float> {
        let q = c.rotation * p + c.translation
        return SIMD2(c.fx * q.x / q.z + c.cx - 0.5, c.fy * q.y / q.z + c.cy - 0.5)
    }

    func testTheHomeViewIsTheStartingCameraExactly() {
        let c = controller()
        XCTAssertEqual(c.camera(width: 200, height: 200), home)
        XCTAssertTrue(c.isAtHome)
        assertEqual(c.forward, [0, 0, 1])
        assertEqual(c.right, [1, 0, 0])
        assertEqual(c.down, [0, 1, 0])
        assertEqual(c.pivot, [0, 0, 0])
        XCTAssertEqual(c.fovY, 90, accuracy: 1e-4)
        // Another window size keeps the pose and the vertical field of view.
        let wide = c.camera(width: 400, height: 100)
        XCTAssertEqual(wide.rotation, home.rotation)
        XCTAssertEqual(wide.translation, home.translation)
        XCTAssertEqual(wide.fy, 50, accuracy: 1e-4)
        XCTAssertEqual(wide.fx, 50, accuracy: 1e-4)
        XCTAssertEqual(wide.cx, 200)
        XCTAssertEqual(wide.cy, 50)
    }

    func testOrbitQuarterTurnRight() {
        var c = controller()
        c.orbitSensitivity = .pi / 200
        c.orbit(dx: 100, dy: 0)  // yaw = π/2: the eye goes round to the left (−x), still 4 from the pivot
        XCTAssertEqual(c.yaw, .pi / 2, accuracy: 1e-6)
        assertEqual(c.eye, [-4, 0, 0])
        assertEqual(c.forward, [1, 0, 0])
        assertEqual(c.right, [0, 0, -1])
        assertEqual(c.pivot, [0, 0, 0])
        XCTAssertFalse(c.isAtHome)
        let camera = c.camera(width: 200, height: 200)
        let centre = project([0, 0, 0], camera)
        XCTAssertEqual(centre.x, 99.5, accuracy: 1e-4)
        XCTAssertEqual(centre.y, 99.5, accuracy: 1e-4)
        assertEqual(camera.position, [-4, 0, 0])
    }

    func testOrbitPitchLooksDownWhenDraggingDown() {
        var c = controller()
        c.orbitSensitivity = .pi / 400
        c.orbit(dx: 0, dy: 100)  // pitch = −π/4: the eye rises (−y is up) and looks down at the pivot
        XCTAssertEqual(c.pitch, -.pi / 4, accuracy: 1e-6)
        let s = Float(2).squareRoot() / 2
        assertEqual(c.forward, [0, s, s])
        assertEqual(c.eye, [0, -4 * s, -4 * s])
        assertEqual(c.pivot, [0, 0, 0])
        // Pitch stops short of the pole.
        c.orbit(dx: 0, dy: 10_000)
        XCTAssertEqual(c.pitch, -CameraController.pitchLimit, accuracy: 1e-6)
        XCTAssertEqual(length(c.eye - c.pivot), 4, accuracy: 1e-4)
    }

    func testPanMovesTheSceneWithTheCursor() {
        var c = controller()
        c.pan(dx: 10, dy: 0, viewportHeight: 200)  // 4 units away, 100 px focal: 0.04 units per pixel
        assertEqual(c.eye, [-0.4, 0, -4])
        assertEqual(c.pivot, [-0.4, 0, 0])
        var p = project([0, 0, 0], c.camera(width: 200, height: 200))
        XCTAssertEqual(p.x, 109.5, accuracy: 1e-3)  // the origin followed the cursor 10 px right
        XCTAssertEqual(p.y, 99.5, accuracy: 1e-3)
        c.pan(dx: 0, dy: 20, viewportHeight: 200)
        assertEqual(c.eye, [-0.4, -0.8, -4])
        p = project([0, 0, 0], c.camera(width: 200, height: 200))
        XCTAssertEqual(p.y, 119.5, accuracy: 1e-3)
    }

    func testZoomScalesTheDistanceToThePivot() {
        var c = controller()
        c.zoom(notches: 1)
        XCTAssertEqual(c.distance, 3.2, accuracy: 1e-6)
        assertEqual(c.eye, [0, 0, -3.2])
        c.zoom(notches: -2)
        XCTAssertEqual(c.distance, 5, accuracy: 1e-5)
        assertEqual(c.eye, [0, 0, -5])
        c.zoom(notches: 0.5)
        XCTAssertEqual(c.distance, 5 * Float(0.8).squareRoot(), accuracy: 1e-5)
        assertEqual(c.pivot, [0, 0, 0])
        c.zoom(notches: 1000)
        XCTAssertEqual(c.distance, CameraController.minimumDistance)
    }

    func testFlyAlongViewAxesAndWorldUp() {
        var c = controller()
        c.fly(move: [0, 0, 1], seconds: 0.5)  // W: 2 units/s for ½ s
        assertEqual(c.eye, [0, 0, -3])
        c.fly(move: [1, 0, 0], seconds: 0.25)  // D
        assertEqual(c.eye, [0.5, 0, -3])
        c.fly(move: [0, 1, 0], seconds: 0.5)  // E: up is −y
        assertEqual(c.eye, [0.5, -1, -3])
        c.fly(move: [0, 0, -1], seconds: 0.25, fast: true)  // Shift+S: 4× faster
        assertEqual(c.eye, [0.5, -1, -5])
        assertEqual(c.pivot, [0.5, -1, -1])  // the pivot travels with the eye
        XCTAssertEqual(HeldKeys().move, .zero)
    }

    func testResetReturnsToTheExactHomeView() {
        var c = controller()
        c.orbit(dx: 37, dy: -12)
        c.pan(dx: 5, dy: 9, viewportHeight: 200)
        c.zoom(notches: 2)
        c.fly(move: [1, 1, 1], seconds: 0.1)
        XCTAssertNotEqual(c.camera(width: 200, height: 200), home)
        c.reset()
        XCTAssertTrue(c.isAtHome)
        XCTAssertEqual(c.camera(width: 200, height: 200), home)
        XCTAssertEqual(c.distance, 4)
    }

    func testJumpMakesAListedCameraTheNewHome() {
        var c = controller()
        let side = Camera.lookAt(eye: [3, 0, 0], target: [0, 0, 0], up: [0, -1, 0], fovY: 60, width: 200, height: 200)!
        c.jump(to: side, pivotDistance: 3)
        XCTAssertEqual(c.camera(width: 200, height: 200), side)
        assertEqual(c.pivot, [0, 0, 0])
        c.orbit(dx: 10, dy: 0)
        c.reset()
        XCTAssertEqual(c.camera(width: 200, height: 200), side)
    }

    func testAHomeCameraWithoutAnUpVectorKeepsItsOwnImageUp() {
        // A camera rolled 90°: its image-up is world +x; orbiting turns about that axis.
        let rolled = Camera.lookAt(eye: [0, 0, -4], target: [0, 0, 0], up: [1, 0, 0], fovY: 90, width: 200, height: 200)!
        var c = CameraController(home: rolled, pivotDistance: 4)
        assertEqual(c.up, [1, 0, 0])
        XCTAssertEqual(c.pitch, 0)
        c.orbitSensitivity = .pi / 200
        c.orbit(dx: 100, dy: 0)
        XCTAssertEqual(c.eye.x, 0, accuracy: 1e-5)  // turning about +x keeps x
        XCTAssertEqual(length(c.eye), 4, accuracy: 1e-5)
    }

    func testPivotDistanceFromTheSceneCentre() {
        XCTAssertEqual(CameraController.pivotDistance(for: home, center: [0.5, 0.5, 1], radius: 1), 5, accuracy: 1e-5)
        // A centre behind the camera falls back to the radius.
        XCTAssertEqual(CameraController.pivotDistance(for: home, center: [0, 0, -10], radius: 2), 2)
    }
}
