import Foundation
import XCTest
@testable import SplatCore

final class CameraTests: XCTestCase {
    /// Camera request errors name request fields in library terms; a front end words them itself.
    func testCameraRequestErrorsNameFieldsInLibraryTerms() {
        var b = SplatCloudBuilder()
        b.add([0, 0, 2], scale: [0.1, 0.1, 0.1], opacity: 0.5, colour: [1, 1, 1])
        let degenerate = CameraRequest(source: .lookAt(eye: .zero, target: .zero, up: [0, -1, 0]), fovY: 50, width: 8, height: 8)
        XCTAssertThrowsError(try degenerate.resolve(for: b.cloud, cameraFile: { _ in [] })) { error in
            XCTAssertEqual(error as? CameraRequestError, .degenerateLookAt)
            XCTAssertEqual("\(error)", "the look-at camera needs an eye different from the target and an up vector not parallel to the view direction")
        }
        let selection = CameraRequest(source: .scene(selection: .index(2)), fovY: nil, width: nil, height: nil)
        XCTAssertThrowsError(try selection.resolve(for: b.cloud, cameraFile: { _ in [] })) { error in
            XCTAssertEqual("\(error)", "camera index and name need a camera file: the scene file carries no cameras")
            XCTAssertEqual((error as? CameraRequestError)?.worded { "<\($0.rawValue)>" },
                           "<cameraSelection> need <cameraFile>: the scene file carries no cameras")
            XCTAssertEqual((error as? SplatError)?.kind, .badOption)
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
        var b = SplatCloudBuilder()
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
        var b = SplatCloudBuilder()
        b.add(.zero, scale: [1, 1, 1], opacity: 1, colour: [1, 1, 1])
        let auto = try CameraRequest(width: 640).resolve(for: b.cloud, cameraFile: { _ in [] })
        XCTAssertEqual([auto.width, auto.height], [640, 360])
        let look = try CameraRequest(source: .lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0]), fovY: 90, width: 64, height: 32).resolve(for: b.cloud, cameraFile: { _ in [] })
        XCTAssertEqual(look.fy, 16, accuracy: 1e-4)
    }
}
