import Foundation
import SplatCore
import SplatGPU

/// Renders frames of one scene with the chosen backend. The Vulkan backend uploads the scene once;
/// each frame then passes only the time and the camera. The CPU backend slices, then rasterizes.
final class SceneFrameRenderer {
    let scene: TemporalCloud
    private let gpu: (rasterizer: VulkanRasterizer, uploaded: GPUScene)?

    init(scene: TemporalCloud, backend: Backend, device: String?) throws {
        self.scene = scene
        switch backend {
        case .cpu:
            gpu = nil
        case .vulkan:
            let rasterizer = try Backend.openVulkan(device: device)
            do {
                gpu = (rasterizer, try rasterizer.upload(scene))
            } catch let error as VulkanError {
                throw UserError("cannot upload \(scene.count) Gaussians to \(rasterizer.device.info.name): \(error)")
            }
        }
    }

    var deviceDescription: String {
        if let gpu { return "\(gpu.rasterizer.device.info.name) (\(gpu.rasterizer.device.info.driver))" }
        return "CPU reference (\(ProcessInfo.processInfo.activeProcessorCount) cores)"
    }

    /// GPU stage timings of the last frame; nil on the CPU backend.
    var lastTimings: StageTimings? { gpu?.rasterizer.lastTimings }

    func render(at time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        if let gpu {
            return try gpu.rasterizer.render(gpu.uploaded, time: time, camera: camera, settings: settings)
        }
        return try ReferenceRasterizer().render(scene.slice(at: time), camera: camera, settings: settings)
    }
}

/// Scene time rules shared by the commands that render.
enum SceneTime {
    /// Checks a requested time against the scene; static scenes ignore it. Returns the time to render.
    static func resolve(_ requested: Float?, for scene: TemporalCloud, path: String) throws -> Float {
        guard let range = scene.metadata.timeRange, !scene.isStatic else { return 0 }
        guard let t = requested else { return range.lowerBound }
        guard t.isFinite else { throw UserError("--time must be a finite number", kind: .badOption) }
        guard range.contains(t) else {
            throw UserError("\(path): --time \(t) is outside the scene's time range \(range.lowerBound)...\(range.upperBound) (\(scene.metadata.timeUnit))", kind: .badOption)
        }
        return t
    }
}
