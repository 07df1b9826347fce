import Foundation
import SplatCore
import SplatGPU

/// The one rasterizer interface: prepare a scene once, then draw it at any time from any camera.
/// The CPU reference and the Vulkan renderer adopt it; `FrameRenderer` uses it.
public protocol FrameRasterizer {
    /// The scene in the form this rasterizer draws from (the CPU keeps it, the GPU uploads it).
    associatedtype PreparedScene

    func prepare(_ scene: TemporalCloud) throws -> PreparedScene
    /// Prepares `scene`, the window of frames `indices` of a sequence, reusing what `old` holds
    /// where it can (the GPU refills its buffers and keeps a frame it holds), else releasing it
    /// first; `old` is not drawn from again.
    func prepare(_ scene: TemporalCloud, frames indices: [Int], reusing old: inout PreparedScene?) throws -> PreparedScene
    func render(_ scene: PreparedScene, time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame

    /// Makes `scene` hold no decoded frames any more, keeping what a later `prepare(reusing:)` can
    /// reuse (the GPU's buffers), or nothing.
    func releaseFrames(of scene: inout PreparedScene?)
    /// Bytes a prepared scene holds beyond the cloud it came from (device memory; 0 on the CPU).
    func heldBytes(_ scene: PreparedScene) -> UInt64
    /// What draws, in words, for reports ("llvmpipe (Mesa)").
    var deviceDescription: String { get }
    /// Per-stage timings of the last frame, where the rasterizer measures them.
    var stageTimings: StageTimings? { get }
}

extension FrameRasterizer {
    public func releaseFrames(of scene: inout PreparedScene?) { scene = nil }

    public func prepare(_ scene: TemporalCloud, frames indices: [Int], reusing old: inout PreparedScene?) throws -> PreparedScene {
        old = nil
        return try prepare(scene)
    }
}

extension ReferenceRasterizer: FrameRasterizer {
    public func prepare(_ scene: TemporalCloud) -> TemporalCloud { scene }

    public func render(_ scene: TemporalCloud, time: Float, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        try render(scene.slice(at: time), camera: camera, settings: settings)
    }

    public func heldBytes(_ scene: TemporalCloud) -> UInt64 { 0 }
    public var deviceDescription: String { "CPU reference (\(ProcessInfo.processInfo.activeProcessorCount) cores)" }
    public var stageTimings: StageTimings? { nil }
}

extension VulkanRasterizer: FrameRasterizer {
    public func prepare(_ scene: TemporalCloud) throws -> GPUScene { try upload(scene) }
    public func prepare(_ scene: TemporalCloud, frames indices: [Int], reusing old: inout GPUScene?) throws -> GPUScene {
        try upload(scene, frames: indices, reusing: &old)
    }

    public func heldBytes(_ scene: GPUScene) -> UInt64 { UInt64(scene.deviceBytes) }
    public func releaseFrames(of scene: inout GPUScene?) { scene?.releaseFrames() }
    public var deviceDescription: String { "\(device.info.name) (\(device.info.driver))" }
    public var stageTimings: StageTimings? { lastTimings }
}
