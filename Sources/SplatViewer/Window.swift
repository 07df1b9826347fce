import CGLFW
import CVulkan
import Foundation
import SplatGPU

/// Why the viewer cannot run, as one line for the user.
public struct ViewerError: Error, CustomStringConvertible, Equatable {
    public var description: String
    /// True when no window can be opened at all (no display): the CLI says so and exits non-zero.
    public var noDisplay: Bool
    /// True when another Vulkan device might work (this one cannot present to the window).
    public var anotherDeviceMayWork: Bool
    public init(_ description: String, noDisplay: Bool = false, anotherDeviceMayWork: Bool = false) {
        self.description = description
        self.noDisplay = noDisplay
        self.anotherDeviceMayWork = anotherDeviceMayWork
    }
}

/// GLFW's library state. glfwInit is idempotent, so the display check and the viewer may both
/// initialise it; the viewer terminates it when done.
enum GLFW {
    /// Initialises GLFW or throws the reason there is no display.
    static func initialise() throws {
        glfwInitHint(GLFW_JOYSTICK_HAT_BUTTONS, GLFW_FALSE)
        guard glfwInit() == GLFW_TRUE else {
            let reason = lastError() ?? "glfwInit failed"
            let environment = ProcessInfo.processInfo.environment
            let hint = (environment["DISPLAY"] ?? "").isEmpty && (environment["WAYLAND_DISPLAY"] ?? "").isEmpty
                ? "DISPLAY is not set" : "GLFW: \(reason)"
            throw ViewerError("cannot open a window: no display (\(hint)); run `splat4d view` on a desktop, or headless under `xvfb-run -a`, or use `splat4d render` for images",
                              noDisplay: true)
        }
        guard glfwVulkanSupported() == GLFW_TRUE else {
            glfwTerminate()
            throw ViewerError("cannot open a Vulkan window: GLFW finds no Vulkan loader (Debian: apt-get install libvulkan1 mesa-vulkan-drivers)")
        }
    }

    static func lastError() -> String? {
        var description: UnsafePointer<CChar>?
        guard glfwGetError(&description) != GLFW_NO_ERROR, let description else { return nil }
        return String(cString: description)
    }

    /// The instance extensions a window surface needs (VK_KHR_surface and the platform's).
    static func requiredInstanceExtensions() throws -> [String] {
        var count: UInt32 = 0
        guard let names = glfwGetRequiredInstanceExtensions(&count), count > 0 else {
            throw ViewerError("cannot open a Vulkan window: \(lastError() ?? "no surface extensions for this display")")
        }
        return (0..<Int(count)).compactMap { names[$0].map { String(cString: $0) } }
    }
}

/// Input gathered by GLFW's callbacks between frames. The callbacks are C functions that find
/// this object through the window's user pointer.
final class InputRecorder {
    var commands: [ViewerCommand] = []
    /// Paths of files or folders dropped onto the window since the last frame.
    var dropped: [String] = []
    var orbit = SIMD2<Float>.zero
    var pan = SIMD2<Float>.zero
    var wheel: Float = 0
    var framebufferResized = false
    /// Whether a point (window coordinates) lies on the timeline; the session sets it each frame.
    var timelineContains: (SIMD2<Double>) -> Bool = { _ in false }
    /// Presses, drags and releases on the timeline since the last frame, with the cursor's x
    /// (window coordinates). A left press there scrubs instead of orbiting until released.
    var scrubs: [(phase: ScrubPhase, x: Double)] = []
    /// Wheel notches over the timeline (frame steps) since the last frame.
    var timelineWheel: Float = 0
    private var cursor: SIMD2<Double>?
    private var leftDown = false, panDown = false, scrubbing = false

    func takeMouse() -> (orbit: SIMD2<Float>, pan: SIMD2<Float>, wheel: Float) {
        defer { orbit = .zero; pan = .zero; wheel = 0 }
        return (orbit, pan, wheel)
    }

    func key(_ key: Int32, action: Int32, mods: Int32 = 0) {
        guard action == GLFW_PRESS || action == GLFW_REPEAT else { return }
        let repeatable: Set<Int32> = [GLFW_KEY_LEFT, GLFW_KEY_RIGHT]
        guard action == GLFW_PRESS || repeatable.contains(key) else { return }
        if let command = InputRecorder.command(for: key, mods: mods) { commands.append(command) }
    }

    static func command(for key: Int32, mods: Int32) -> ViewerCommand? {
        if key == GLFW_KEY_K { return mods & GLFW_MOD_SHIFT != 0 ? .removeKeyframe : .addKeyframe }
        if key == GLFW_KEY_S, mods & GLFW_MOD_CONTROL != 0 { return .savePath }
        return command(for: key)
    }

    static func command(for key: Int32) -> ViewerCommand? {
        switch key {
        case GLFW_KEY_SPACE: return .togglePlay
        case GLFW_KEY_LEFT: return .stepBack
        case GLFW_KEY_RIGHT: return .stepForward
        case GLFW_KEY_MINUS, GLFW_KEY_KP_SUBTRACT: return .slower
        case GLFW_KEY_EQUAL, GLFW_KEY_KP_ADD: return .faster
        case GLFW_KEY_LEFT_BRACKET: return .previousKeyframe
        case GLFW_KEY_RIGHT_BRACKET: return .nextKeyframe
        case GLFW_KEY_C: return .togglePathPreview
        case GLFW_KEY_HOME: return .jumpToStart
        case GLFW_KEY_END: return .jumpToEnd
        case GLFW_KEY_L: return .toggleLoop
        case GLFW_KEY_O: return .toggleOverlay
        case GLFW_KEY_R: return .resetCamera
        case GLFW_KEY_N: return .nextCamera
        case GLFW_KEY_B: return .previousCamera
        case GLFW_KEY_P: return .screenshot
        case GLFW_KEY_H, GLFW_KEY_F1: return .help
        case GLFW_KEY_ESCAPE: return .quit
        default: return nil
        }
    }

    func button(_ button: Int32, action: Int32, at position: SIMD2<Double>) {
        let down = action == GLFW_PRESS
        if button == GLFW_MOUSE_BUTTON_LEFT, down ? timelineContains(position) : scrubbing {
            scrubbing = down
            scrubs.append((down ? .begin : .end, position.x))
            cursor = position
            return
        }
        switch button {
        case GLFW_MOUSE_BUTTON_LEFT: leftDown = down
        case GLFW_MOUSE_BUTTON_RIGHT, GLFW_MOUSE_BUTTON_MIDDLE: panDown = down
        default: return
        }
        cursor = position
    }

    func cursorMoved(to position: SIMD2<Double>) {
        defer { cursor = position }
        if scrubbing {
            scrubs.append((.move, position.x))
            return
        }
        guard let last = cursor else { return }
        let delta = SIMD2<Float>(Float(position.x - last.x), Float(position.y - last.y))
        if leftDown { orbit += delta } else if panDown { pan += delta }
    }

    /// The wheel: frame steps over the timeline, zoom elsewhere.
    func scroll(_ notches: Double, at position: SIMD2<Double>) {
        if timelineContains(position) { timelineWheel += Float(notches) } else { wheel += Float(notches) }
    }

    /// A scripted pointer event (the --inject-commands test hook), through the same paths as GLFW's callbacks.
    func inject(_ event: PointerEvent) {
        switch event {
        case let .press(x, y): button(GLFW_MOUSE_BUTTON_LEFT, action: GLFW_PRESS, at: SIMD2(x, y))
        case let .move(x, y): cursorMoved(to: SIMD2(x, y))
        case let .release(x, y): button(GLFW_MOUSE_BUTTON_LEFT, action: GLFW_RELEASE, at: SIMD2(x, y))
        case let .wheel(x, y, notches): scroll(notches, at: SIMD2(x, y))
        }
    }
}

/// A GLFW window without an OpenGL context, for a Vulkan surface.
final class Window {
    let handle: OpaquePointer
    let input = InputRecorder()

    init(width: Int, height: Int, title: String) throws {
        glfwDefaultWindowHints()
        glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API)
        glfwWindowHint(GLFW_RESIZABLE, GLFW_TRUE)
        guard let window = glfwCreateWindow(Int32(width), Int32(height), title, nil, nil) else {
            throw ViewerError("cannot open a \(width)×\(height) window: \(GLFW.lastError() ?? "glfwCreateWindow failed")")
        }
        handle = window
        glfwSetWindowUserPointer(window, Unmanaged.passUnretained(input).toOpaque())
        glfwSetDropCallback(window) { window, count, paths in
            guard let paths else { return }
            for i in 0..<Int(count) {
                if let path = paths[i] { Window.recorder(window)?.dropped.append(String(cString: path)) }
            }
        }
        glfwSetKeyCallback(window) { window, key, _, action, mods in
            Window.recorder(window)?.key(key, action: action, mods: mods)
        }
        glfwSetMouseButtonCallback(window) { window, button, action, _ in
            var x = 0.0, y = 0.0
            glfwGetCursorPos(window, &x, &y)
            Window.recorder(window)?.button(button, action: action, at: SIMD2(x, y))
        }
        glfwSetCursorPosCallback(window) { window, x, y in
            Window.recorder(window)?.cursorMoved(to: SIMD2(x, y))
        }
        glfwSetScrollCallback(window) { window, _, y in
            var cx = 0.0, cy = 0.0
            glfwGetCursorPos(window, &cx, &cy)
            Window.recorder(window)?.scroll(y, at: SIMD2(cx, cy))
        }
        glfwSetFramebufferSizeCallback(window) { window, _, _ in
            Window.recorder(window)?.framebufferResized = true
        }
    }

    deinit {
        glfwSetWindowUserPointer(handle, nil)
        glfwDestroyWindow(handle)
    }

    private static func recorder(_ window: OpaquePointer?) -> InputRecorder? {
        guard let window, let pointer = glfwGetWindowUserPointer(window) else { return nil }
        return Unmanaged<InputRecorder>.fromOpaque(pointer).takeUnretainedValue()
    }

    var shouldClose: Bool { glfwWindowShouldClose(handle) == GLFW_TRUE }

    var framebufferSize: (width: Int, height: Int) {
        var w: Int32 = 0, h: Int32 = 0
        glfwGetFramebufferSize(handle, &w, &h)
        return (Int(w), Int(h))
    }

    /// The window's size in screen coordinates (cursor positions); the framebuffer may be larger (HiDPI).
    var windowSize: (width: Int, height: Int) {
        var w: Int32 = 0, h: Int32 = 0
        glfwGetWindowSize(handle, &w, &h)
        return (Int(w), Int(h))
    }

    func setTitle(_ title: String) { glfwSetWindowTitle(handle, title) }

    func setSize(width: Int, height: Int) { glfwSetWindowSize(handle, Int32(width), Int32(height)) }

    func isDown(_ key: Int32) -> Bool { glfwGetKey(handle, key) == GLFW_PRESS }

    /// Keys held for flying.
    var heldKeys: HeldKeys {
        var held = HeldKeys()
        held.forward = isDown(GLFW_KEY_W)
        held.back = isDown(GLFW_KEY_S)
        held.left = isDown(GLFW_KEY_A)
        held.right = isDown(GLFW_KEY_D)
        held.down = isDown(GLFW_KEY_Q)
        held.up = isDown(GLFW_KEY_E)
        held.fast = isDown(GLFW_KEY_LEFT_SHIFT) || isDown(GLFW_KEY_RIGHT_SHIFT)
        return held
    }

    /// A Vulkan surface for this window, owned by the returned object.
    func makeSurface(instance: VulkanInstance) throws -> Surface {
        var surface: VkSurfaceKHR?
        let result = glfwCreateWindowSurface(instance.handle, handle, nil, &surface)
        guard result == VK_SUCCESS, let surface else {
            throw ViewerError("cannot make a Vulkan surface for the window: \(GLFW.lastError() ?? "VkResult \(result.rawValue)")")
        }
        return Surface(instance: instance, adopting: surface)
    }
}
