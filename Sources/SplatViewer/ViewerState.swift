import Foundation
import SplatCore

/// What the keys do, independent of the windowing library (Window maps GLFW keys to these).
public enum ViewerCommand: Sendable, Equatable, CaseIterable {
    case togglePlay, stepBack, stepForward, slower, faster, jumpToStart, jumpToEnd, toggleLoop
    case resetCamera, nextCamera, previousCamera, screenshot, help, quit
    /// Camera keyframes: K adds, Shift+K removes the nearest, [ / ] jump between them, C previews
    /// the path, Ctrl+S saves it.
    case addKeyframe, removeKeyframe, previousKeyframe, nextKeyframe, togglePathPreview, savePath
    /// V: start / stop recording the window into a video.
    case toggleRecording
    /// O: show / hide the on-screen overlay (timeline and HUD).
    case toggleOverlay
}

/// A scripted mouse event (the --inject-commands test hook), in window coordinates: the left
/// button's press, a cursor move, its release, and wheel notches (positive: up).
public enum PointerEvent: Sendable, Equatable {
    case press(x: Double, y: Double), move(x: Double, y: Double), release(x: Double, y: Double)
    case wheel(x: Double, y: Double, notches: Double)
}

/// A drag on the timeline: its press, its moves and its release.
public enum ScrubPhase: Sendable, Equatable {
    case begin, move, end
}

/// Keys held down this frame, for flying.
public struct HeldKeys: Sendable, Equatable {
    public var forward = false, back = false, left = false, right = false, up = false, down = false, fast = false
    public init() {}

    /// (right, up, forward) in −1…1: D−A, E−Q, W−S.
    public var move: SIMD3<Float> {
        SIMD3(Float((right ? 1 : 0) - (left ? 1 : 0)), Float((up ? 1 : 0) - (down ? 1 : 0)),
              Float((forward ? 1 : 0) - (back ? 1 : 0)))
    }
}

/// The viewer's state apart from the window and the GPU: camera, clock, listed cameras, and the
/// mapping from input to changes. Plain Swift, tested without a window.
public struct ViewerState {
    public var controller: CameraController
    public var clock: PlaybackClock
    /// Cameras N / B walk through (a cameras.json, or the scene's own).
    public private(set) var cameras: [Camera]
    /// The listed camera the view last jumped to.
    public private(set) var cameraIndex: Int?
    /// Robust centre and radius of the scene, for pivots of listed cameras.
    public let sceneCenter: SIMD3<Float>
    public let sceneRadius: Float
    /// Camera keyframes made in this session (or loaded from --camera-path).
    public var pathEditor = CameraPathEditor()
    /// True while the camera follows the keyframed path (C).
    public private(set) var previewingPath = false
    /// Whether the overlay (timeline, HUD) is drawn; O toggles it.
    public var showsOverlay = true
    /// Whether the overlay shows the controls panel; H toggles it.
    public private(set) var showsHelp = false
    /// While dragging on the timeline: whether playback ran before the drag (restored on release).
    public private(set) var playingBeforeScrub: Bool?

    /// What the window must do after a command.
    public enum Effect: Equatable, Sendable {
        case none, screenshot, quit, help, savePath, toggleRecording
        /// A one-line message for the user (stdout), e.g. "keyframe 3 added at t = 1.250".
        case message(String)
    }

    public init(controller: CameraController, clock: PlaybackClock, cameras: [Camera] = [], cameraIndex: Int? = nil,
                sceneCenter: SIMD3<Float>, sceneRadius: Float) {
        self.controller = controller
        self.clock = clock
        self.cameras = cameras
        self.cameraIndex = cameraIndex
        self.sceneCenter = sceneCenter
        self.sceneRadius = sceneRadius
    }

    public mutating func handle(_ command: ViewerCommand) -> Effect {
        switch command {
        case .togglePlay: clock.togglePlaying()
        case .stepBack: clock.step(frames: -1)
        case .stepForward: clock.step(frames: 1)
        case .slower: clock.slower()
        case .faster: clock.faster()
        case .jumpToStart: clock.jumpToStart()
        case .jumpToEnd: clock.jumpToEnd()
        case .toggleLoop: clock.loops.toggle()
        case .resetCamera: controller.reset()
        case .nextCamera: jumpToListedCamera(by: 1)
        case .previousCamera: jumpToListedCamera(by: -1)
        case .screenshot: return .screenshot
        case .toggleRecording: return .toggleRecording
        case .help:
            showsHelp.toggle()
            return .help
        case .toggleOverlay: showsOverlay.toggle()
        case .quit: return .quit
        case .addKeyframe, .removeKeyframe, .previousKeyframe, .nextKeyframe, .togglePathPreview, .savePath:
            return handleKeyframes(command)
        }
        return .none
    }

    private mutating func handleKeyframes(_ command: ViewerCommand) -> Effect {
        let time = Float(clock.currentTime)
        switch command {
        case .addKeyframe:
            pathEditor.add(controller.camera(width: controller.home.width, height: controller.home.height), at: time)
            return .message(String(format: "keyframe added at t = %.3f (%d keyframes)", time, pathEditor.keys.count))
        case .removeKeyframe:
            guard pathEditor.removeNearest(to: time) else { return .message("no keyframe to remove") }
            if pathEditor.keys.isEmpty { previewingPath = false }
            return .message("keyframe removed (\(pathEditor.keys.count) left)")
        case .previousKeyframe, .nextKeyframe:
            let target = command == .nextKeyframe ? pathEditor.keyTime(after: time) : pathEditor.keyTime(before: time)
            guard let target else { return .none }
            clock.pause()
            clock.seek(to: Double(target))
            return .none
        case .togglePathPreview:
            guard !pathEditor.keys.isEmpty else { return .message("no keyframes to preview: K adds one") }
            previewingPath.toggle()
            return .message(previewingPath ? "previewing the camera path" : "free camera")
        case .savePath:
            return .savePath
        default:
            return .none
        }
    }

    /// The camera to draw at scene time `time`: the keyframed path while previewing it, else the
    /// free camera.
    public func camera(width: Int, height: Int, time: Double) -> Camera {
        if previewingPath, let path = pathEditor.path(width: width, height: height) {
            return path.camera(at: Float(time))
        }
        return controller.camera(width: width, height: height)
    }

    /// A drag on the timeline to scene time `time`: the press pauses (remembering the play
    /// state), every phase seeks, the release restores the play state.
    public mutating func scrub(_ phase: ScrubPhase, to time: Double) {
        if playingBeforeScrub == nil {  // the press (or a move whose press was not seen)
            playingBeforeScrub = clock.isPlaying
            clock.pause()
        }
        clock.seek(to: time)
        if phase == .end {
            if playingBeforeScrub == true { clock.play() }
            playingBeforeScrub = nil
        }
    }

    /// The wheel over the timeline: one frame per notch, up (positive) forward; pauses like ← / →.
    public mutating func stepFrames(wheel notches: Float) {
        let frames = Int(notches.rounded())
        if frames != 0 { clock.step(frames: frames) }
    }

    /// A new list for N / B (a cameras file dropped onto the window); the view stays where it is.
    public mutating func replaceCameras(_ list: [Camera]) {
        cameras = list
        cameraIndex = nil
    }

    private mutating func jumpToListedCamera(by offset: Int) {
        guard !cameras.isEmpty else { return }
        let next: Int
        if let cameraIndex {
            next = ((cameraIndex + offset) % cameras.count + cameras.count) % cameras.count
        } else {
            next = offset > 0 ? 0 : cameras.count - 1
        }
        cameraIndex = next
        let camera = cameras[next]
        controller.jump(to: camera, pivotDistance: CameraController.pivotDistance(for: camera, center: sceneCenter, radius: sceneRadius))
    }

    /// Mouse input gathered since the last frame.
    public mutating func mouse(orbit: SIMD2<Float>, pan: SIMD2<Float>, wheel: Float, viewportHeight: Int) {
        controller.orbit(dx: orbit.x, dy: orbit.y)
        controller.pan(dx: pan.x, dy: pan.y, viewportHeight: viewportHeight)
        controller.zoom(notches: wheel)
    }

    public mutating func fly(_ held: HeldKeys, seconds: Float) {
        controller.fly(move: held.move, seconds: seconds, fast: held.fast)
    }

    /// The window title: scene, time, play state and speed, frames/s, visible Gaussians.
    public static func title(scene: String, time: Double?, range: ClosedRange<Double>?, unit: String, playing: Bool, speed: Double,
                             loops: Bool, framesPerSecond: Double?, idle: Bool = false, visible: Int, total: Int,
                             status: String? = nil) -> String {
        var parts = ["Splat4D", scene]
        if let time, let range {
            let unitLabel = unit == "seconds" ? " s" : (unit == "frames" ? " frames" : "")
            parts.append(String(format: "t %.3f / %.3f%@", time, range.upperBound, unitLabel))
            parts.append("\(playing ? "playing" : "paused") \(formatSpeed(speed))×\(loops ? "" : " once")")
        }
        // Idle: paused and still, so nothing is redrawn until the next input.
        parts.append(idle ? "idle" : framesPerSecond.map { String(format: "%.1f fps", $0) } ?? "– fps")
        parts.append("\(grouped(visible)) / \(grouped(total)) Gaussians visible")
        if let status { parts.append(status) }  // a streamed sequence: "buffering", a bad frame
        return parts.joined(separator: " · ")
    }

    static func formatSpeed(_ speed: Double) -> String {
        if speed >= 1 { return speed == speed.rounded() ? String(Int(speed)) : String(speed) }
        return "1/\(Int((1 / speed).rounded()))"
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// The file name P saves to: the scene's name and the time, in `folder`, never overwriting.
    /// A recording's file name in `folder`: "<scene>-recording.mp4", then "-2", "-3" … where taken.
    public static func recordingName(scene: String, in folder: String,
                                     exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String {
        let stem = ((scene as NSString).lastPathComponent as NSString).deletingPathExtension
        let base = (folder as NSString).appendingPathComponent("\(stem.isEmpty ? "splat4d" : stem)-recording")
        var name = base + ".mp4", n = 2
        while exists(name) {
            name = "\(base)-\(n).mp4"
            n += 1
        }
        return name
    }

    public static func screenshotName(scene: String, time: Double?, in folder: String,
                                      exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String {
        let stem = ((scene as NSString).lastPathComponent as NSString).deletingPathExtension
        let base = "\(stem.isEmpty ? "splat4d" : stem)-t\(String(format: "%.3f", time ?? 0))"
        var name = (folder as NSString).appendingPathComponent(base + ".png")
        var n = 2
        while exists(name) {
            name = (folder as NSString).appendingPathComponent("\(base)-\(n).png")
            n += 1
        }
        return name
    }

    /// The controls, for H and the README.
    public static let controls: [(String, String)] = [
        ("left drag", "orbit around the pivot"),
        ("right or middle drag", "pan"),
        ("wheel", "zoom toward / away from the pivot"),
        ("click / drag on the timeline", "seek (pauses while dragging); the wheel there steps frames"),
        ("W A S D", "fly forward, left, back, right"),
        ("Q / E", "fly down / up"),
        ("Shift", "fly 4× faster"),
        ("R", "reset the camera to the starting (or last listed) view"),
        ("N / B", "next / previous listed camera (--camera file, or the scene's own)"),
        ("Space", "play / pause"),
        ("← / →", "step one frame back / forward (pauses)"),
        ("− / +", "halve / double the play speed (1/16× … 16×)"),
        ("Home / End", "jump to the start / end"),
        ("L", "loop on / off"),
        ("P", "save a PNG of the frame on screen, named with the time"),
        ("V", "start / stop recording the window (without overlays) into a video: --record PATH, else NAME-recording-N.mp4"),
        ("K / Shift+K", "add a camera keyframe (this view, this time) / remove the nearest"),
        ("[ / ]", "jump to the previous / next keyframe (pauses)"),
        ("C", "preview the camera path (the camera follows it) / back to the free camera"),
        ("Ctrl+S", "save the path to the --camera-path file (also on exit when changed)"),
        ("H", "show / hide these controls (also printed)"),
        ("O", "hide / show the overlay (timeline and HUD)"),
        ("Esc", "quit"),
    ]
}
