import CGLFW
import Foundation
import SplatCore
import SplatFormats
import SplatTestSupport
import XCTest
@testable import SplatViewer

final class CameraPathEditorTests: XCTestCase {
    let front = Camera.lookAt(eye: [0, 0, -4], target: [0, 0, 0], up: [0, -1, 0], fovY: 50, width: 160, height: 120)!
    let side = Camera.lookAt(eye: [4, -0.5, 0.3], target: [0, 0, 0], up: [0, -1, 0], fovY: 35, width: 160, height: 120)!
    let top = Camera.lookAt(eye: [0.2, -4, 0.5], target: [0, 0, 0], up: [0, -1, 0], fovY: 60, width: 160, height: 120)!

    func testKeysAreAddedReplacedRemovedAndFound() {
        var editor = CameraPathEditor()
        XCTAssertFalse(editor.isDirty)
        editor.add(side, at: 1)
        editor.add(front, at: 0)
        editor.add(top, at: 2)
        XCTAssertEqual(editor.keys.map(\.time), [0, 1, 2])
        XCTAssertEqual(editor.keys[1].fovY, 35, accuracy: 1e-4)
        XCTAssertEqual(editor.keys[1].position, side.position)
        editor.add(top, at: 1)  // same time: replaces
        XCTAssertEqual(editor.keys.count, 3)
        XCTAssertEqual(editor.keys[1].fovY, 60, accuracy: 1e-4)
        XCTAssertEqual(editor.keyTime(after: 0.5), 1)
        XCTAssertEqual(editor.keyTime(before: 0.5), 0)
        XCTAssertNil(editor.keyTime(after: 2))
        XCTAssertTrue(editor.removeNearest(to: 1.4))
        XCTAssertEqual(editor.keys.map(\.time), [0, 2])
        XCTAssertTrue(editor.isDirty)
        XCTAssertTrue(editor.removeNearest(to: 1))  // a tie: the earlier key goes
        XCTAssertEqual(editor.keys.map(\.time), [2])
    }

    /// The preview is the saved file as `render --camera-path` reads it: the same cameras exactly.
    func testThePreviewIsTheSavedPathExactly() throws {
        let file = try TestPaths.temporaryFolder(for: self).appendingPathComponent("path.json").path
        var editor = CameraPathEditor(file: file)
        editor.add(front, at: 0)
        editor.add(side, at: 0.75)
        editor.add(top, at: 2)
        try editor.save()
        XCTAssertFalse(editor.isDirty)
        let saved = try CameraKeyframes.load(path: file, width: 320, height: 240)
        let preview = try XCTUnwrap(editor.path(width: 320, height: 240))
        for t: Float in [0, 0.3, 0.75, 1.1, 2, 2.5] {
            XCTAssertEqual(preview.camera(at: t), saved.camera(at: t), "t = \(t)")
        }
        XCTAssertEqual(saved.keys, editor.keys, "the file holds the keys exactly")
        // The keys are where they were put.
        let atSide = saved.camera(at: 0.75)
        XCTAssertEqual(atSide.position.x, side.position.x, accuracy: 1e-5)
        XCTAssertEqual(atSide.position.y, side.position.y, accuracy: 1e-5)
        for (a, b) in [(atSide.rotation.r0, side.rotation.r0), (atSide.rotation.r2, side.rotation.r2)] {
            XCTAssertLessThan(length(a - b), 1e-5)
        }
        // Written again, a path read back gives the same bytes.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        XCTAssertEqual(CameraKeyframes(keys: saved.keys, width: 2, height: 2).encodedJSON(), bytes)
        // Reopened for editing, it holds the same keys.
        XCTAssertEqual(try CameraPathEditor.open(file).keys, saved.keys)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (file as NSString).deletingLastPathComponent)
        XCTAssertEqual(leftovers, ["path.json"])
    }

    func testSavingNeedsAFileAndKeys() throws {
        var nowhere = CameraPathEditor()
        nowhere.add(front, at: 0)
        XCTAssertThrowsError(try nowhere.save()) { XCTAssertEqual("\($0)", "no camera-path file was given to save to") }
        var empty = CameraPathEditor(file: "/tmp/none.json")
        XCTAssertThrowsError(try empty.save()) { XCTAssertEqual("\($0)", "/tmp/none.json: the path has no keyframes to save") }
        let missing = try CameraPathEditor.open(TestPaths.temporaryFolder(for: self).appendingPathComponent("new.json").path)
        XCTAssertEqual(missing.keys, [])
    }

    func testViewerKeysMakeAndPreviewAPath() {
        let wall = ManualClock()
        let timing = PlaybackTiming.forScene(timeRange: 0...2, unit: "seconds", frameRate: 30)
        var state = ViewerState(controller: CameraController(home: front, pivotDistance: 4, up: [0, -1, 0]),
                                clock: PlaybackClock(timing: timing, playing: false, wall: wall), sceneCenter: .zero,
                                sceneRadius: 1)
        XCTAssertEqual(state.handle(.togglePathPreview), .message("no keyframes to preview: K adds one"))
        XCTAssertEqual(state.handle(.addKeyframe), .message("keyframe added at t = 0.000 (1 keyframes)"))
        state.clock.seek(to: 1.5)
        state.controller.jump(to: side, pivotDistance: 4)
        _ = state.handle(.addKeyframe)
        XCTAssertEqual(state.pathEditor.keys.map(\.time), [0, 1.5])
        // [ and ] jump between keyframes and pause.
        _ = state.handle(.previousKeyframe)
        XCTAssertEqual(state.clock.currentTime, 0)
        _ = state.handle(.nextKeyframe)
        XCTAssertEqual(state.clock.currentTime, 1.5)
        XCTAssertFalse(state.clock.isPlaying)
        // C: the camera follows the path; the free camera is back after a second C.
        XCTAssertEqual(state.handle(.togglePathPreview), .message("previewing the camera path"))
        let path = state.pathEditor.path(width: 160, height: 120)!
        XCTAssertEqual(state.camera(width: 160, height: 120, time: 0.7), path.camera(at: 0.7))
        _ = state.handle(.togglePathPreview)
        XCTAssertEqual(state.camera(width: 160, height: 120, time: 0.7), state.controller.camera(width: 160, height: 120))
        XCTAssertEqual(state.handle(.savePath), .savePath)
        XCTAssertEqual(state.handle(.removeKeyframe), .message("keyframe removed (1 left)"))
    }

    func testKeyBindings() {
        XCTAssertEqual(InputRecorder.command(for: GLFW_KEY_K, mods: 0), .addKeyframe)
        XCTAssertEqual(InputRecorder.command(for: GLFW_KEY_K, mods: GLFW_MOD_SHIFT), .removeKeyframe)
        XCTAssertEqual(InputRecorder.command(for: GLFW_KEY_S, mods: GLFW_MOD_CONTROL), .savePath)
        XCTAssertNil(InputRecorder.command(for: GLFW_KEY_S, mods: 0))  // S alone flies back
        XCTAssertEqual(InputRecorder.command(for: GLFW_KEY_LEFT_BRACKET, mods: 0), .previousKeyframe)
        XCTAssertEqual(InputRecorder.command(for: GLFW_KEY_RIGHT_BRACKET, mods: 0), .nextKeyframe)
        XCTAssertEqual(InputRecorder.command(for: GLFW_KEY_C, mods: 0), .togglePathPreview)
        XCTAssertEqual(InputRecorder.command(for: GLFW_KEY_MINUS, mods: 0), .slower)
    }
}

final class CameraPathOrientationTests: XCTestCase {
    func testOrientationMustBeAUnitQuaternion() {
        let json = #"{"keyframes": [{"time": 0, "position": [0, 0, -4], "orientation": [2, 0, 0, 0]}]}"#
        XCTAssertThrowsError(try CameraKeyframes.parse(Data(json.utf8), path: "p.json", width: 8, height: 8)) {
            XCTAssertEqual("\($0)", "p.json: keyframe 0: 'orientation' must be a unit quaternion (w, x, y, z)")
        }
        let none = #"{"keyframes": [{"time": 0, "position": [0, 0, -4]}]}"#
        XCTAssertThrowsError(try CameraKeyframes.parse(Data(none.utf8), path: "p.json", width: 8, height: 8)) {
            XCTAssertEqual("\($0)", "p.json: keyframe 0: needs 'look_at', 'rotation' or 'orientation'")
        }
    }
}
