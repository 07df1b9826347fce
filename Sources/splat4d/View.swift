import ArgumentParser
import Foundation
import SplatCore
import SplatFormats
import SplatRender
import SplatGPU
import SplatViewer

/// The interactive viewer: plays a performance in a window, in real time, with the renderer of
/// `render` (so a screenshot matches `render` with the same camera, time and size).
struct View: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Preview a scene in a window: play, pause, scrub time, orbit, pan, zoom, fly.",
        discussion: """
            Controls: left drag orbit, right/middle drag pan, wheel zoom, WASD fly (Q/E down/up, Shift faster), \
            R reset, N/B next/previous camera, Space play/pause, ←/→ step, −/+ speed, Home/End, L loop, \
            click or drag the timeline to seek (wheel there: frame steps), K/Shift+K keyframes, [/] jump between them, \
            C path preview, Ctrl+S save the path, P screenshot, V record a video (--record PATH, else NAME-recording.mp4), H help (on screen), O hide the overlay, Esc quit. \
            On exit it prints one line with the frame count and mean frames/s.
            """)

    @OptionGroup var input: SceneArguments

    @OptionGroup var camera: CameraOptions

    @OptionGroup var appearance: AppearanceOptions

    @Option(help: "Vulkan device: an index or a name substring (see `splat4d info --devices`).")
    var device: String?


    @Option(help: "Start at this scene time, paused (in the scene's time unit). Default: the start, playing.")
    var time: Float?

    @Option(help: "Wall-clock seconds a 0…1 trainer segment (Spacetime Gaussians, splaTV) plays in at 1×.")
    var segmentDuration: Double = PlaybackTiming.defaultSegmentDuration


    @Flag(help: "Present without waiting for vertical blank (immediate or mailbox), to measure frames/s.")
    var noVsync = false

    @Option(help: "Quit after showing this many frames (scripts, tests, benchmarks).")
    var exitAfterFrames: Int?

    @Option(help: ArgumentHelp("A camera path to make or edit: K adds keyframes, Ctrl+S (and exit) saves it here for `render --camera-path` (loaded first when it exists).", valueName: "path.json"))
    var cameraPath: String?

    @Option(help: "On exit, write the last frame shown (window resolution) to this PNG file.")
    var screenshot: String?

    @Option(help: ArgumentHelp("Record the window (without overlays) into this video from the first frame until V or exit; "
                               + "real-time speed at 30 frames/s (.mp4, .webm, .mov, .gif).", valueName: "video"))
    var record: String?

    @OptionGroup var video: VideoOptions

    @Flag(help: "Start with the overlay (timeline, HUD) hidden; O shows it.")
    var noOverlay = false

    @Flag(help: "Screenshots (--screenshot, P) include the overlay; by default they are the frame alone, as `render` draws it.")
    var screenshotOverlay = false

    @Option(help: ArgumentHelp("Test hook: after N frames resize the window to W×H.", valueName: "N:WxH", visibility: .hidden))
    var resizeAfterFrames: String?

    @Option(help: ArgumentHelp("Test hook: commands typed before frame N, e.g. 2:addKeyframe,3:togglePathPreview; mouse events (window coordinates, left button) as N:press/X/Y, N:move/X/Y, N:release/X/Y, N:wheel/X/Y/NOTCHES.",
                               valueName: "N:COMMAND,...", visibility: .hidden))
    var injectCommands: String?

    @Option(help: ArgumentHelp("Test hook: a path dropped onto the window before frame N (repeatable).",
                               valueName: "N:PATH", visibility: .hidden))
    var injectDrop: [String] = []

    /// The --inject-drop paths by frame.
    static func parseDrops(_ items: [String]) throws -> [Int: [String]] {
        var out: [Int: [String]] = [:]
        for item in items {
            guard let colon = item.firstIndex(of: ":"), let frame = Int(item[..<colon]), frame >= 0 else {
                throw ValidationError("--inject-drop expects N:PATH, got '\(item)'")
            }
            out[frame, default: []].append(String(item[item.index(after: colon)...]))
        }
        return out
    }

    /// The --inject-commands list by frame (mouse events are parsed by `parsePointer`).
    static func parseInjected(_ text: String?) throws -> [Int: [ViewerCommand]] {
        guard let text else { return [:] }
        var out: [Int: [ViewerCommand]] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":")
            if parts.count == 2, parts[1].contains("/") { continue }  // a mouse event
            guard parts.count == 2, let frame = Int(parts[0]), frame >= 0,
                  let command = ViewerCommand.allCases.first(where: { "\($0)" == parts[1] }) else {
                throw ValidationError("--inject-commands expects N:COMMAND items (commands: \(ViewerCommand.allCases.map { "\($0)" }.joined(separator: " ")); mouse: press/X/Y move/X/Y release/X/Y wheel/X/Y/NOTCHES), got '\(item)'")
            }
            out[frame, default: []].append(command)
        }
        return out
    }

    /// The mouse events of the --inject-commands list by frame: N:press/X/Y, N:move/X/Y,
    /// N:release/X/Y, N:wheel/X/Y/NOTCHES.
    static func parsePointer(_ text: String?) throws -> [Int: [PointerEvent]] {
        guard let text else { return [:] }
        var out: [Int: [PointerEvent]] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":")
            guard parts.count == 2, parts[1].contains("/") else { continue }
            let fields = parts[1].split(separator: "/").map(String.init)
            let numbers = fields.dropFirst().compactMap { Double($0) }.filter(\.isFinite)
            let event: PointerEvent?
            switch (fields[0], numbers.count == fields.count - 1 ? numbers.count : -1) {
            case ("press", 2): event = .press(x: numbers[0], y: numbers[1])
            case ("move", 2): event = .move(x: numbers[0], y: numbers[1])
            case ("release", 2): event = .release(x: numbers[0], y: numbers[1])
            case ("wheel", 3): event = .wheel(x: numbers[0], y: numbers[1], notches: numbers[2])
            default: event = nil
            }
            guard let frame = Int(parts[0]), frame >= 0, let event else {
                throw ValidationError("--inject-commands: mouse events are N:press/X/Y, N:move/X/Y, N:release/X/Y or N:wheel/X/Y/NOTCHES, got '\(item)'")
            }
            out[frame, default: []].append(event)
        }
        return out
    }

    func validate() throws {
        if let n = exitAfterFrames, n < 1 { throw ValidationError("--exit-after-frames must be 1 or more") }
        guard segmentDuration.isFinite, segmentDuration > 0 else { throw ValidationError("--segment-duration must be a positive number of seconds") }
        if let screenshot, !screenshot.lowercased().hasSuffix(".png") {
            throw ValidationError("--screenshot must name a .png file, got '\(screenshot)'")
        }
        if let record, !VideoContainer.isVideo(record) {
            throw ValidationError("--record must name a \(VideoContainer.extensionList) video, got '\(record)'")
        }
        _ = try View.parseInjected(injectCommands)
        _ = try View.parsePointer(injectCommands)
        _ = try View.parseDrops(injectDrop)
        if let resize = try View.parseResize(resizeAfterFrames), let limit = exitAfterFrames, resize.frames >= limit {
            throw ValidationError("--resize-after-frames must come before --exit-after-frames")
        }
    }

    /// "N:WxH" → (N, W, H).
    static func parseResize(_ text: String?) throws -> (frames: Int, width: Int, height: Int)? {
        guard let text else { return nil }
        let parts = text.split(separator: ":")
        let size = parts.count == 2 ? parts[1].split(separator: "x") : []
        guard parts.count == 2, size.count == 2, let n = Int(parts[0]), let w = Int(size[0]), let h = Int(size[1]),
              n >= 1, (1...16384).contains(w), (1...16384).contains(h) else {
            throw ValidationError("--resize-after-frames expects N:WxH (frames ≥ 1, sizes 1…16384), got '\(text)'")
        }
        return (n, w, h)
    }

    func run() throws {
        if let screenshot { try OutputPath.checkWritable(screenshot) }
        if let record {
            _ = try FFmpeg.locate()  // before the window opens: a missing ffmpeg names its package
            try video.settings(container: VideoContainer(path: record)!, alpha: false).validate()
            try OutputPath.checkWritable(record)
        }
        do {
            try Viewer.requireDisplay()  // before loading: no display is the commonest reason to fail
        } catch let error as ViewerError {
            throw UserError(error.description)
        }
        let loaded = try input.open()
        let scene = input.scene
        let t = try SceneTime.resolve(time, for: loaded.scene, sceneName: scene)
        let request = try self.camera.request()
        let sceneCameras = loaded.scene.metadata.cameras
        let home = try request.resolve(for: loaded.cloud, sceneCameras: sceneCameras)

        var config = ViewerConfiguration(scene: loaded.scene, sceneName: (scene as NSString).lastPathComponent, home: home)
        switch request.source {
        case .lookAt(let eye, let target, let up):
            config.up = up
            config.pivotDistance = length(target - eye)
        case .automatic where sceneCameras.isEmpty:
            config.up = [0, -1, 0]  // the automatic framing's up
        default:
            break
        }
        config.cameras = try listedCameras(request: request, sceneCameras: sceneCameras)
        config.startCameraIndex = startIndex(request: request, in: config.cameras)
        config.stream = loaded.stream
        config.cacheBytes = input.cache.bytes
        config.settings = try appearance.settings(for: loaded)
        config.devicePreference = device
        config.vsync = !noVsync
        config.startTime = time == nil ? nil : Double(t)
        config.segmentDuration = segmentDuration
        config.exitAfterFrames = exitAfterFrames
        config.screenshotPath = screenshot
        config.recordPath = record
        config.recordCodec = video.request
        if let cameraPath { config.cameraPath = try CameraPathEditor.open(cameraPath) }
        config.injectedCommands = try View.parseInjected(injectCommands)
        config.injectedPointer = try View.parsePointer(injectCommands)
        config.showsOverlay = !noOverlay
        config.screenshotWithOverlay = screenshotOverlay
        config.injectedDrops = try View.parseDrops(injectDrop)
        config.resizeAfterFrames = try View.parseResize(resizeAfterFrames)

        let summary: ViewerSummary
        do {
            summary = try Viewer.run(config)
        } catch let error as ViewerError {
            throw UserError(error.description
                + (error.anotherDeviceMayWork ? "; pick another device with --device (`splat4d info --devices`)" : ""))
        } catch let error as VulkanError {
            throw UserError("cannot run the Vulkan viewer: \(error)")
        } catch let error as GPUError {
            throw UserError("cannot run the Vulkan viewer: \(error.description)")
        } catch let error as SceneUploadError {
            throw UserError("cannot run the Vulkan viewer: \(error.description)")
        }
        if let shot = summary.screenshot { print("saved \(shot)") }
        print(summary.line)
    }

    /// The cameras N / B walk through: the --camera file's, else the scene's own.
    private func listedCameras(request: CameraRequest, sceneCameras: [Camera]) throws -> [Camera] {
        if case .file(let path, _) = request.source { return try CameraFile.load(path: path) }
        return sceneCameras
    }

    private func startIndex(request: CameraRequest, in cameras: [Camera]) -> Int? {
        let selection: CameraRequest.Selection
        switch request.source {
        case .file(_, let s), .scene(let s): selection = s
        case .automatic where !cameras.isEmpty: selection = .index(0)
        default: return nil
        }
        switch selection {
        case .index(let i): return cameras.indices.contains(i) ? i : nil
        case .name(let name): return cameras.firstIndex { $0.name == name }
        }
    }
}
