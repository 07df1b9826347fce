import Foundation
import XCTest
import SplatCore
import SplatFormats
import SplatGPU
import SplatPNG
import SplatTestSupport
@testable import SplatViewer

/// `splat4d view` in a real window: under `xvfb-run -a` (skipped, with the reason, when Xvfb is
/// absent or GLFW cannot open its display), on lavapipe, with the Khronos validation layer on.
final class ViewerWindowTests: XCTestCase {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("splat4d-viewer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func scene(_ name: String) -> String { TestPaths.scene(name) }

    /// The built `splat4d`, beside this test bundle.
    static func executable() throws -> String {
        let exe = CLI.executable.path
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw XCTSkip("splat4d is not built beside the tests (\(exe)); run `swift build` first")
        }
        return exe
    }

    static func findInPath(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var validationAvailable: Bool { VulkanInstance.availableLayers().contains(VulkanInstance.validationLayer) }

    /// Runs a process with output in files (never a full pipe), killing it after `timeout` seconds.
    func run(_ executable: String, _ arguments: [String], environment: [String: String?] = [:], timeout: TimeInterval = 180) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = folder.appendingPathComponent("stdout-\(UUID().uuidString)"), err = folder.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            XCTFail("\(arguments.prefix(3)) did not finish within \(Int(timeout)) s")
        }
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Run(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                   stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// `splat4d view ARGS` under `xvfb-run -a` with validation on; skips when there is no Xvfb
    /// or GLFW cannot start on it.
    func runViewer(_ arguments: [String]) throws -> Run {
        let exe = try ViewerWindowTests.executable()
        guard let xvfb = ViewerWindowTests.findInPath("xvfb-run") else {
            throw XCTSkip("xvfb-run is not installed (Debian: apt-get install xvfb xauth): the window tests need a display")
        }
        if !ViewerWindowTests.validationAvailable {
            print("SplatViewerTests: \(VulkanInstance.validationLayer) is not installed; the window tests run without validation")
        }
        let result = try run(xvfb, ["-a", exe, "view"] + arguments,
                             environment: ["SPLAT4D_VALIDATION": ViewerWindowTests.validationAvailable ? "1" : nil])
        if result.status != 0, result.stderr.contains("cannot open a window") {
            throw XCTSkip("GLFW cannot open a window under xvfb-run: \(result.stderr)")
        }
        return result
    }

    func assertNoValidationMessages(_ run: Run, file: StaticString = #filePath, line: UInt = #line) {
        let lines = run.stderr.split(separator: "\n").filter { $0.lowercased().contains("validation") }
        XCTAssert(lines.isEmpty, "validation messages:\n\(lines.joined(separator: "\n"))", file: file, line: line)
    }

    /// The exit line: "view: N frames … swapchain created K time(s) …".
    func summary(_ run: Run) -> (frames: Int, swapchains: Int, size: String)? {
        guard let line = run.stdout.split(separator: "\n").first(where: { $0.hasPrefix("view: ") }) else { return nil }
        let words = line.split(separator: " ").map(String.init)
        guard let frames = Int(words[1]), let created = words.firstIndex(of: "created"), let swapchains = Int(words[created + 1]),
              let size = words.first(where: { $0.contains("×") }) else { return nil }
        return (frames, swapchains, size.trimmingCharacters(in: CharacterSet(charactersIn: ",")))
    }

    func testScreenshotMatchesTheOfflineRender() throws {
        let camera = ["--look-at", "0,0,-3:0,0,0", "--fov-y", "50", "--width", "320", "--height", "240", "--time", "0.5"]
        let shot = path("view.png"), reference = path("render.png")
        let view = try runViewer([ViewerWindowTests.scene("dancer.4d.ply")] + camera + ["--exit-after-frames", "5", "--screenshot", shot])
        XCTAssertEqual(view.status, 0, view.stderr)
        assertNoValidationMessages(view)
        let s = try XCTUnwrap(summary(view), view.stdout)
        XCTAssertEqual(s.frames, 5)
        XCTAssertEqual(s.size, "320×240")

        let render = try run(try ViewerWindowTests.executable(), ["render", ViewerWindowTests.scene("dancer.4d.ply")] + camera + ["--output", reference])
        XCTAssertEqual(render.status, 0, render.stderr)
        let a = try PNGFile.read(path: shot), b = try PNGFile.read(path: reference)
        XCTAssertEqual(a.width, 320)
        XCTAssertEqual(a.height, 240)
        XCTAssertTrue(ImageMetrics.sameShape(a, b), "\(a.width)×\(a.height)×\(a.channels) vs \(b.width)×\(b.height)×\(b.channels)")
        let psnr = ImageMetrics.psnr(a, b)
        print("viewer screenshot vs render: PSNR \(psnr) dB")
        XCTAssertGreaterThanOrEqual(psnr, 40)
        // Same renderer, same quantisation: in practice the bytes are identical.
        XCTAssertEqual(a.quantized8(), b.quantized8(), "the screenshot differs from `render` (PSNR \(psnr) dB)")
    }

    /// --record writes what the window showed (the screenshot's pixels) into a video; V (typed
    /// at frame 4) stops it before the window closes.
    func testRecordWritesWhatTheWindowShows() throws {
        try VideoProbe.requireTools()
        let video = path("rec.mp4"), shot = path("last.png")
        let view = try runViewer([ViewerWindowTests.scene("dancer.4d.ply"), "--time", "0.5", "--width", "320", "--height", "240",
                                  "--record", video, "--inject-commands", "4:toggleRecording", "--exit-after-frames", "6",
                                  "--screenshot", shot])
        XCTAssertEqual(view.status, 0, view.stderr)
        assertNoValidationMessages(view)
        XCTAssert(view.stdout.contains("recorded ") && view.stdout.contains(video), view.stdout)
        let stream = try VideoProbe.stream(of: video)
        XCTAssertEqual([stream.width, stream.height], [320, 240])
        XCTAssertGreaterThanOrEqual(stream.frames, 1)
        XCTAssertEqual(stream.rate, "30/1")
        // Paused at t = 0.5 with a still camera: every frame shown is the screenshot.
        let last = try XCTUnwrap(try VideoProbe.frames(of: video, width: 320, height: 240).last)
        XCTAssertGreaterThanOrEqual(ImageMetrics.psnr(try PNGFile.read(path: shot), last), 35)
    }

    /// K in the window adds a keyframe and exit saves the path; with an existing two-key path, C
    /// previews it, and the screenshot equals `render --camera-path` of the saved file at that
    /// time byte for byte.
    func testCameraPathMadeInTheViewerRendersTheSameHeadless() throws {
        let made = path("made.json")
        let size = ["--width", "96", "--height", "64"]
        let first = try runViewer([ViewerWindowTests.scene("dancer.4d.ply"), "--time", "0.5", "--camera-path", made,
                                   "--inject-commands", "1:addKeyframe", "--exit-after-frames", "3"] + size)
        XCTAssertEqual(first.status, 0, first.stderr)
        assertNoValidationMessages(first)
        XCTAssert(first.stdout.contains("saved the camera path (1 keyframes) to \(made)"), first.stdout)
        var keys = try CameraKeyframes.load(path: made, width: 96, height: 64).keys
        XCTAssertEqual(keys.map(\.time), [0.5])
        // A second key further back and later in time, then preview between the two.
        keys.append(CameraKeyframes.Key(time: 1.5, position: keys[0].position * 1.4, orientation: keys[0].orientation, fovY: 40))
        let edited = path("edited.json")
        try CameraKeyframes(keys: keys, width: 2, height: 2).encodedJSON().write(to: URL(fileURLWithPath: edited))
        let shot = path("preview.png"), headless = path("headless.png")
        let preview = try runViewer([ViewerWindowTests.scene("dancer.4d.ply"), "--time", "1.1", "--camera-path", edited,
                                     "--inject-commands", "1:togglePathPreview", "--exit-after-frames", "3",
                                     "--screenshot", shot] + size)
        XCTAssertEqual(preview.status, 0, preview.stderr)
        let render = try run(try ViewerWindowTests.executable(),
                             ["render", ViewerWindowTests.scene("dancer.4d.ply"), "--camera-path", edited, "--time-range", "1.1:1.1",
                              "--frame-count", "1", "--output", headless] + size)
        XCTAssertEqual(render.status, 0, render.stderr)
        XCTAssertEqual(try PNGFile.read(path: shot).quantized8(), try PNGFile.read(path: headless).quantized8(),
                       "the viewer's path preview differs from the headless render of the same path")
        // The preview really follows the path: the one-key path's view at that time differs.
        let still = path("still.png")
        let stillRender = try run(try ViewerWindowTests.executable(),
                                  ["render", ViewerWindowTests.scene("dancer.4d.ply"), "--camera-path", made, "--time-range", "1.1:1.1",
                                   "--frame-count", "1", "--output", still] + size)
        XCTAssertEqual(stillRender.status, 0, stillRender.stderr)
        XCTAssertNotEqual(try PNGFile.read(path: shot).quantized8(), try PNGFile.read(path: still).quantized8())
    }

    /// Files dropped onto the window: a corrupt scene leaves the old one drawn and says why on
    /// stderr; a cameras.json is listed for N / B; a scene replaces the one on screen.
    func testDroppedFilesOpen() throws {
        let corrupt = path("corrupt.ply")
        try Data("ply\nformat binary_little_endian 1.0\nelement vertex 5\nend_header\n".utf8).write(to: URL(fileURLWithPath: corrupt))
        let shot = path("dropped.png"), before = path("before.png")
        let base = [ViewerWindowTests.scene("synthetic.ply"), "--width", "96", "--height", "64", "--exit-after-frames", "5"]
        let plain = try runViewer(base + ["--screenshot", before])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let view = try runViewer(base + ["--inject-drop", "1:\(corrupt)", "--inject-drop", "2:\(ViewerWindowTests.scene("plant.cameras.json"))",
                                         "--inject-drop", "3:\(ViewerWindowTests.scene("dancer.4d.ply"))", "--screenshot", shot])
        XCTAssertEqual(view.status, 0, view.stderr)
        assertNoValidationMessages(view)
        XCTAssert(view.stderr.contains("splat4d: cannot open \(corrupt): "), view.stderr)
        XCTAssert(view.stdout.contains("listed 1 camera from "), view.stdout)
        XCTAssert(view.stdout.contains("opened dancer.4d.ply: "), view.stdout)
        XCTAssertNotEqual(try PNGFile.read(path: shot).quantized8(), try PNGFile.read(path: before).quantized8(),
                          "the dropped scene is on screen")
    }

    /// A dropped sequence (an npz of timesteps, a folder of frames) streams like one named on the
    /// command line, through a cache of --cache-mb; the exit line says the viewer streamed.
    func testADroppedSequenceStreams() throws {
        let view = try runViewer([ViewerWindowTests.scene("synthetic.ply"), "--width", "96", "--height", "64", "--exit-after-frames", "6",
                                  "--cache-mb", "64", "--inject-drop", "1:\(ViewerWindowTests.scene("dancer.npz"))",
                                  "--inject-drop", "3:\(ViewerWindowTests.scene("dancer-frames"))"])
        XCTAssertEqual(view.status, 0, view.stderr)
        assertNoValidationMessages(view)
        XCTAssert(view.stdout.contains("opened dancer.npz: 200 Gaussians, 8 frames streamed through a 64 MiB cache"), view.stdout)
        XCTAssert(view.stdout.contains("opened dancer-frames: "), view.stdout)
        XCTAssert(view.stdout.contains("frames streamed through a 64 MiB cache"), view.stdout)
    }

    /// A resize during the run recreates the swapchain: the exit line counts 2 swapchains, the
    /// last frame (the screenshot) has the new size, and the validation layer (which reports
    /// every Vulkan object still alive when the device is destroyed) says nothing.
    func testResizeRecreatesTheSwapchain() throws {
        let shot = path("resized.png")
        let view = try runViewer([ViewerWindowTests.scene("dancer.splatv"), "--width", "320", "--height", "240",
                                  "--resize-after-frames", "2:400x300", "--exit-after-frames", "6", "--screenshot", shot])
        XCTAssertEqual(view.status, 0, view.stderr)
        assertNoValidationMessages(view)
        let s = try XCTUnwrap(summary(view), view.stdout)
        XCTAssertEqual(s.frames, 6)
        XCTAssertGreaterThanOrEqual(s.swapchains, 2)
        XCTAssertEqual(s.size, "400×300")
        let image = try PNGFile.read(path: shot)
        XCTAssertEqual(image.width, 400)
        XCTAssertEqual(image.height, 300)
    }

    func testNoVsyncOnAStaticScene() throws {
        let view = try runViewer([ViewerWindowTests.scene("synthetic.ply"), "--width", "160", "--height", "120", "--no-vsync",
                                  "--exit-after-frames", "10"])
        XCTAssertEqual(view.status, 0, view.stderr)
        assertNoValidationMessages(view)
        XCTAssertEqual(summary(view)?.frames, 10)
        XCTAssert(view.stdout.contains("immediate") || view.stdout.contains("mailbox"), view.stdout)
    }

    func testWithoutADisplayItSaysSoInOneLineAndFails() throws {
        let exe = try ViewerWindowTests.executable()
        let result = try run(exe, ["view", ViewerWindowTests.scene("dancer.4d.ply"), "--exit-after-frames", "1"],
                             environment: ["DISPLAY": nil, "WAYLAND_DISPLAY": nil])
        XCTAssertEqual(result.status, 1)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssert(result.stderr.hasPrefix("splat4d: error: cannot open a window: no display"), result.stderr)
        XCTAssertEqual(result.stdout, "")
    }

    func testBadOptionsAreUsageErrors() throws {
        let exe = try ViewerWindowTests.executable()
        let bad = try run(exe, ["view", ViewerWindowTests.scene("dancer.4d.ply"), "--screenshot", path("x.jpg")])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        let resize = try run(exe, ["view", ViewerWindowTests.scene("dancer.4d.ply"), "--resize-after-frames", "5:10x10",
                                   "--exit-after-frames", "3"])
        XCTAssertEqual(resize.status, 64, resize.stderr)
    }

    /// The dancer's time range and frame step, as the viewer's clock sees them.
    static func dancerTiming() throws -> (range: ClosedRange<Double>, frameStep: Double) {
        let metadata = try SceneLoader.load(path: scene("dancer.4d.ply")).scene.metadata
        let timing = PlaybackTiming.forScene(timeRange: metadata.timeRange, unit: metadata.timeUnit, frameRate: metadata.frameRate)
        return (try XCTUnwrap(timing.range), timing.frameStep)
    }

    /// The overlay's pixels (screenshot with it vs --no-overlay) differ only inside the bar and
    /// the HUD line, the bar is drawn, and the playhead is white where the layout puts it; the
    /// default screenshot is the frame without the overlay.
    func testOverlayPixelsAppearOnlyWhereTheLayoutPutsThem() throws {
        let base = [ViewerWindowTests.scene("dancer.4d.ply"), "--look-at", "0,0,-3:0,0,0", "--width", "320", "--height", "240",
                    "--time", "0.5", "--exit-after-frames", "3"]
        let with = path("with.png"), without = path("without.png"), plain = path("plain.png")
        let a = try runViewer(base + ["--screenshot-overlay", "--screenshot", with])
        XCTAssertEqual(a.status, 0, a.stderr)
        assertNoValidationMessages(a)
        XCTAssert(a.stdout.contains(" ms GPU, "), "the exit line gives the overlay's cost: \(a.stdout)")
        let b = try runViewer(base + ["--no-overlay", "--screenshot-overlay", "--screenshot", without])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertFalse(b.stdout.contains(" ms GPU, "), "no overlay, no cost: \(b.stdout)")
        let c = try runViewer(base + ["--screenshot", plain])
        XCTAssertEqual(c.status, 0, c.stderr)
        let shown = try PNGFile.read(path: with).quantized8(), bare = try PNGFile.read(path: without).quantized8()
        XCTAssertEqual(try PNGFile.read(path: plain).quantized8(), bare, "the default screenshot leaves the overlay out")

        let layout = OverlayLayout(width: 320, height: 240)
        let bar = layout.bar, hudHeight = 8 + 2 * 3
        var inBar = 0
        for y in 0..<240 {
            for x in 0..<320 {
                let i = (y * 320 + x) * 3
                guard shown[i..<i + 3] != bare[i..<i + 3] else { continue }
                let allowed = layout.isOnTimeline(x: Double(x), y: Double(y)) || y < hudHeight
                XCTAssert(allowed, "overlay pixel at (\(x), \(y)) outside the bar and the HUD line")
                if !allowed { return }
                if y >= bar.y { inBar += 1 }
            }
        }
        XCTAssertGreaterThan(inBar, 1000, "the bar is drawn")
        let head = layout.playheadX(time: 0.5, range: try ViewerWindowTests.dancerTiming().range)
        for y in (layout.trackCenterY - layout.playheadHalfHeight)..<(layout.trackCenterY + layout.playheadHalfHeight) {
            for x in (head - 1)...(head + 1) {
                let i = (y * 320 + x) * 3
                XCTAssertEqual(Array(shown[i..<i + 3]), [255, 255, 255], "playhead pixel (\(x), \(y))")
            }
        }
    }

    /// Scripted mouse input on the timeline: a press, a drag and a release seek (the screenshot is
    /// `render` at the time under the release point), and the wheel there steps frames.
    func testMouseOnTheTimelineSeeks() throws {
        let (range, frameStep) = try ViewerWindowTests.dancerTiming()
        let layout = OverlayLayout(width: 320, height: 240)
        let y = Double(layout.trackCenterY), releaseX = 201.0
        let shot = path("scrubbed.png"), reference = path("reference.png")
        let camera = ["--look-at", "0,0,-3:0,0,0", "--width", "320", "--height", "240"]
        let view = try runViewer([ViewerWindowTests.scene("dancer.4d.ply"), "--time", "0", "--exit-after-frames", "6",
                                  "--inject-commands", "1:press/60/\(y),2:move/150/\(y),3:release/\(releaseX)/\(y),4:wheel/100/\(y)/2",
                                  "--screenshot", shot] + camera)
        XCTAssertEqual(view.status, 0, view.stderr)
        assertNoValidationMessages(view)
        let expected = min(layout.time(atX: releaseX, range: range) + 2 * frameStep, range.upperBound)
        XCTAssertGreaterThan(expected, 0.1, "the seek moved the time")
        let render = try run(try ViewerWindowTests.executable(), ["render", ViewerWindowTests.scene("dancer.4d.ply"),
                                                                   "--time", "\(Float(expected))", "--output", reference] + camera)
        XCTAssertEqual(render.status, 0, render.stderr)
        XCTAssertEqual(try PNGFile.read(path: shot).quantized8(), try PNGFile.read(path: reference).quantized8(),
                       "the screenshot is not `render` at t = \(expected)")
        // A drag off the timeline orbits instead: the frame is not `render`'s at the start time.
        let orbit = path("orbit.png"), start = path("start.png")
        let orbited = try runViewer([ViewerWindowTests.scene("dancer.4d.ply"), "--time", "0", "--exit-after-frames", "4",
                                     "--inject-commands", "1:press/160/100,2:move/220/100,3:release/220/100",
                                     "--screenshot", orbit] + camera)
        XCTAssertEqual(orbited.status, 0, orbited.stderr)
        let still = try run(try ViewerWindowTests.executable(), ["render", ViewerWindowTests.scene("dancer.4d.ply"), "--time", "0",
                                                                  "--output", start] + camera)
        XCTAssertEqual(still.status, 0, still.stderr)
        XCTAssertNotEqual(try PNGFile.read(path: orbit).quantized8(), try PNGFile.read(path: start).quantized8())
    }

    /// A dropped file that fails says why in the HUD's second line (in the notice colour).
    func testDropErrorShowsInTheOverlay() throws {
        let corrupt = path("corrupt.ply"), shot = path("notice.png")
        try Data("ply\nformat binary_little_endian 1.0\nelement vertex 5\nend_header\n".utf8).write(to: URL(fileURLWithPath: corrupt))
        let view = try runViewer([ViewerWindowTests.scene("synthetic.ply"), "--width", "320", "--height", "240", "--exit-after-frames", "3",
                                  "--inject-drop", "1:\(corrupt)", "--screenshot-overlay", "--screenshot", shot])
        XCTAssertEqual(view.status, 0, view.stderr)
        let rgb = try PNGFile.read(path: shot).quantized8()
        let notice = OverlayLayout.noticeColor
        let hits = (11..<18).flatMap { y in (0..<320).filter { x in
            let i = (y * 320 + x) * 3
            return rgb[i] == notice.r && rgb[i + 1] == notice.g && rgb[i + 2] == notice.b
        } }
        XCTAssertGreaterThan(hits.count, 50, "the notice line is drawn")
        XCTAssert((0..<320 * 11).allSatisfy { i in !(rgb[i * 3] == notice.r && rgb[i * 3 + 1] == notice.g && rgb[i * 3 + 2] == notice.b) },
                  "the first HUD line is not in the notice colour")
    }

    func testBadMouseEventsAreRefusedInOneLine() throws {
        let view = try run(try ViewerWindowTests.executable(), ["view", ViewerWindowTests.scene("dancer.4d.ply"),
                                                                 "--inject-commands", "1:press/10"])
        XCTAssertNotEqual(view.status, 0)
        XCTAssert(view.stderr.contains("mouse events are N:press/X/Y"), view.stderr)
    }
}
