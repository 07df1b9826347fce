import CGLFW
import Foundation
import SplatCore
import SplatGPU
import SplatPNG
import SplatRender

/// Everything `splat4d view` decided before the window opens.
public struct ViewerConfiguration {
    public var scene: TemporalCloud
    /// A frame sequence streamed from disk (`scene` then holds frame 0 under its time range).
    public var stream: FrameStream?
    /// The frame cache's budget for a sequence dropped on the window (--cache-mb).
    public var cacheBytes = MemoryBudget.defaultFrameCacheBytes
    /// The scene's file name, for the title and screenshot names.
    public var sceneName: String
    /// The starting view; the window opens at its size.
    public var home: Camera
    /// World up for orbiting and Q/E; nil: the home camera's image-up.
    public var up: SIMD3<Float>?
    /// How far ahead of the home camera the orbit pivot lies; nil: the scene centre's depth.
    public var pivotDistance: Float?
    /// Cameras N / B walk through.
    public var cameras: [Camera] = []
    /// Which of `cameras` the home view is, if any (so N moves to the one after it).
    public var startCameraIndex: Int?
    public var settings = RenderSettings()
    public var devicePreference: String?
    public var vsync = true
    /// Start here, paused (--time); nil: start at the beginning, playing.
    public var startTime: Double?
    /// Wall-clock seconds a 0…1 trainer segment plays in.
    public var segmentDuration = PlaybackTiming.defaultSegmentDuration
    /// Quit after presenting this many frames.
    public var exitAfterFrames: Int?
    /// Write the last frame shown here on exit.
    public var screenshotPath: String?
    /// Folder for P screenshots (and V recordings after the --record one).
    public var screenshotFolder = "."
    /// Record the window into this video from the first frame (V stops it; a later V starts a new file).
    public var recordPath: String?
    /// The codec and quality of recordings.
    public var recordCodec = VideoRequest()
    /// Test hook: paths handled as if dropped onto the window before drawing frame N (keyed by N).
    public var injectedDrops: [Int: [String]] = [:]
    /// Test hook: commands handled as if typed before drawing frame N (keyed by N).
    public var injectedCommands: [Int: [ViewerCommand]] = [:]
    /// Test hook: mouse events handled as if made before drawing frame N (keyed by N).
    public var injectedPointer: [Int: [PointerEvent]] = [:]
    /// Draw the overlay (timeline, HUD) from the start (--no-overlay: false; O toggles it).
    public var showsOverlay = true
    /// Screenshots (--screenshot, P) include the overlay; by default they are the frame alone.
    public var screenshotWithOverlay = false
    /// Camera keyframes to edit (K, Shift+K, [ ], C) and the file Ctrl+S writes them to.
    public var cameraPath = CameraPathEditor()
    /// Test hook: after this many frames, resize the window (and wait until it has that size).
    public var resizeAfterFrames: (frames: Int, width: Int, height: Int)?
    public var validation = VulkanInstance.validationRequested
    /// Where the viewer's messages go (saved screenshots, help).
    public var print: (String) -> Void = { Swift.print($0) }

    public init(scene: TemporalCloud, sceneName: String, home: Camera) {
        self.scene = scene
        self.sceneName = sceneName
        self.home = home
    }
}

/// What a viewer run did, for the exit line and BENCHMARKS.md.
public struct ViewerSummary: Sendable {
    public var frames = 0
    /// Wall seconds between consecutive presented frames, summed; intervals with a pause in
    /// drawing (idle while paused, minimised, a test resize) are left out.
    public var seconds = 0.0
    /// How many intervals `seconds` sums (at most frames − 1).
    public var intervals = 0
    /// Mean frames per second while drawing: intervals / seconds.
    public var meanFramesPerSecond: Double? { intervals > 0 && seconds > 0 ? Double(intervals) / seconds : nil }
    /// Mean wall time of the renderer's `render` call per frame, in ms.
    public var meanRenderMilliseconds = 0.0
    /// Mean wall time per frame of presenting it (quantise, copy, queue present, and waiting for
    /// that work to finish before the next render), in ms.
    public var meanPresentMilliseconds = 0.0
    public var swapchainsCreated = 0
    /// GPU milliseconds the overlay adds per frame at the window's size (measured on exit when
    /// the last frame had one); nil: none drawn.
    public var overlayMilliseconds: Double?
    public var width = 0, height = 0
    public var presentMode = ""
    public var device = ""
    public var screenshot: String?
    /// Videos recorded (V, --record).
    public var recordings: [String] = []
    /// Whether frames streamed from disk; then the exit line adds the stalls.
    public var streamed = false
    /// Times the frame at the playhead was not decoded yet (the last ready frame stayed on screen).
    public var stalls = 0
    public var stallSeconds = 0.0

    public var line: String {
        let fps = meanFramesPerSecond.map { String(format: "%.1f frames/s mean", $0) } ?? "too few frames for a rate"
        return "view: \(frames) frames in \(String(format: "%.2f", seconds)) s, \(fps) (render \(String(format: "%.1f", meanRenderMilliseconds)) ms, present \(String(format: "%.1f", meanPresentMilliseconds)) ms per frame), "
            + "\(width)×\(height), \(presentMode), swapchain created \(swapchainsCreated) time\(swapchainsCreated == 1 ? "" : "s"), "
            + (overlayMilliseconds.map { String(format: "overlay %.3f ms GPU, ", $0) } ?? "") + device
            + (streamed ? ", \(stalls) stall\(stalls == 1 ? "" : "s") waiting for frames (\(String(format: "%.2f", stallSeconds)) s)" : "")
    }
}

/// The interactive viewer: a GLFW window whose Vulkan swapchain shows the VulkanRasterizer's frames.
public enum Viewer {
    /// Throws ViewerError(noDisplay: true) when no window can be opened. Cheap; call it before
    /// loading a large scene.
    public static func requireDisplay() throws { try GLFW.initialise() }

    public static func run(_ config: ViewerConfiguration) throws -> ViewerSummary {
        try GLFW.initialise()
        defer { glfwTerminate() }
        let window = try Window(width: config.home.width, height: config.home.height, title: "Splat4D · \(config.sceneName)")
        // Every Vulkan object lives inside `session` and is released (children first, by the
        // object graph) before the window is destroyed.
        return try withExtendedLifetime(window) { try session(window: window, config: config) }
    }

    private static func session(window: Window, config: ViewerConfiguration) throws -> ViewerSummary {
        let graphics = try ViewerGraphics(window: window, config: config)
        return try ViewerSession(window: window, graphics: graphics, config: config).run()
    }

    static func makeState(_ config: ViewerConfiguration) -> ViewerState {
        let cloud = config.scene.canonical
        let bounds = Bounds(robustlyEnclosing: cloud.positions) ?? Bounds(min: [-1, -1, -1], max: [1, 1, 1])
        let radius = max(length(bounds.extent) / 2, 1e-3)
        let pivot = config.pivotDistance ?? CameraController.pivotDistance(for: config.home, center: bounds.center, radius: radius)
        let controller = CameraController(home: config.home, pivotDistance: pivot, up: config.up, flySpeed: radius / 2)
        let metadata = config.scene.metadata
        let timing = PlaybackTiming.forScene(timeRange: config.scene.isStatic ? nil : metadata.timeRange, unit: metadata.timeUnit,
                                             frameRate: metadata.frameRate, segmentDuration: config.segmentDuration)
        let clock = PlaybackClock(timing: timing, start: config.startTime, playing: config.startTime == nil)
        var state = ViewerState(controller: controller, clock: clock, cameras: config.cameras, cameraIndex: config.startCameraIndex,
                                sceneCenter: bounds.center, sceneRadius: radius)
        state.pathEditor = config.cameraPath
        state.showsOverlay = config.showsOverlay
        return state
    }

    /// The controls as printed by H.
    public static var controlsText: String {
        let width = ViewerState.controls.map { $0.0.count }.max() ?? 0
        return "controls:\n" + ViewerState.controls.map { "  " + $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
            .joined(separator: "\n")
    }
}
