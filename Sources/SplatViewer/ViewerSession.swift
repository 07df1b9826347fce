import CGLFW
import Foundation
import SplatCore
import SplatFormats
import SplatGPU
import SplatPNG
import SplatRender

/// One run of the viewer's per-frame loop: input, swapchain upkeep, render, present, title and
/// the summary's measurements. The window and graphics are made (and outlive it) elsewhere.
final class ViewerSession {
    private let window: Window
    private let graphics: ViewerGraphics
    private var config: ViewerConfiguration
    private var state: ViewerState
    private(set) var summary = ViewerSummary()
    private let wall = SystemClock()
    private var swapchain: Swapchain?
    private var needsSwapchain = true
    /// When the last frame was presented; nil after a pause in drawing.
    private var lastPresent: Double?
    private var renderSeconds = 0.0, presentSeconds = 0.0
    private var lastLoop: Double
    private var title: TitleRate
    private var lastVisible = 0
    private var pendingResize: (frames: Int, width: Int, height: Int)?
    private var lastDrawn: (camera: Camera, time: Double, generation: Int)?
    private var idle = false
    /// Streaming: the frames shown while the playhead's are decoded, and why (`StreamPlayback`).
    private var playback = StreamPlayback()
    /// The test hook's commands not yet typed, and paths not yet dropped, by frame.
    private var pendingInjected: [Int: [ViewerCommand]]
    private var pendingDrops: [Int: [String]]
    /// The recording in progress (V, --record), and the path the next one starts at the first frame drawn.
    private var recorder: ScreenRecorder?
    private var pendingRecording: String?
    private var pendingPointer: [Int: [PointerEvent]]
    /// The overlay drawn over the last frame presented (for the exit line's cost measurement).
    private var lastOverlay: [OverlayPrimitive] = []
    /// Shown in the overlay's HUD: why the last dropped file did not open.
    private var notice: String?

    /// Frames per second for the title, measured over half-second windows.
    private struct TitleRate {
        var frames = 0
        var start: Double
        var framesPerSecond: Double?
    }

    init(window: Window, graphics: ViewerGraphics, config: ViewerConfiguration) {
        self.window = window
        self.graphics = graphics
        self.config = config
        state = Viewer.makeState(config)
        summary.device = graphics.deviceDescription
        summary.streamed = config.stream != nil
        lastLoop = wall.seconds
        title = TitleRate(start: wall.seconds)
        pendingResize = config.resizeAfterFrames
        pendingInjected = config.injectedCommands
        pendingDrops = config.injectedDrops
        pendingRecording = config.recordPath
        pendingPointer = config.injectedPointer
    }

    func run() throws -> ViewerSummary {
        defer { recorder?.abandon() }  // an error ends the run: the recording is not kept half-written
        while !window.shouldClose {
            guard try step() else { break }
        }
        try stopRecording()
        summary.meanRenderMilliseconds = summary.frames > 0 ? renderSeconds * 1000 / Double(summary.frames) : 0
        summary.meanPresentMilliseconds = summary.frames > 0 ? presentSeconds * 1000 / Double(summary.frames) : 0
        if let path = config.screenshotPath {
            try saveScreenshot(to: path)
            summary.screenshot = path
        }
        if !lastOverlay.isEmpty, summary.width > 0 {
            summary.overlayMilliseconds = try graphics.presenter.overlayMilliseconds(lastOverlay, width: summary.width,
                                                                                     height: summary.height, repeats: 10)
        }
        if state.pathEditor.isDirty, state.pathEditor.file != nil { savePath() }
        try graphics.presenter.waitUntilIdle()
        return summary
    }

    /// One pass of the loop; false to quit.
    private func step() throws -> Bool {
        glfwPollEvents()
        let now = wall.seconds
        let seconds = Float(min(now - lastLoop, 0.1))  // a stall does not fling the camera
        lastLoop = now
        if let injected = pendingInjected.removeValue(forKey: summary.frames) { window.input.commands += injected }
        if let drops = pendingDrops.removeValue(forKey: summary.frames) { window.input.dropped += drops }
        updateTimelineHitTest()
        pendingPointer.removeValue(forKey: summary.frames)?.forEach(window.input.inject)
        let dropped = openDropped()
        guard let commanded = try handleCommands(at: now) else { return false }
        let hadInput = applyTimelineInput() || commanded

        let size = window.framebufferSize
        if size.width == 0 || size.height == 0 {  // minimised: nothing to draw into
            pauseDrawing()
            return true
        }
        let moved = steerCamera(seconds: seconds, framebuffer: size) || hadInput || dropped
        guard let swapchain = try currentSwapchain(size: size) else { return true }

        let time = streamedTime(state.clock.tick())
        let camera = state.camera(width: swapchain.width, height: swapchain.height, time: time)
        if isShowing(camera: camera, time: time, on: swapchain, moved: moved) {
            if !idle {
                idle = true
                window.setTitle(titleText(time: time, framesPerSecond: nil))
            }
            pauseDrawing()
            return true
        }
        if idle {  // drawing again: restart the rate measurement
            idle = false
            title = TitleRate(start: wall.seconds)
        }
        guard try draw(camera: camera, time: time, on: swapchain) else { return true }
        updateTitle(time: time, hadInput: hadInput)
        applyPendingResize()
        if let limit = config.exitAfterFrames, summary.frames >= limit, pendingResize == nil { return false }
        return true
    }

    /// Applies the keys pressed since the last pass; nil to quit, else whether there was input.
    private func handleCommands(at now: Double) throws -> Bool? {
        for command in window.input.commands {
            switch state.handle(command) {
            case .none: break
            case .quit: return nil
            case .help: config.print(Viewer.controlsText)
            case .screenshot:
                let time = config.scene.isStatic ? nil : state.clock.time(at: now)
                let name = ViewerState.screenshotName(scene: config.sceneName, time: time, in: config.screenshotFolder)
                try saveScreenshot(to: name)
                config.print("saved \(name)")
            case .savePath: savePath()
            case .toggleRecording:
                if recorder != nil {
                    try stopRecording()
                } else {
                    pendingRecording = ViewerState.recordingName(scene: config.sceneName, in: config.screenshotFolder)
                    lastDrawn = nil  // draw now, so the recording starts with this view
                }
            case .message(let text): config.print(text)
            }
        }
        let hadInput = !window.input.commands.isEmpty
        window.input.commands.removeAll()
        return hadInput
    }

    /// Opens what was dropped onto the window: a cameras.json / transforms.json lists its cameras
    /// for N / B, a camera-path file is opened for editing, anything else is loaded as the scene.
    /// A file that fails leaves everything as it was and says why on stderr. True when something opened.
    private func openDropped() -> Bool {
        let paths = window.input.dropped
        window.input.dropped.removeAll()
        var opened = false
        for path in paths {
            do {
                try open(dropped: path)
                opened = true
                notice = nil
            } catch {
                FileHandle.standardError.write(Data("splat4d: cannot open \(path): \(error)\n".utf8))
                notice = "cannot open \((path as NSString).lastPathComponent): \(error)"
                opened = true  // redraw: the HUD shows why
            }
        }
        return opened
    }

    private func open(dropped path: String) throws {
        if path.lowercased().hasSuffix(".json") {
            if let cameras = try? CameraFile.load(path: path), !cameras.isEmpty {
                state.replaceCameras(cameras)
                config.print("listed \(cameras.count) camera\(cameras.count == 1 ? "" : "s") from \(path) (N / B walk them)")
                return
            }
            _ = try CameraKeyframes.load(path: path, width: 2, height: 2)
            state.pathEditor = try CameraPathEditor.open(path)
            config.print("editing the camera path \(path) (\(state.pathEditor.keys.count) keyframes; K adds, Ctrl+S saves)")
            return
        }
        // A dropped sequence streams like one named on the command line.
        let loaded = try SceneLoader.open(path: path, cacheBytes: config.cacheBytes)
        try graphics.replaceScene(with: loaded)
        config.stream = loaded.stream
        playback = StreamPlayback()
        let size = (width: swapchain?.width ?? config.home.width, height: swapchain?.height ?? config.home.height)
        config.scene = loaded.scene
        config.sceneName = (path as NSString).lastPathComponent
        config.home = Camera.framing(loaded.scene.canonical, width: size.width, height: size.height)
        config.up = [0, -1, 0]  // the automatic framing's up
        config.pivotDistance = nil
        config.cameras = loaded.scene.metadata.cameras
        config.startCameraIndex = nil
        config.startTime = nil
        let editor = state.pathEditor
        state = Viewer.makeState(config)
        state.pathEditor = editor
        lastDrawn = nil
        window.setTitle(titleText(time: state.clock.currentTime, framesPerSecond: nil))
        let streamed = loaded.stream.map { ", \($0.frameCount) frames streamed through a \($0.cache.budget >> 20) MiB cache" } ?? ""
        config.print("opened \(config.sceneName): \(loaded.scene.count) Gaussians\(streamed)")
    }

    /// The overlay's layout for the frame being drawn: the swapchain's size, else the window's.
    private var layout: OverlayLayout {
        let size = swapchain.map { (width: $0.width, height: $0.height) } ?? window.framebufferSize
        return OverlayLayout(width: size.width, height: size.height)
    }

    /// Framebuffer pixels per window coordinate (cursor positions are in window coordinates).
    private var pixelScale: SIMD2<Double> {
        let pixels = window.framebufferSize, points = window.windowSize
        return SIMD2(points.width > 0 ? Double(pixels.width) / Double(points.width) : 1,
                     points.height > 0 ? Double(pixels.height) / Double(points.height) : 1)
    }

    /// What the timeline shows at scene time `time`; nil for a static scene (no timeline).
    private func timeline(at time: Double) -> TimelineContent? {
        guard !config.scene.isStatic, let range = state.clock.timing.range else { return nil }
        return TimelineContent(range: range, unit: config.scene.metadata.timeUnit, time: time, playing: state.clock.isPlaying,
                               speed: state.clock.speed, loops: state.clock.loops,
                               keyframes: state.pathEditor.keys.map { Double($0.time) })
    }

    /// Tells the input recorder where the timeline is, so a press there scrubs instead of orbiting.
    private func updateTimelineHitTest() {
        let layout = self.layout, scale = pixelScale
        let hasTimeline = state.showsOverlay && !config.scene.isStatic && state.clock.timing.range != nil
        window.input.timelineContains = { p in hasTimeline && layout.isOnTimeline(x: p.x * scale.x, y: p.y * scale.y) }
    }

    /// Seeks for presses and drags on the timeline and steps frames for its wheel; true when there were any.
    private func applyTimelineInput() -> Bool {
        let scrubs = window.input.scrubs, wheel = window.input.timelineWheel
        window.input.scrubs.removeAll()
        window.input.timelineWheel = 0
        guard let range = state.clock.timing.range else { return false }
        let layout = self.layout, scale = pixelScale.x
        for scrub in scrubs { state.scrub(scrub.phase, to: layout.time(atX: scrub.x * scale, range: range)) }
        state.stepFrames(wheel: wheel)
        return !scrubs.isEmpty || wheel != 0
    }

    /// What the overlay draws over a frame at `time`: nothing when hidden (O, --no-overlay).
    private func overlay(at time: Double, width: Int, height: Int) -> [OverlayPrimitive] {
        guard state.showsOverlay else { return [] }
        // A streamed sequence's state shows in the HUD too: "buffering", or the notice of a bad frame.
        let hud = HUDContent(framesPerSecond: idle ? nil : title.framesPerSecond, visibleGaussians: lastVisible,
                             totalGaussians: config.scene.count, buffering: playback.status == "buffering",
                             notice: notice ?? playback.status.flatMap { $0 == "buffering" ? nil : $0 })
        return OverlayLayout(width: width, height: height).primitives(timeline: timeline(at: time), hud: hud, help: state.showsHelp)
    }

    /// Writes the keyframes to the --camera-path file; a failure is reported, never fatal.
    private func savePath() {
        do {
            try state.pathEditor.save()
            config.print("saved the camera path (\(state.pathEditor.keys.count) keyframes) to \(state.pathEditor.file ?? "")")
        } catch {
            config.print("cannot save the camera path: \(error)")
        }
    }

    /// Mouse and held keys move the camera; true when they did.
    private func steerCamera(seconds: Float, framebuffer size: (width: Int, height: Int)) -> Bool {
        let mouse = window.input.takeMouse()
        state.mouse(orbit: mouse.orbit, pan: mouse.pan, wheel: mouse.wheel, viewportHeight: swapchain?.height ?? size.height)
        let held = window.heldKeys
        state.fly(held, seconds: seconds)
        return mouse.orbit != .zero || mouse.pan != .zero || mouse.wheel != 0 || held.move != .zero
    }

    /// The swapchain at the window's size, remade after a resize or when out of date; nil while
    /// the surface has no area.
    private func currentSwapchain(size: (width: Int, height: Int)) throws -> Swapchain? {
        if window.input.framebufferResized || swapchain.map({ $0.width != size.width || $0.height != size.height }) ?? true {
            needsSwapchain = true
            window.input.framebufferResized = false
        }
        if needsSwapchain {
            try graphics.presenter.waitUntilIdle()
            let old = swapchain
            swapchain = nil
            swapchain = try graphics.makeSwapchain(size: size, vsync: config.vsync, replacing: old)
            guard let made = swapchain else {  // zero-area surface: wait like a minimised window
                pauseDrawing()
                return nil
            }
            summary.swapchainsCreated += 1
            summary.presentMode = made.presentModeName
            needsSwapchain = false
        }
        return swapchain
    }

    /// Paused and still: the frame on screen is current, so wait for input instead of redrawing
    /// it (scripted runs with an exit frame count always draw).
    private func isShowing(camera: Camera, time: Double, on swapchain: Swapchain, moved: Bool) -> Bool {
        guard config.exitAfterFrames == nil, !moved, !state.clock.isPlaying, let drawn = lastDrawn else { return false }
        return drawn.camera == camera && drawn.time == time && drawn.generation == swapchain.generation
    }

    /// Renders and presents one frame; false when the swapchain was out of date (nothing shown).
    private func draw(camera: Camera, time: Double, on swapchain: Swapchain) throws -> Bool {
        let waitStart = wall.seconds
        try graphics.presenter.waitUntilIdle()  // the last present has read the colour buffer
        presentSeconds += wall.seconds - waitStart
        let renderStart = wall.seconds
        let frame = try graphics.renderer.render(at: Float(time), camera: camera, settings: config.settings)
        renderSeconds += wall.seconds - renderStart
        lastVisible = frame.statistics.visibleGaussians

        let presentStart = wall.seconds
        let overlay = overlay(at: time, width: swapchain.width, height: swapchain.height)
        let outcome = try graphics.presenter.present(frame, of: graphics.rasterizer, to: swapchain, overlay: overlay)
        presentSeconds += wall.seconds - presentStart
        switch outcome {
        case .outOfDate:
            needsSwapchain = true
            return false
        case .suboptimal:
            needsSwapchain = true
        case .presented:
            break
        }
        summary.frames += 1
        try record(width: swapchain.width, height: swapchain.height)
        lastOverlay = overlay
        lastDrawn = (camera, time, swapchain.generation)
        summary.width = swapchain.width
        summary.height = swapchain.height
        let presentedAt = wall.seconds
        if let last = lastPresent {
            summary.seconds += presentedAt - last
            summary.intervals += 1
        }
        lastPresent = presentedAt
        return true
    }

    private func updateTitle(time: Double, hadInput: Bool) {
        let now = lastPresent ?? wall.seconds
        title.frames += 1
        if now - title.start >= 0.5 {
            title.framesPerSecond = Double(title.frames) / (now - title.start)
            title.frames = 0
            title.start = now
        }
        if summary.frames == 1 || title.frames == 0 || hadInput {
            window.setTitle(titleText(time: time, framesPerSecond: title.framesPerSecond))
        }
    }

    /// The test hook: resize the window once, and wait until it has that size.
    private func applyPendingResize() {
        guard let resize = pendingResize, summary.frames >= resize.frames else { return }
        pendingResize = nil
        window.setSize(width: resize.width, height: resize.height)
        let deadline = wall.seconds + 5
        while window.framebufferSize != (resize.width, resize.height), wall.seconds < deadline {
            glfwWaitEventsTimeout(0.05)
        }
        lastPresent = nil
    }

    /// Waits a little for events; the next interval is not a drawing interval.
    private func pauseDrawing() {
        glfwWaitEventsTimeout(0.1)
        lastPresent = nil
    }

    /// The time to draw: `time` when its frames are decoded; else the last time that was, with the
    /// clock paused until they are (play resumes by itself), or past a frame that fails to decode.
    private func streamedTime(_ time: Double) -> Double {
        guard let stream = config.stream else { return time }
        let now = wall.seconds
        let before = playback.status
        let shown = playback.time(for: time, readiness: stream.readiness(at: Float(time)), now: now,
                                  clock: &state.clock, summary: &summary, log: { message in
            FileHandle.standardError.write(Data("splat4d: \(message)\n".utf8))
        })
        if playback.status != before { window.setTitle(titleText(time: shown, framesPerSecond: nil)) }
        return shown
    }

    private func titleText(time: Double, framesPerSecond: Double?) -> String {
        ViewerState.title(scene: config.sceneName, time: config.scene.isStatic ? nil : time, range: state.clock.timing.range,
                          unit: config.scene.metadata.timeUnit, playing: state.clock.isPlaying, speed: state.clock.speed,
                          loops: state.clock.loops, framesPerSecond: framesPerSecond, idle: idle, visible: lastVisible,
                          total: config.scene.count, status: playback.status)
    }

    /// Hands the frame just shown to the recording, starting one where asked; a window resized
    /// during a recording ends it (a video has one frame size).
    private func record(width: Int, height: Int) throws {
        if let active = recorder, active.width != width || active.height != height {
            try stopRecording()
            config.print("the window was resized: recording stopped (V starts a new one)")
        }
        if recorder == nil, let path = pendingRecording {
            pendingRecording = nil
            recorder = try ScreenRecorder(path: path, width: width, height: height, start: wall.seconds, codec: config.recordCodec)
            config.print("recording to \(path) (V stops)")
        }
        guard let recorder, let image = try graphics.shownImage(withOverlay: false) else { return }
        try recorder.show(image, at: wall.seconds)
    }

    private func stopRecording() throws {
        guard let active = recorder else { return }
        recorder = nil
        let frames = try active.finish(at: wall.seconds)
        summary.recordings.append(active.path)
        config.print("recorded \(frames) frames to \(active.path)")
    }

    private func saveScreenshot(to path: String) throws {
        guard let image = try graphics.shownImage(withOverlay: config.screenshotWithOverlay) else {
            throw ViewerError("\(path): no frame was shown, so there is no screenshot to write")
        }
        try PNGFile.write(image, to: path)
    }
}
