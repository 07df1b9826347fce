import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats

/// Dataset cameras: 3DGS cameras.json and Blender / D-NeRF / nerfstudio transforms.json.
final class DatasetCamerasTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("splat4d-dataset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func write(_ json: String, name: String = "transforms.json") throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(json.utf8).write(to: url)
        return url.path
    }

    func load(_ json: String, defaultSize: (width: Int, height: Int) = (800, 800),
              imageSize: @escaping (String) -> (width: Int, height: Int)? = { _ in nil }) throws -> [DatasetView] {
        try DatasetCameras.load(path: try write(json), defaultSize: defaultSize, imageSize: imageSize)
    }

    func assertClose(_ a: SIMD3<Float>, _ b: SIMD3<Float>, _ tolerance: Float = 1e-6,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(length(a - b), tolerance, "\(a) vs \(b)", file: file, line: line)
    }

    /// Pixel coordinates (in the ndc2Pix convention, + 0.5) and depth of a world point.
    func project(_ camera: Camera, _ p: SIMD3<Float>) -> (u: Float, v: Float, depth: Float) {
        let c = camera.rotation * p + camera.translation
        return (camera.fx * c.x / c.z + camera.cx, camera.fy * c.y / c.z + camera.cy, c.z)
    }

    /// A Blender camera at (0, 0, 4) with the identity rotation looks down world −z (OpenGL: the
    /// camera looks along its own −z, y up). In OpenCV axes the optical axis is world −z, image
    /// right world +x and image down world −y.
    func testBlenderCameraMapsToOpenCVAxes() throws {
        let angle = 0.6911112070083618
        let views = try load("""
        {"camera_angle_x": \(angle),
         "frames": [{"file_path": "./test/r_000", "time": 0.25,
                     "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]}]}
        """)
        XCTAssertEqual(views.count, 1)
        let view = views[0]
        XCTAssertEqual(view.name, "r_000")
        XCTAssertEqual(view.camera.name, "r_000")
        XCTAssertEqual(view.time, 0.25)
        let c = view.camera
        XCTAssertEqual(c.width, 800)
        XCTAssertEqual(c.height, 800)
        XCTAssertEqual(c.fx, Float(0.5 * 800 / tan(angle / 2)))
        XCTAssertEqual(c.fy, c.fx)
        XCTAssertEqual(c.cx, 400)
        XCTAssertEqual(c.cy, 400)
        assertClose(c.position, [0, 0, 4])
        // World-to-camera rows are the camera axes in world space.
        assertClose(c.rotation.r0, [1, 0, 0])    // image right
        assertClose(c.rotation.r1, [0, -1, 0])   // image down = world −y
        assertClose(c.rotation.r2, [0, 0, -1])   // optical axis = world −z
        assertClose(c.translation, [0, 0, 4])
        // The origin is 4 units straight ahead; world +y (up) is above the centre, +x to the right.
        let origin = project(c, [0, 0, 0])
        XCTAssertEqual(origin.depth, 4, accuracy: 1e-6)
        XCTAssertEqual(origin.u, 400, accuracy: 1e-4)
        XCTAssertEqual(origin.v, 400, accuracy: 1e-4)
        let up = project(c, [0, 1, 0])
        XCTAssertEqual(up.u, 400, accuracy: 1e-4)
        XCTAssertEqual(up.v, 400 - c.fy / 4, accuracy: 1e-3)
        let right = project(c, [1, 0, 0])
        XCTAssertEqual(right.u, 400 + c.fx / 4, accuracy: 1e-3)
        // Behind the camera has negative depth.
        XCTAssertLessThan(project(c, [0, 0, 5]).depth, 0)
    }

    /// A Blender (z-up) camera at (4, 0, 0) facing the origin: its OpenGL axes in world are
    /// x = +y, y (up) = +z, z (back) = +x. OpenCV: forward −x, down −z, right +y.
    func testRotatedBlenderCamera() throws {
        let views = try load("""
        {"fl_x": 100, "w": 64, "h": 48,
         "frames": [{"file_path": "side.png", "transform_matrix": [[0, 0, 1, 4], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]]}]}
        """)
        let c = views[0].camera
        assertClose(c.position, [4, 0, 0])
        assertClose(c.rotation.r0, [0, 1, 0])
        assertClose(c.rotation.r1, [0, 0, -1])
        assertClose(c.rotation.r2, [-1, 0, 0])
        let origin = project(c, [0, 0, 0])
        XCTAssertEqual(origin.depth, 4, accuracy: 1e-6)
        XCTAssertEqual(origin.u, 32, accuracy: 1e-4)
        XCTAssertEqual(origin.v, 24, accuracy: 1e-4)
        // Blender's up (+z) is above the image centre.
        XCTAssertLessThan(project(c, [0, 0, 1]).v, 24)
        XCTAssertNil(views[0].time)
        XCTAssertEqual(views[0].name, "side")
    }

    func testCameraAngleXUsesTheGroundTruthImageSize() throws {
        let angle = 0.8
        var asked: [String] = []
        let views = try load("""
        {"camera_angle_x": \(angle), "frames": [
          {"file_path": "./val/r_007", "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]},
          {"file_path": "./val/r_008", "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]}]}
        """, defaultSize: (100, 50)) { name in
            asked.append(name)
            return name == "r_007" ? (400, 300) : nil
        }
        XCTAssertEqual(asked, ["r_007", "r_008"])
        XCTAssertEqual(views[0].camera.width, 400)
        XCTAssertEqual(views[0].camera.height, 300)
        XCTAssertEqual(views[0].camera.fx, Float(0.5 * 400 / tan(angle / 2)))
        XCTAssertEqual(views[0].camera.fy, views[0].camera.fx)  // square pixels
        XCTAssertEqual(views[0].camera.cx, 200)
        XCTAssertEqual(views[0].camera.cy, 150)
        // No image: the default size.
        XCTAssertEqual(views[1].camera.width, 100)
        XCTAssertEqual(views[1].camera.height, 50)
        XCTAssertEqual(views[1].camera.fx, Float(0.5 * 100 / tan(angle / 2)))
    }

    func testNerfstudioIntrinsics() throws {
        let views = try load("""
        {"fl_x": 500, "fl_y": 510, "cx": 320.5, "cy": 240.25, "w": 640, "h": 480, "camera_angle_x": 3.0,
         "frames": [
           {"file_path": "images/frame_00001.png", "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]},
           {"file_path": "images/frame_00002.jpg", "fl_x": 250, "w": 320, "h": 240, "cx": 160, "cy": 120,
            "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]},
           {"transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]}]}
        """, imageSize: { _ in (1, 1) })
        let a = views[0].camera
        XCTAssertEqual(views[0].name, "frame_00001")
        XCTAssertEqual(a.width, 640)   // w/h beat the image size
        XCTAssertEqual(a.height, 480)
        XCTAssertEqual(a.fx, 500)      // fl_x beats camera_angle_x
        XCTAssertEqual(a.fy, 510)
        XCTAssertEqual(a.cx, 320.5)
        XCTAssertEqual(a.cy, 240.25)
        // Per-frame values override the shared ones; fl_y is shared.
        let b = views[1].camera
        XCTAssertEqual(views[1].name, "frame_00002")
        XCTAssertEqual(b.width, 320)
        XCTAssertEqual(b.fx, 250)
        XCTAssertEqual(b.fy, 510)
        XCTAssertEqual(b.cx, 160)
        XCTAssertEqual(b.cy, 120)
        // No file_path: named by index.
        XCTAssertEqual(views[2].name, "2")
        // fl_x alone: square pixels; no cx/cy: the image centre.
        let square = try load("""
        {"fl_x": 80, "w": 64, "h": 32, "frames": [{"file_path": "a", "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4]]}]}
        """)
        XCTAssertEqual(square[0].camera.fy, 80)
        XCTAssertEqual(square[0].camera.cx, 32)
        XCTAssertEqual(square[0].camera.cy, 16)
    }

    func testPerFrameTimeAndNames() throws {
        let views = try load("""
        {"camera_angle_x": 0.7, "frames": [
          {"file_path": "./test/r_000", "time": 0, "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]},
          {"file_path": "./test/r_001.png", "time": 0.5, "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]},
          {"file_path": "r_002", "time": 1, "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]},
          {"file_path": "deep/er/path/view_3.jpeg", "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]}]}
        """)
        XCTAssertEqual(views.map(\.name), ["r_000", "r_001", "r_002", "view_3"])
        XCTAssertEqual(views.map(\.time), [0, 0.5, 1, nil])
    }

    func testCamerasJSONListIsReadToo() throws {
        let views = try load("""
        [{"id": 0, "img_name": "front", "width": 40, "height": 30, "position": [0, 0, -4],
          "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "fx": 40, "fy": 41},
         {"id": 1, "img_name": "side", "width": 40, "height": 30, "position": [4, 0, 0],
          "rotation": [[0, 0, -1], [0, 1, 0], [1, 0, 0]], "fx": 40, "fy": 40}]
        """)
        XCTAssertEqual(views.map(\.name), ["front", "side"])
        XCTAssertEqual(views.map(\.time), [nil, nil])
        XCTAssertEqual(views[0].camera.fy, 41)
        assertClose(views[1].camera.rotation.r2, [-1, 0, 0])
        assertClose(views[1].camera.position, [4, 0, 0])
    }

    func testErrors() throws {
        let matrix = "\"transform_matrix\": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]"
        let cases: [(String, String)] = [
            ("nope", "not valid JSON"),
            ("{\"camera_angle_x\": 0.7}", "expected a cameras.json list or a transforms.json object with 'frames'"),
            ("{\"frames\": 3}", "expected a cameras.json list or a transforms.json object with 'frames'"),
            ("{\"camera_angle_x\": 0.7, \"frames\": []}", "the file holds no cameras"),
            ("[]", "the file holds no cameras"),
            ("{\"camera_angle_x\": 0.7, \"frames\": [3]}", "frame 0: expected an object"),
            ("{\"camera_angle_x\": 0.7, \"frames\": [{\"file_path\": \"a\"}]}", "frame 0: missing key 'transform_matrix'"),
            ("{\"camera_angle_x\": 0.7, \"frames\": [{\"transform_matrix\": [[1, 0, 0, 0], [0, 1, 0, 0]]}]}",
             "frame 0: 'transform_matrix' must be a 4×4 list"),
            ("{\"camera_angle_x\": 0.7, \"frames\": [{\"transform_matrix\": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}]}",
             "frame 0: 'transform_matrix' must be a 4×4 list"),
            ("{\"camera_angle_x\": 0.7, \"frames\": [{\"transform_matrix\": [[1, 0, 0, \"x\"], [0, 1, 0, 0], [0, 0, 1, 4]]}]}",
             "frame 0: 'transform_matrix' must be a finite number"),
            ("{\"frames\": [{\(matrix)}]}", "frame 0: needs 'camera_angle_x' or 'fl_x'"),
            ("{\"fl_y\": 50, \"frames\": [{\(matrix)}]}", "frame 0: needs 'camera_angle_x' or 'fl_x'"),
            ("{\"camera_angle_x\": 4, \"frames\": [{\(matrix)}]}", "frame 0: 'camera_angle_x' must lie strictly between 0 and π"),
            ("{\"camera_angle_x\": 0, \"frames\": [{\(matrix)}]}", "frame 0: 'camera_angle_x' must lie strictly between 0 and π"),
            ("{\"fl_x\": -1, \"frames\": [{\(matrix)}]}", "frame 0: focal lengths must be positive"),
            ("{\"fl_x\": 10, \"fl_y\": 0, \"frames\": [{\(matrix)}]}", "frame 0: focal lengths must be positive"),
            ("{\"fl_x\": 10, \"w\": 0, \"h\": 10, \"frames\": [{\(matrix)}]}", "frame 0: image size must lie in 1...65536"),
            ("{\"fl_x\": 10, \"w\": \"a\", \"h\": 10, \"frames\": [{\(matrix)}]}", "frame 0: 'w' must be a finite number"),
            ("{\"camera_angle_x\": 0.7, \"frames\": [{\(matrix)}, {\(matrix), \"time\": \"x\"}]}",
             "frame 1: 'time' must be a finite number"),
        ]
        for (json, expected) in cases {
            let path = try write(json, name: "bad.json")
            XCTAssertThrowsError(try DatasetCameras.load(path: path), json) { error in
                XCTAssertEqual((error as? SceneFileError)?.description, "\(path): \(expected)", json)
            }
        }
        let missing = folder.appendingPathComponent("none.json").path
        XCTAssertThrowsError(try DatasetCameras.load(path: missing)) { error in
            XCTAssertEqual((error as? SceneFileError)?.description, "\(missing): no such file")
        }
    }
}
