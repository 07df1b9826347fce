import Foundation
import SplatCore
import SplatFormats
import SplatRender
import SplatTestSupport
import XCTest

/// A sequence streamed through a small frame cache renders exactly the pixels of the same sequence
/// loaded whole: the same keyframes blend with the same weights, on both backends.
final class StreamedRenderTests: VulkanTestCase {
    let settings = RenderSettings(background: [0.1, 0.1, 0.1])
    /// On keyframes, between them (interpolated), outside the range, and backwards (a jump back).
    let times: [Float] = [0, 0.25, 1, 2.5, 3.75, 7, 8, 1.5, -1]

    func frames(_ renderer: FrameRenderer, camera: Camera) throws -> [[Float]] {
        try times.map { try renderer.render(at: $0, camera: camera, settings: settings).colour.pixels }
    }

    func compare(eager: FrameRenderer, streamed: FrameRenderer, camera: Camera) throws {
        let a = try frames(eager, camera: camera), b = try frames(streamed, camera: camera)
        for (i, t) in times.enumerated() { XCTAssertEqual(a[i], b[i], "t = \(t)") }
        XCTAssertNotEqual(a[0], a[1], "the frames differ over time")
    }

    func scenes() throws -> (eager: TemporalCloud, stream: FrameStream, camera: Camera) {
        let path = TestPaths.scene("dancer-frames")
        let eager = try SceneLoader.load(path: path).scene
        // Room for the two frames a render needs and one more: every frame is evicted and read again.
        let sequence = try FrameSequence.open(path: path, frameRate: nil)
        let stream = sequence.stream(budget: 3 * FrameCache.bytes(of: sequence.first))
        let camera = try CameraRequest(width: 48, height: 40).resolve(for: eager.canonical)
        return (eager, stream, camera)
    }

    func testStreamedEqualsEagerOnTheCPU() throws {
        let (eager, stream, camera) = try scenes()
        try compare(eager: try FrameRenderer(scene: eager, options: FrameRendererOptions(backend: .cpu)),
                    streamed: try FrameRenderer(stream: stream, options: FrameRendererOptions(backend: .cpu)), camera: camera)
        XCTAssertLessThanOrEqual(stream.cache.peakBytes, stream.cache.budget)
        XCTAssertFalse(stream.cache.evictionLog.isEmpty)
    }

    func testStreamedEqualsEagerOnVulkan() throws {
        let (eager, stream, camera) = try scenes()
        try compare(eager: try FrameRenderer(scene: eager, vulkan: rasterizer),
                    streamed: FrameRenderer(stream: stream, vulkan: rasterizer), camera: camera)
    }

    func testAOneFrameRenderReadsOnlyTheFramesItBlends() throws {
        let path = TestPaths.scene("dancer-frames")
        let stream = try FrameSequence.open(path: path, frameRate: nil).stream(budget: 1 << 20, prefetchThreads: 0)
        let renderer = try FrameRenderer(stream: stream, options: FrameRendererOptions(backend: .cpu))
        _ = try renderer.render(at: 4.5, camera: Fixtures.camera(width: 16, height: 12), settings: settings)
        XCTAssertEqual(stream.cache.decodeLog, [4, 5])
        _ = try renderer.render(at: 6, camera: Fixtures.camera(width: 16, height: 12), settings: settings)
        XCTAssertEqual(stream.cache.decodeLog, [4, 5, 6])
    }
}
