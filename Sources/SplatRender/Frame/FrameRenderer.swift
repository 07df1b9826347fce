import SplatCore
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

private struct PreparedDrawer<R: FrameRasterizer>: SceneDrawer {
    let rasterizer: R
    let prepared: R.PreparedScene

    var deviceDescription: String { rasterizer.deviceDescription }
    var stageTimings: StageTimings? { rasterizer.stageTimings }

    func render(at time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        try rasterizer.render(prepared, time: time, camera: camera, settings: settings)
    }
}
