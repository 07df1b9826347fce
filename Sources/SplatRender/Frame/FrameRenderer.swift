import SplatCore
import SplatFormats
import SplatGPU

/// Renders frames of one scene (static or time-varying): prepares it once (the GPU uploads it),
/// then each frame passes only the time and the camera. Loads nothing itself.
public final class FrameRenderer {
    public let scene: TemporalCloud
    /// The backend that draws (never `.automatic`).
    public let backend: RenderBackend
    private let drawer: any SceneDrawer

    /// A renderer on the backend `options` choose.
    public convenience init(scene: TemporalCloud, options: FrameRendererOptions = FrameRendererOptions()) throws {
        switch options.backend {
        case .cpu:
            try self.init(scene: scene, rasterizer: ReferenceRasterizer(), backend: .cpu)
        case .vulkan:
            try self.init(scene: scene, vulkan: try VulkanBackend.open(device: options.device))
        case .automatic:
            if let vulkan = try? VulkanBackend.open(device: options.device) {
                try self.init(scene: scene, vulkan: vulkan)
            } else {
                try self.init(scene: scene, rasterizer: ReferenceRasterizer(), backend: .cpu)
            }
        }
    }

    /// A renderer on a Vulkan renderer the caller opened (the viewer opens it on its window's device).
    public convenience init(scene: TemporalCloud, vulkan: VulkanRasterizer) throws {
        do {
            try self.init(scene: scene, rasterizer: vulkan, backend: .vulkan)
        } catch let error as VulkanError {
            throw SceneUploadError(gaussians: scene.count, device: vulkan.device.info.name, reason: error.description)
        }
    }

    init<R: FrameRasterizer>(scene: TemporalCloud, rasterizer: R, backend: RenderBackend) throws {
        self.scene = scene
        self.backend = backend
        drawer = PreparedDrawer(rasterizer: rasterizer, prepared: try rasterizer.prepare(scene))
    }

    /// A renderer of a streamed frame sequence on the backend `options` choose: each frame reads
    /// the keyframes around its time from the stream's cache and prepares (uploads) only those.
    public convenience init(stream: FrameStream, options: FrameRendererOptions = FrameRendererOptions()) throws {
        switch options.backend {
        case .cpu:
            self.init(stream: stream, rasterizer: ReferenceRasterizer(), backend: .cpu)
        case .vulkan:
            self.init(stream: stream, vulkan: try VulkanBackend.open(device: options.device))
        case .automatic:
            if let vulkan = try? VulkanBackend.open(device: options.device) {
                self.init(stream: stream, vulkan: vulkan)
            } else {
                self.init(stream: stream, rasterizer: ReferenceRasterizer(), backend: .cpu)
            }
        }
    }

    /// A streamed renderer on a Vulkan renderer the caller opened.
    public convenience init(stream: FrameStream, vulkan: VulkanRasterizer) {
        self.init(stream: stream, rasterizer: vulkan, backend: .vulkan)
    }

    init<R: FrameRasterizer>(stream: FrameStream, rasterizer: R, backend: RenderBackend) {
        scene = stream.placeholder
        self.backend = backend
        drawer = StreamingDrawer(rasterizer: rasterizer, stream: stream)
    }

    /// A renderer of what `loaded` holds: its stream when it was opened to stream, else its scene.
    public convenience init(_ loaded: LoadedScene, options: FrameRendererOptions = FrameRendererOptions()) throws {
        if let stream = loaded.stream { try self.init(stream: stream, options: options) }
        else { try self.init(scene: loaded.scene, options: options) }
    }

    public var deviceDescription: String { drawer.deviceDescription }

    /// Per-stage GPU timings of the last frame; nil on the CPU backend.
    public var lastTimings: StageTimings? { drawer.stageTimings }

    /// Jittered samples averaged per frame (default: one, unjittered).
    public var sampling = FrameSampling.single

    /// The frame at scene time `time` (ignored by static scenes), averaged over `sampling`.
    public func render(at time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        try sampling.render(camera) { try drawer.render(at: time, camera: $0, settings: settings) }
    }
}

/// The scene could not be uploaded (usually: more than the device's memory).
public struct SceneUploadError: SplatError, Equatable {
    public var gaussians: Int
    public var device: String
    public var reason: String
    public var kind: ErrorKind { .deviceUnavailable }
    public var description: String { "cannot upload \(gaussians) Gaussians to \(device): \(reason)" }
}

/// A rasterizer with its prepared scene, behind one non-generic face.
private protocol SceneDrawer {
    var deviceDescription: String { get }
    var stageTimings: StageTimings? { get }
    func render(at time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame
}

/// Draws a streamed sequence: prepares the window of keyframes around each frame's time, again
/// only when the window moves, into the previous window's buffers (so a device holds only the
/// frames being blended, and a long sequence allocates no device memory per frame). The device
/// memory they take counts in the frame cache's budget.
private final class StreamingDrawer<R: FrameRasterizer>: SceneDrawer {
    let rasterizer: R
    let stream: FrameStream
    private var prepared: (indices: [Int], scene: R.PreparedScene)?

    init(rasterizer: R, stream: FrameStream) {
        self.rasterizer = rasterizer
        self.stream = stream
    }

    var deviceDescription: String { rasterizer.deviceDescription }
    var stageTimings: StageTimings? { rasterizer.stageTimings }

    func render(at time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        var old: R.PreparedScene?
        if prepared?.indices != stream.indices(at: time) {
            // Let go of the old window's decoded frames before the cache evicts them: the next
            // decode overwrites an evicted frame in place only when nothing else holds it.
            old = prepared?.scene
            prepared = nil
            rasterizer.releaseFrames(of: &old)
        }
        let window = try stream.window(at: time)
        if prepared?.indices != window.indices {
            prepared = (window.indices, try rasterizer.prepare(window.scene, frames: window.indices, reusing: &old))
            stream.cache.holdElsewhere(rasterizer.heldBytes(prepared!.scene))
        }
        let frame = try rasterizer.render(prepared!.scene, time: time, camera: camera, settings: settings)
        stream.cache.holdElsewhere(rasterizer.heldBytes(prepared!.scene))  // a second keyframe uploads while drawing
        return frame
    }
}

private struct PreparedDrawer<R: FrameRasterizer>: SceneDrawer {
    let rasterizer: R
    let prepared: R.PreparedScene

    var deviceDescription: String { rasterizer.deviceDescription }
    var stageTimings: StageTimings? { rasterizer.stageTimings }

    func render(at time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        try rasterizer.render(prepared, time: time, camera: camera, settings: settings)
    }
}
