import CGLFW
import Foundation
import SplatCore
import SplatGPU
import SplatPNG

/// Everything `splat4d view` decided before the window opens.
public struct ViewerConfiguration {
    public var scene: TemporalCloud
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
    /// Folder for P screenshots.
    public var screenshotFolder = "."
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
    public var width = 0, height = 0
    public var presentMode = ""
    public var device = ""
    public var screenshot: String?

    public var line: String {
        let fps = meanFramesPerSecond.map { String(format: "%.1f frames/s mean", $0) } ?? "too few frames for a rate"
        return "view: \(frames) frames in \(String(format: "%.2f", seconds)) s, \(fps) (render \(String(format: "%.1f", meanRenderMilliseconds)) ms, present \(String(format: "%.1f", meanPresentMilliseconds)) ms per frame), "
            + "\(width)×\(height), \(presentMode), swapchain created \(swapchainsCreated) time\(swapchainsCreated == 1 ? "" : "s"), \(device)"
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
        let instance = try VulkanInstance(validation: config.validation, echoValidation: true,
                                          extensions: try GLFW.requiredInstanceExtensions())
        let physical = try PhysicalDevice.choose(from: try PhysicalDevice.enumerate(instance), preference: config.devicePreference)
        let device = try GPUDevice(instance: instance, physical: physical, extraExtensions: ["VK_KHR_swapchain"])
        let surface = try window.makeSurface(instance: instance)
        guard device.canPresent(to: surface.handle) else {
            throw ViewerError("\(device.info.name) cannot present to this window; pick another device with --device (`splat4d info --devices`)")
        }
        let rasterizer = try VulkanRasterizer(device: device)
        rasterizer.readsBackFrames = false  // the presenter reads the colour buffer on the GPU
        let uploaded = try rasterizer.upload(config.scene)
        let presenter = try SwapchainPresenter(device: device)

        var state = makeState(config)
        var summary = ViewerSummary()
        summary.device = "\(device.info.name) (\(device.info.driver))"
        let wall = SystemClock()
        var swapchain: Swapchain?
        var needsSwapchain = true
        var lastPresent: Double?  // nil after a pause in drawing
        var renderSeconds = 0.0, presentSeconds = 0.0
        var lastLoop = wall.seconds
        var titleFrames = 0, titleStart = wall.seconds
        var framesPerSecond: Double?
        var lastVisible = 0
        var pendingResize = config.resizeAfterFrames
        var lastDrawn: (camera: Camera, time: Double, generation: Int)?
        var idle = false

        func title(time: Double, framesPerSecond: Double?) -> String {
            ViewerState.title(scene: config.sceneName, time: config.scene.isStatic ? nil : time, range: state.clock.timing.range,
                              unit: config.scene.metadata.timeUnit, playing: state.clock.isPlaying, speed: state.clock.speed,
                              loops: state.clock.loops, framesPerSecond: framesPerSecond, idle: idle, visible: lastVisible,
                              total: config.scene.count)
        }

        func saveScreenshot(to path: String) throws {
            guard let shot = try presenter.shownFrameRGB() else {
                throw ViewerError("\(path): no frame was shown, so there is no screenshot to write")
            }
            let image = Image(width: shot.width, height: shot.height, channels: 3, pixels: shot.rgb.map { Float($0) / 255 })
            try PNGFile.write(image, to: path)
        }

        loop: while !window.shouldClose {
            glfwPollEvents()
            let now = wall.seconds
            let seconds = Float(min(now - lastLoop, 0.1))  // a stall does not fling the camera
            lastLoop = now
            for command in window.input.commands {
                switch state.handle(command) {
                case .none: break
                case .quit: break loop
                case .help: config.print(Viewer.controlsText)
                case .screenshot:
                    let time = config.scene.isStatic ? nil : state.clock.time(at: now)
                    let name = ViewerState.screenshotName(scene: config.sceneName, time: time, in: config.screenshotFolder)
                    try saveScreenshot(to: name)
                    config.print("saved \(name)")
                }
            }
            let hadInput = !window.input.commands.isEmpty
            window.input.commands.removeAll()

            let size = window.framebufferSize
            if size.width == 0 || size.height == 0 {  // minimised: nothing to draw into
                glfwWaitEventsTimeout(0.1)
                lastPresent = nil
                continue
            }
            let mouse = window.input.takeMouse()
            state.mouse(orbit: mouse.orbit, pan: mouse.pan, wheel: mouse.wheel, viewportHeight: swapchain?.height ?? size.height)
            let held = window.heldKeys
            state.fly(held, seconds: seconds)
            let moved = hadInput || mouse.orbit != .zero || mouse.pan != .zero || mouse.wheel != 0 || held.move != .zero

            if window.input.framebufferResized || swapchain.map({ $0.width != size.width || $0.height != size.height }) ?? true {
                needsSwapchain = true
                window.input.framebufferResized = false
            }
            if needsSwapchain {
                try presenter.waitUntilIdle()
                let old = swapchain
                swapchain = nil
                swapchain = try Swapchain.make(device: device, surface: surface, framebuffer: size, vsync: config.vsync, replacing: old)
                guard let made = swapchain else {  // zero-area surface: wait like a minimised window
                    glfwWaitEventsTimeout(0.1)
                    lastPresent = nil
                    continue
                }
                summary.swapchainsCreated += 1
                summary.presentMode = made.presentModeName
                needsSwapchain = false
            }
            guard let swapchain else { continue }

            let time = state.clock.tick()
            let camera = state.controller.camera(width: swapchain.width, height: swapchain.height)
            // Paused and still: the frame on screen is current; wait for input instead of
            // redrawing it (scripted runs with --exit-after-frames always draw).
            if config.exitAfterFrames == nil, !moved, !state.clock.isPlaying, let drawn = lastDrawn,
               drawn.camera == camera, drawn.time == time, drawn.generation == swapchain.generation {
                if !idle {
                    idle = true
                    window.setTitle(title(time: time, framesPerSecond: nil))
                }
                glfwWaitEventsTimeout(0.1)
                lastPresent = nil
                continue
            }
            if idle {  // drawing again: restart the rate measurement
                idle = false
                titleFrames = 0
                titleStart = wall.seconds
                framesPerSecond = nil
            }
            let waitStart = wall.seconds
            try presenter.waitUntilIdle()  // the last present has read the colour buffer
            presentSeconds += wall.seconds - waitStart
            let renderStart = wall.seconds
            let frame = try rasterizer.render(uploaded, time: Float(time), camera: camera, settings: config.settings)
            renderSeconds += wall.seconds - renderStart
            lastVisible = frame.statistics.visibleGaussians

            let presentStart = wall.seconds
            let outcome = try presenter.present(frame, of: rasterizer, to: swapchain)
            presentSeconds += wall.seconds - presentStart
            switch outcome {
            case .outOfDate:
                needsSwapchain = true
                continue
            case .suboptimal:
                needsSwapchain = true
            case .presented:
                break
            }
            summary.frames += 1
            lastDrawn = (camera, time, swapchain.generation)
            summary.width = swapchain.width
            summary.height = swapchain.height
            let presentedAt = wall.seconds
            if let last = lastPresent {
                summary.seconds += presentedAt - last
                summary.intervals += 1
            }
            lastPresent = presentedAt

            titleFrames += 1
            if presentedAt - titleStart >= 0.5 {
                framesPerSecond = Double(titleFrames) / (presentedAt - titleStart)
                titleFrames = 0
                titleStart = presentedAt
            }
            if summary.frames == 1 || titleFrames == 0 || hadInput {
                window.setTitle(title(time: time, framesPerSecond: framesPerSecond))
            }

            if let resize = pendingResize, summary.frames >= resize.frames {
                pendingResize = nil
                window.setSize(width: resize.width, height: resize.height)
                let deadline = wall.seconds + 5
                while window.framebufferSize != (resize.width, resize.height), wall.seconds < deadline {
                    glfwWaitEventsTimeout(0.05)
                }
                lastPresent = nil
            }
            if let limit = config.exitAfterFrames, summary.frames >= limit, pendingResize == nil { break }
        }

        summary.meanRenderMilliseconds = summary.frames > 0 ? renderSeconds * 1000 / Double(summary.frames) : 0
        summary.meanPresentMilliseconds = summary.frames > 0 ? presentSeconds * 1000 / Double(summary.frames) : 0
        if let path = config.screenshotPath {
            try saveScreenshot(to: path)
            summary.screenshot = path
        }
        try presenter.waitUntilIdle()
        return summary
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
        return ViewerState(controller: controller, clock: clock, cameras: config.cameras, cameraIndex: config.startCameraIndex, sceneCenter: bounds.center, sceneRadius: radius)
    }

    /// The controls as printed by H.
    public static var controlsText: String {
        let width = ViewerState.controls.map { $0.0.count }.max() ?? 0
        return "controls:\n" + ViewerState.controls.map { "  " + $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
            .joined(separator: "\n")
    }
}
