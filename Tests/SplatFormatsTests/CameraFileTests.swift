import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats
import SplatTestSupport

final class CameraFileTests: XCTestCase {
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
        XCTAssertThrowsError(try CameraRequest.select(.index(3), from: [Fixtures.axisCamera()], path: "c.json")) { error in
            XCTAssertEqual("\(error)", "c.json: camera index 3 is out of range (the file has 1 camera)")
        }
    }
}
