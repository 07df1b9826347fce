import Foundation
import SplatCore
import SplatGPU

/// The one rasterizer interface: prepare a scene once, then draw it at any time from any camera.
/// The CPU reference and the Vulkan renderer adopt it; `FrameRenderer` uses it.
public protocol FrameRasterizer {
    /// The scene in the form this rasterizer draws from (the CPU keeps it, the GPU uploads it).
    associatedtype PreparedScene

    func prepare(_ scene: TemporalCloud) throws -> PreparedScene
    func render(_ scene: PreparedScene, time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame

    /// What draws, in words, for reports ("llvmpipe (Mesa)").
    var deviceDescription: String { get }
    /// Per-stage timings of the last frame, where the rasterizer measures them.
    var stageTimings: StageTimings? { get }
}

extension ReferenceRasterizer: FrameRasterizer {
    public func prepare(_ scene: TemporalCloud) -> TemporalCloud { scene }

    public func render(_ scene: TemporalCloud, time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        try render(scene.slice(at: time), camera: camera, settings: settings)
    }

    public var deviceDescription: String { "CPU reference (\(ProcessInfo.processInfo.activeProcessorCount) cores)" }
    public var stageTimings: StageTimings? { nil }
}

extension VulkanRasterizer: FrameRasterizer {
    public func prepare(_ scene: TemporalCloud) throws -> GPUScene { try upload(scene) }

    public var deviceDescription: String { "\(device.info.name) (\(device.info.driver))" }
    public var stageTimings: StageTimings? { lastTimings }
}
