import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats

/// Keyframed camera paths (Catmull-Rom positions, slerp orientations, linear fov) and orbits.
final class CameraPathTests: XCTestCase {
    func parse(_ json: String, width: Int = 64, height: Int = 48) throws -> CameraKeyframes {
        try CameraKeyframes.parse(Data(json.utf8), path: "path.json", width: width, height: height)
    }

    func assertClose(_ a: SIMD3<Float>, _ b: SIMD3<Float>, _ tolerance: Float = 1e-5, _ message: String = "",
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(length(a - b), tolerance, "\(a) vs \(b) \(message)", file: file, line: line)
    }

    func assertClose(_ a: Mat3, _ b: Mat3, _ tolerance: Float = 1e-5, _ message: String = "",
                     file: StaticString = #filePath, line: UInt = #line) {
        for (x, y) in [(a.r0, b.r0), (a.r1, b.r1), (a.r2, b.r2)] {
            XCTAssertLessThanOrEqual(length(x - y), tolerance, "\(a) vs \(b) \(message)", file: file, line: line)
        }
    }

    /// Rotation by `degrees` about world +y, as rows.
    func rotationY(_ degrees: Float) -> Mat3 {
        let a = degrees * .pi / 180
        return Mat3(rows: [cos(a), 0, sin(a)], [0, 1, 0], [-sin(a), 0, cos(a)])
    }

    /// The camera-to-world rotation of a camera (its axes as columns).
    func cameraToWorld(_ c: Camera) -> Mat3 { c.rotation.transposed }

    // MARK: Interpolation

    func testCatmullRomPassesThroughTheKeyframes() throws {
        let p: [SIMD3<Float>] = [[0, 0, -4], [1, 2, -3], [3, -1, 0.5], [2, 0.25, 4], [-1, 1, 2]]
        for i in 1..<(p.count - 2) {
            XCTAssertEqual(CameraKeyframes.catmullRom(p[i - 1], p[i], p[i + 1], p[i + 2], 0), p[i])
            assertClose(CameraKeyframes.catmullRom(p[i - 1], p[i], p[i + 1], p[i + 2], 1), p[i + 1])
        }
        let keys = p.enumerated().map { i, position in
            "{\"time\": \(Double(i) * 0.75), \"position\": [\(position.x), \(position.y), \(position.z)], \"look_at\": [0.1, 0.2, 0.3]}"
        }
        let path = try parse("[" + keys.joined(separator: ",") + "]")
        XCTAssertEqual(path.keys.count, 5)
        XCTAssertEqual(path.timeRange, 0...3)
        for (i, position) in p.enumerated() {
            let camera = path.camera(at: Float(i) * 0.75)
            assertClose(camera.position, position, 1e-4, "key \(i)")
            // At a key, the camera looks at the key's target.
            let forward = camera.rotation.r2
            assertClose(forward, normalize(SIMD3<Float>(0.1, 0.2, 0.3) - position), 1e-5, "key \(i)")
        }
    }

    func testMidpointOfAStraightEvenlySpacedPathIsTheStraightLineMidpoint() throws {
        // Inner segment of four collinear, evenly spaced keys: the spline is the line.
        let a: SIMD3<Float> = [0, 0, -4], d: SIMD3<Float> = [1, 0.5, 0.25]
        XCTAssertEqual(CameraKeyframes.catmullRom(a, a + d, a + 2 * d, a + 3 * d, 0.5), a + 1.5 * d)
        let path = try parse("""
        {"keyframes": [
          {"time": 0, "position": [0, 0, -4], "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]},
          {"time": 1, "position": [1, 0, -4], "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]},
          {"time": 2, "position": [2, 0, -4], "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]},
          {"time": 3, "position": [3, 0, -4], "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}]}
        """)
        assertClose(path.camera(at: 1.5).position, [1.5, 0, -4])
        assertClose(path.camera(at: 1.25).position, [1.25, 0, -4])
        // Two keys: the midpoint by symmetry.
        let two = try parse("""
        [{"time": 0, "position": [0, 0, -4], "look_at": [0, 0, 0]}, {"time": 2, "position": [2, 0, -4], "look_at": [2, 0, 0]}]
        """)
        assertClose(two.camera(at: 1).position, [1, 0, -4])
    }

    /// Found while writing these tests: the end segments duplicate the end keys as their outer
    /// neighbours (p0 = p1, p3 = p2), so a straight, evenly spaced path slows down near its ends:
    /// with keys at x = 0, 1, 2, 3 the camera at t = 0.5 is at x = 0.4375, not 0.5 (and at
    /// t = 2.5 at 2.5625). Phantom end points p0 = 2·p1 − p2 and p3 = 2·p2 − p1 keep lines straight.
    func testRegression_EndSegmentsOfAStraightEvenlySpacedPathAreNotLinear() throws {
        let path = try parse("""
        [{"time": 0, "position": [0, 0, -4], "look_at": [0, 0, 0]}, {"time": 1, "position": [1, 0, -4], "look_at": [1, 0, 0]},
         {"time": 2, "position": [2, 0, -4], "look_at": [2, 0, 0]}, {"time": 3, "position": [3, 0, -4], "look_at": [3, 0, 0]}]
        """)
        let first = path.camera(at: 0.5).position, last = path.camera(at: 2.5).position
        if abs(first.x - 0.5) > 1e-4 || abs(last.x - 2.5) > 1e-4 {
            return XCTFail("bug: CameraKeyframes.camera(at:) (Sources/SplatCore/CameraPath.swift:89) clamps the "
                + "neighbour keys of the end segments; the midpoint of the first segment of a straight, evenly spaced "
                + "path is x = \(first.x) (expected 0.5), of the last \(last.x) (expected 2.5)")
        }
        assertClose(first, [0.5, 0, -4], 1e-4)
        assertClose(last, [2.5, 0, -4], 1e-4)
    }

    func testSlerpMidpointOfTwoOrientations() throws {
        // 90° about y → 45° at the middle.
        let q0 = Mat3.identity.quaternion, q1 = rotationY(90).quaternion
        let mid = slerp(q0, q1, 0.5)
        let half = Float(22.5 * Double.pi / 180)
        XCTAssertEqual(mid.x, cos(half), accuracy: 1e-6)
        XCTAssertEqual(mid.y, 0, accuracy: 1e-6)
        XCTAssertEqual(mid.z, sin(half), accuracy: 1e-6)
        XCTAssertEqual(mid.w, 0, accuracy: 1e-6)
        assertClose(Mat3.rotation(quaternionWXYZ: mid), rotationY(45))

        let r = rotationY(90)
        let path = try parse("""
        [{"time": 0, "position": [0, 0, -4], "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]},
         {"time": 2, "position": [0, 0, -4], "rotation": [[\(r.r0.x), \(r.r0.y), \(r.r0.z)], [\(r.r1.x), \(r.r1.y), \(r.r1.z)],
                                                        [\(r.r2.x), \(r.r2.y), \(r.r2.z)]]}]
        """)
        assertClose(cameraToWorld(path.camera(at: 0)), .identity)
        assertClose(cameraToWorld(path.camera(at: 1)), rotationY(45))
        assertClose(cameraToWorld(path.camera(at: 0.5)), rotationY(22.5))
        assertClose(cameraToWorld(path.camera(at: 2)), rotationY(90))
        // The position holds still between equal keys.
        assertClose(path.camera(at: 1).position, [0, 0, -4])
    }

    func testFieldOfViewIsLinearAndCarriesOver() throws {
        let path = try parse("""
        [{"time": 0, "position": [0, 0, -4], "look_at": [0, 0, 0], "fov_y": 30},
         {"time": 1, "position": [0, 0, -4], "look_at": [0, 0, 0], "fov_y": 70},
         {"time": 2, "position": [0, 0, -4], "look_at": [0, 0, 0]}]
        """, width: 64, height: 48)
        func fov(_ c: Camera) -> Float { 2 * atan(Float(c.height) / (2 * c.fy)) * 180 / .pi }
        XCTAssertEqual(fov(path.camera(at: 0)), 30, accuracy: 1e-3)
        XCTAssertEqual(fov(path.camera(at: 0.5)), 50, accuracy: 1e-3)
        XCTAssertEqual(fov(path.camera(at: 0.25)), 40, accuracy: 1e-3)
        XCTAssertEqual(fov(path.camera(at: 1)), 70, accuracy: 1e-3)
        XCTAssertEqual(fov(path.camera(at: 1.5)), 70, accuracy: 1e-3)  // the third key keeps the second's 70
        let c = path.camera(at: 0.5)
        XCTAssertEqual(c.fy, Camera.focalLength(fovYDegrees: 50, height: 48), accuracy: 1e-3)
        XCTAssertEqual(c.fx, c.fy)
        XCTAssertEqual(c.width, 64)
        XCTAssertEqual(c.height, 48)
        XCTAssertEqual(c.cx, 32)
        XCTAssertEqual(c.cy, 24)
        // No fov_y at all: 50.
        let plain = try parse("[{\"time\": 0, \"position\": [0, 0, -4], \"look_at\": [0, 0, 0]}]")
        XCTAssertEqual(fov(plain.camera(at: 0)), 50, accuracy: 1e-3)
    }

    func testTimesOutsideTheKeysHoldTheEndKeys() throws {
        let path = try parse("""
        [{"time": 2, "position": [3, 0, -3], "look_at": [0, 0, 0], "fov_y": 60},
         {"time": 1, "position": [0, 0, -4], "look_at": [0, 0, 0], "fov_y": 40}]
        """)
        XCTAssertEqual(path.keys.map(\.time), [1, 2])  // sorted by time
        XCTAssertEqual(path.camera(at: -5), path.camera(at: 1))
        XCTAssertEqual(path.camera(at: 0.999), path.camera(at: 1))
        XCTAssertEqual(path.camera(at: 7), path.camera(at: 2))
        XCTAssertEqual(path.camera(at: .infinity), path.camera(at: 2))
        assertClose(path.camera(at: -5).position, [0, 0, -4])
        assertClose(path.camera(at: 7).position, [3, 0, -3])
        // A single key is a fixed camera.
        let one = try parse("[{\"time\": 0.5, \"position\": [0, 0, -4], \"look_at\": [0, 0, 0]}]")
        XCTAssertEqual(one.camera(at: 0), one.camera(at: 10))
        XCTAssertEqual(one.timeRange, 0.5...0.5)
    }

    func testLookAtAndRotationKeysAgree() throws {
        // From +x looking at the origin with −y up: camera x = world +z, y = world +y (down), z = world −x.
        let lookAt = try parse("[{\"time\": 0, \"position\": [4, 0, 0], \"look_at\": [0, 0, 0]}]")
        let rotation = try parse("[{\"time\": 0, \"position\": [4, 0, 0], \"rotation\": [[0, 0, -1], [0, 1, 0], [1, 0, 0]]}]")
        let a = lookAt.camera(at: 0), b = rotation.camera(at: 0)
        assertClose(a.rotation.r0, b.rotation.r0)
        assertClose(a.rotation.r1, b.rotation.r1)
        assertClose(a.rotation.r2, b.rotation.r2)
        assertClose(a.position, b.position)
        assertClose(a.translation, b.translation)
        assertClose(a.rotation.r2, [-1, 0, 0])
        // Camera.lookAt and the key agree too.
        let reference = Camera.lookAt(eye: [4, 0, 0], target: [0, 0, 0], up: [0, -1, 0], fovY: 50, width: 64, height: 48)!
        assertClose(a.rotation, reference.rotation)
        XCTAssertEqual(a.fy, reference.fy, accuracy: 1e-4)
        // A custom up: +y up flips the image's vertical and horizontal axes.
        let yUp = try parse("{\"up\": [0, 1, 0], \"keyframes\": [{\"time\": 0, \"position\": [4, 0, 0], \"look_at\": [0, 0, 0]}]}")
        let c = yUp.camera(at: 0)
        assertClose(c.rotation.r2, [-1, 0, 0])
        assertClose(c.rotation.r1, [0, -1, 0])
        assertClose(c.rotation.r0, [0, 0, -1])
    }

    func testParseErrors() {
        let cases: [(String, String)] = [
            ("nope", "path.json: not valid JSON"),
            ("{\"frames\": []}", "path.json: expected a 'keyframes' list"),
            ("[]", "path.json: the path has no keyframes"),
            ("{\"keyframes\": []}", "path.json: the path has no keyframes"),
            ("[1]", "path.json: keyframe 0: expected an object"),
            ("[{\"position\": [0, 0, 0], \"look_at\": [0, 0, 1]}]", "path.json: keyframe 0: missing key 'time'"),
            ("[{\"time\": \"a\", \"position\": [0, 0, 0], \"look_at\": [0, 0, 1]}]", "path.json: keyframe 0: 'time' must be a finite number"),
            ("[{\"time\": true, \"position\": [0, 0, 0], \"look_at\": [0, 0, 1]}]", "path.json: keyframe 0: 'time' must be a finite number"),
            ("[{\"time\": 0, \"look_at\": [0, 0, 1]}]", "path.json: keyframe 0: missing key 'position'"),
            ("[{\"time\": 0, \"position\": [0, 0], \"look_at\": [0, 0, 1]}]", "path.json: keyframe 0: 'position' must be a list of 3 numbers"),
            ("[{\"time\": 0, \"position\": [0, \"x\", 0], \"look_at\": [0, 0, 1]}]", "path.json: keyframe 0: 'position' must be a finite number"),
            ("[{\"time\": 0, \"position\": [0, 0, 0]}]", "path.json: keyframe 0: needs 'look_at', 'rotation' or 'orientation'"),
            ("[{\"time\": 0, \"position\": [0, 0, 0], \"look_at\": [0, 0, 0]}]",
             "path.json: keyframe 0: 'look_at' must differ from 'position' and not lie along 'up'"),
            ("[{\"time\": 0, \"position\": [0, 0, 0], \"look_at\": [0, -2, 0]}]",
             "path.json: keyframe 0: 'look_at' must differ from 'position' and not lie along 'up'"),
            ("[{\"time\": 0, \"position\": [0, 0, 0], \"rotation\": [[1, 0, 0], [0, 1, 0]]}]",
             "path.json: keyframe 0: 'rotation' must be a 3×3 list"),
            ("[{\"time\": 0, \"position\": [0, 0, 0], \"rotation\": [[1, 0, 0], [0, 1, 0], [0, 1]]}]",
             "path.json: keyframe 0: 'rotation' must be a list of 3 numbers"),
            ("[{\"time\": 0, \"position\": [0, 0, 0], \"look_at\": [0, 0, 1], \"fov_y\": 0}]",
             "path.json: keyframe 0: 'fov_y' must lie strictly between 0 and 180"),
            ("[{\"time\": 0, \"position\": [0, 0, 0], \"look_at\": [0, 0, 1], \"fov_y\": 180}]",
             "path.json: keyframe 0: 'fov_y' must lie strictly between 0 and 180"),
            ("[{\"time\": 0, \"position\": [0, 0, 0], \"look_at\": [0, 0, 1]}, {\"time\": 1, \"position\": [0, 0, 0]}]",
             "path.json: keyframe 1: needs 'look_at', 'rotation' or 'orientation'"),
            ("[{\"time\": 1, \"position\": [0, 0, 0], \"look_at\": [0, 0, 1]}, {\"time\": 1, \"position\": [1, 0, 0], \"look_at\": [0, 0, 1]}]",
             "path.json: two keyframes share a time"),
            ("{\"up\": [0, 1], \"keyframes\": [{\"time\": 0, \"position\": [0, 0, 0], \"look_at\": [0, 0, 1]}]}",
             "path.json: 'up' must be a list of 3 numbers"),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try parse(json), json) { error in
                XCTAssertEqual((error as? SceneFileError)?.description, expected, json)
            }
        }
        XCTAssertThrowsError(try CameraKeyframes.load(path: "/nonexistent/path.json", width: 8, height: 8)) { error in
            XCTAssertEqual((error as? SceneFileError)?.description, "/nonexistent/path.json: no such file")
        }
    }

    // MARK: Orbits

    func testOrbitLooksAtTheCentreFromTheRadiusAtEveryFraction() {
        let center: SIMD3<Float> = [1, 2, 3]
        let orbit = Orbit(center: center, radius: 5, elevationDegrees: 20, revolutions: 1, fovY: 40, width: 64, height: 48)
        let elevation = Float(20 * Double.pi / 180)
        for step in 0..<16 {
            let u = Float(step) / 16
            let c = orbit.camera(at: u)
            XCTAssertEqual(length(c.position - center), 5, accuracy: 1e-4, "u=\(u)")
            assertClose(c.rotation.r2, normalize(center - c.position), 1e-5, "u=\(u)")
            // Above the centre with −y up: y is smaller by r·sin(elevation) at every fraction.
            XCTAssertEqual(c.position.y - center.y, -5 * sin(elevation), accuracy: 1e-4, "u=\(u)")
            // Image down is world +y-ish (−y is up), and the image's horizontal axis is level.
            XCTAssertGreaterThan(c.rotation.r1.y, 0, "u=\(u)")
            XCTAssertEqual(c.rotation.r0.y, 0, accuracy: 1e-5, "u=\(u)")
            XCTAssertEqual(c.width, 64)
            XCTAssertEqual(c.fy, Camera.focalLength(fovYDegrees: 40, height: 48), accuracy: 1e-4)
            // The centre projects to the principal point.
            let p = c.rotation * center + c.translation
            XCTAssertEqual(c.fx * p.x / p.z, 0, accuracy: 1e-3)
            XCTAssertEqual(c.fy * p.y / p.z, 0, accuracy: 1e-3)
            XCTAssertGreaterThan(p.z, 0)
        }
        // u = 0 starts in front at −z (like the automatic view); a quarter turn goes to +x.
        assertClose(orbit.camera(at: 0).position, center + 5 * SIMD3(0, -sin(elevation), -cos(elevation)), 1e-4)
        assertClose(orbit.camera(at: 0.25).position, center + 5 * SIMD3(cos(elevation), -sin(elevation), 0), 1e-4)
        // Negative elevation goes below the centre (+y).
        var below = orbit
        below.elevationDegrees = -30
        XCTAssertEqual(below.camera(at: 0.3).position.y - center.y, 5 * sin(Float.pi / 6), accuracy: 1e-4)
    }

    func testOrbitRepeatsEveryRevolution() {
        let orbit = Orbit(center: [0, 0, 0], radius: 3, elevationDegrees: 15, revolutions: 1, width: 32, height: 32)
        for u: Float in [0, 0.1, 0.25, 0.5, 0.9] {
            let a = orbit.camera(at: u), b = orbit.camera(at: u + 1)
            assertClose(a.position, b.position, 1e-4, "u=\(u)")
            assertClose(a.rotation, b.rotation, 1e-4, "u=\(u)")
        }
        // Two revolutions over the sequence: halfway is back at the start.
        let twice = Orbit(center: [0, 0, 0], radius: 3, elevationDegrees: 15, revolutions: 2, width: 32, height: 32)
        assertClose(twice.camera(at: 0.5).position, twice.camera(at: 0).position, 1e-4)
        assertClose(twice.camera(at: 0.25).position, orbit.camera(at: 0.5).position, 1e-4)
        // Straight over the pole (elevation 90) still gives a camera.
        let top = Orbit(center: [0, 0, 0], radius: 3, elevationDegrees: 90, width: 32, height: 32).camera(at: 0)
        assertClose(top.position, [0, -3, 0], 1e-4)
        assertClose(top.rotation.r2, [0, 1, 0], 1e-4)
    }

    func testCameraPathDispatch() throws {
        let fixed = Camera.lookAt(eye: [0, 0, -4], target: [0, 0, 0], up: [0, -1, 0], fovY: 50, width: 32, height: 32)!
        XCTAssertEqual(CameraPath.fixed(fixed).camera(atTime: 3, fraction: 0.7), fixed)
        let orbit = Orbit(center: [0, 0, 0], radius: 3, width: 32, height: 32)
        // Orbits turn with the frame fraction, not the scene time.
        XCTAssertEqual(CameraPath.orbit(orbit).camera(atTime: 0, fraction: 0.3), orbit.camera(at: 0.3))
        XCTAssertEqual(CameraPath.orbit(orbit).camera(atTime: 5, fraction: 0.3), orbit.camera(at: 0.3))
        // Paths follow scene time, not the fraction.
        let path = try parse("[{\"time\": 0, \"position\": [0, 0, -4], \"look_at\": [0, 0, 0]}, {\"time\": 1, \"position\": [4, 0, 0], \"look_at\": [0, 0, 0]}]")
        XCTAssertEqual(CameraPath.keyframed(path).camera(atTime: 0.5, fraction: 0), path.camera(at: 0.5))
        XCTAssertEqual(CameraPath.keyframed(path).camera(atTime: 0.5, fraction: 0.9), path.camera(at: 0.5))
    }

    func testOrbitFramingMatchesTheAutomaticView() {
        var builder = SplatCloudBuilder()
        for p: SIMD3<Float> in [[-1, -1, -1], [1, 1, 1], [0.5, -0.25, 0], [2, 0, 1]] {
            builder.add(p, scale: [0.1, 0.1, 0.1], opacity: 0.9, colour: [1, 0, 0])
        }
        let cloud = builder.cloud
        let orbit = Orbit.framing(cloud, width: 64, height: 48, fovY: 45)
        let automatic = Camera.framing(cloud, width: 64, height: 48, fovY: 45)
        XCTAssertEqual(orbit.radius, length(automatic.position - orbit.center), accuracy: 1e-5)
        XCTAssertEqual(orbit.fovY, 45)
        // With no elevation the first frame is the automatic view.
        var level = orbit
        level.elevationDegrees = 0
        assertClose(level.camera(at: 0).position, automatic.position, 1e-4)
        assertClose(level.camera(at: 0).rotation, automatic.rotation, 1e-5)
    }
}
