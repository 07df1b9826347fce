import Foundation
import XCTest
@testable import SplatCore

final class CameraTests: XCTestCase {
    func testCamerasJSONPoseAndIntrinsics() throws {
        let json = """
        [{"id": 0, "img_name": "front", "width": 200, "height": 100, "position": [1, 2, 3],
          "rotation": [[0, 0, 1], [0, 1, 0], [-1, 0, 0]], "fx": 150, "fy": 160},
         {"id": 1, "img_name": "back", "width": 64, "height": 64, "position": [0, 0, 0],
          "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "fx": 50, "fy": 50}]
        """
        let cameras = try CameraFile.parse(Data(json.utf8), path: "c.json")
        XCTAssertEqual(cameras.count, 2)
        let c = cameras[0]
        XCTAssertEqual(c.name, "front")
        XCTAssertEqual(c.width, 200)
        XCTAssertEqual(c.cx, 100)
        XCTAssertEqual(c.cy, 50)
        XCTAssertEqual(c.position, [1, 2, 3])
        // The camera's z axis (third column of camera-to-world) is world (1, 0, 0):
        // a point one unit further along it is straight ahead at depth 1.
        XCTAssertEqual(c.rotation * SIMD3(2, 2, 3) + c.translation, [0, 0, 1])
        XCTAssertEqual(try CameraRequest.select(.name("back"), from: cameras, path: "c.json").width, 64)
    }

    func testCamerasJSONErrors() {
        func problem(_ json: String) -> String? {
            do { _ = try CameraFile.parse(Data(json.utf8), path: "c.json"); return nil } catch {
                return (error as? SceneFileError)?.description
            }
        }
        XCTAssertEqual(problem("{"), "c.json: not valid JSON")
        XCTAssertEqual(problem("{}"), "c.json: expected a JSON list of cameras")
        XCTAssertEqual(problem("[]"), "c.json: the file holds no cameras")
        XCTAssertEqual(problem(#"[{"width": 10, "height": 10, "fy": 1, "position": [0,0,0], "rotation": [[1,0,0],[0,1,0],[0,0,1]]}]"#),
                       "c.json: camera 0: missing key 'fx'")
        XCTAssertEqual(problem(#"[{"width": 10, "height": 10, "fx": 1, "fy": 1, "position": [0,0], "rotation": [[1,0,0],[0,1,0],[0,0,1]]}]"#),
                       "c.json: camera 0: 'position' must be a list of 3 numbers")
        XCTAssertEqual(problem(#"[{"width": -3, "height": 10, "fx": 1, "fy": 1, "position": [0,0,0], "rotation": [[1,0,0],[0,1,0],[0,0,1]]}]"#),
                       "c.json: camera 0: width and height must be whole numbers in 1...65536")
        XCTAssertThrowsError(try CameraRequest.select(.index(3), from: [axisCamera()], path: "c.json")) { error in
            XCTAssertEqual("\(error)", "c.json: camera index 3 is out of range (the file has 1 camera)")
        }
    }

    func testResizeScalesIntrinsics() {
        let c = Camera(width: 200, height: 100, fx: 150, fy: 160, rotation: .identity, translation: .zero).resized(width: 100, height: 50)
        XCTAssertEqual([c.fx, c.fy, c.cx, c.cy], [75, 80, 50, 25])
    }

    func testLookAtAxes() throws {
        let c = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -5], target: .zero, up: [0, -1, 0], fovY: 90, width: 100, height: 100))
        XCTAssertEqual(c.rotation * SIMD3(0, 0, 0) + c.translation, [0, 0, 5])
        // World +x is image right, world −y is image up (so +y is image down).
        XCTAssertEqual(c.rotation * SIMD3(1, 0, 0), [1, 0, 0])
        XCTAssertEqual(c.rotation * SIMD3(0, 1, 0), [0, 1, 0])
        XCTAssertEqual(c.fy, 50, accuracy: 1e-4)  // tan(45°) = 1 → f = H/2
        XCTAssertNil(Camera.lookAt(eye: .zero, target: .zero, up: [0, 1, 0], fovY: 50, width: 10, height: 10))
        XCTAssertNil(Camera.lookAt(eye: .zero, target: [0, 1, 0], up: [0, 1, 0], fovY: 50, width: 10, height: 10))
    }

    func testAutomaticFramingSeesTheWholeCloud() throws {
        var b = CloudBuilder()
        for p in [SIMD3<Float>(-1, -1, -1), [1, 1, 1], [3, -1, 0], [0, 2, 1]] {
            b.add(p, scale: [0.1, 0.1, 0.1], opacity: 1, colour: [1, 1, 1])
        }
        let c = Camera.framing(b.cloud, width: 160, height: 90)
        for p in b.cloud.positions {
            let v = c.rotation * p + c.translation
            XCTAssertGreaterThan(v.z, 0.2)
            let u = c.fx * v.x / v.z + c.cx, w = c.fy * v.y / v.z + c.cy
            XCTAssert((0...160).contains(u) && (0...90).contains(w), "\(p) projects to \(u), \(w)")
        }
    }

    func testRequestSizes() throws {
        var b = CloudBuilder()
        b.add(.zero, scale: [1, 1, 1], opacity: 1, colour: [1, 1, 1])
        let auto = try CameraRequest(width: 640).resolve(for: b.cloud)
        XCTAssertEqual([auto.width, auto.height], [640, 360])
        let look = try CameraRequest(source: .lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0]), fovY: 90, width: 64, height: 32).resolve(for: b.cloud)
        XCTAssertEqual(look.fy, 16, accuracy: 1e-4)
    }
}
