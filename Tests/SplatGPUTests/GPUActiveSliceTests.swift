import XCTest
@testable import SplatCore
@testable import SplatGPU

/// Time-varying scenes project only their active Gaussians (activity pass, compaction, indirect
/// preprocess). Frames must equal the CPU slice + reference exactly as before, including when
/// almost nothing, or nothing, is active, and across times that reuse the same buffers.
final class GPUActiveSliceTests: GPUTestCase {
    func testMostlyInactiveSceneMatchesTheReference() throws {
        let scene = PerformanceGenerator.benchmarkBall4D(count: 4000, activeFraction: 0.1, seed: 4)
        let uploaded = try rasterizer.upload(scene)
        let camera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -6], target: .zero, up: [0, -1, 0], fovY: 45, width: 96, height: 64))
        for t: Float in [0.5, 0.05, 0.95, 0.5, -0.5] {
            let gpu = try rasterizer.render(uploaded, time: t, camera: camera, settings: RenderSettings())
            let slice = scene.slice(at: t)
            let cpu = try ReferenceRasterizer(cullTiles: true).render(slice, camera: camera, settings: RenderSettings())
            XCTAssertEqual(gpu.statistics.visibleGaussians, cpu.statistics.visibleGaussians, "t = \(t)")
            XCTAssertEqual(gpu.statistics.tileInstances, cpu.statistics.tileInstances, "t = \(t)")
            let worst = zip(gpu.colour.pixels, cpu.colour.pixels).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 2 / 255, "t = \(t)")
            if t == -0.5 { XCTAssertEqual(slice.count, 0) }  // nothing active: the background only
        }
        XCTAssertLessThan(scene.activeCount(at: 0.5), scene.count / 5)
    }
}

/// Keyframed scenes on the GPU: the preprocess blend of two uploaded keyframes (lerp, log-scale
/// lerp, slerp, SH lerp) against the CPU's Keyframes.slice, at keyframes and between them.
final class GPUKeyframeTests: GPUTestCase {
    func testKeyframeBlendMatchesTheCPUSlice() throws {
        let frames = PerformanceGenerator.dancerFrames(seed: 9, frameCount: 5, gaussiansPerLimb: 12)
        let scene = TemporalCloud(keyframes: Keyframes(times: [0, 1, 2, 3, 4], frames: frames),
                                  metadata: SceneMetadata(timeRange: 0...4, timeUnit: "frames"))
        let uploaded = try rasterizer.upload(scene)
        let camera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0], fovY: 50, width: 80, height: 80))
        for t: Float in [0, 0.5, 1, 2.3, 3.99, 4, 1.5] {
            let gpu = try rasterizer.render(uploaded, time: t, camera: camera, settings: RenderSettings())
            let cpu = try ReferenceRasterizer().render(scene.slice(at: t), camera: camera, settings: RenderSettings())
            let worst = zip(gpu.colour.pixels, cpu.colour.pixels).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 2 / 255, "t = \(t)")
            XCTAssertGreaterThanOrEqual(ImageMetrics.psnr(gpu.colour, cpu.colour), 50, "t = \(t)")
        }
    }
}
