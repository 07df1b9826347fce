import SplatCore
import SplatTestSupport
import XCTest
@testable import SplatGPU

/// A streamed sequence's next window uploaded into the previous window's buffers (GPUScene.refill)
/// draws exactly what a fresh upload draws, in the same buffers; other shapes get new ones.
final class GPUSceneRefillTests: GPUTestCase {
    let camera = Fixtures.camera()
    let settings = RenderSettings(background: [0.1, 0.2, 0.3])

    func frame(_ seed: UInt64, count: Int = 300, degree: Int = 2) -> SplatCloud {
        Fixtures.randomCloud(count: count, degree: degree, seed: seed, camera: camera)
    }

    func window(_ frames: [SplatCloud], times: [Float]) -> TemporalCloud {
        TemporalCloud(keyframes: Keyframes(times: times, frames: frames), metadata: SceneMetadata())
    }

    func testARefilledWindowDrawsWhatAFreshUploadDrawsInTheSameBuffers() throws {
        var old: GPUScene? = try rasterizer.upload(window([frame(1)], times: [0]))
        let geometry = old!.geometry, sh = old!.sh
        // One frame, then a window of two (the second keyframe uploads while drawing), then one again.
        let windows: [(TemporalCloud, Float)] = [
            (window([frame(2)], times: [1]), 1),
            (window([frame(3), frame(4)], times: [2, 3]), 2.25),
            (window([frame(4), frame(5)], times: [3, 4]), 3.5),
            (window([frame(5)], times: [4]), 4),
        ]
        for (scene, t) in windows {
            let refilled = try rasterizer.upload(scene, reusing: &old)
            XCTAssertTrue(refilled.geometry === geometry && refilled.sh === sh, "t = \(t): the same buffers")
            let fresh = try rasterizer.upload(scene)
            let a = try rasterizer.render(refilled, time: t, camera: camera, settings: settings)
            let b = try rasterizer.render(fresh, time: t, camera: camera, settings: settings)
            XCTAssertEqual(a.colour, b.colour, "t = \(t)")
            XCTAssertEqual(a.statistics.visibleGaussians, b.statistics.visibleGaussians)
            old = refilled
        }
        // The second keyframe's scene was reused across windows too: the held bytes stay two frames'.
        XCTAssertEqual(old!.deviceBytes, 2 * (geometry.size + sh.size))
    }

    func testAnotherShapeGetsNewBuffersAndReleasesTheOld() throws {
        var old: GPUScene? = try rasterizer.upload(window([frame(1)], times: [0]))
        let geometry = old!.geometry
        let other = try rasterizer.upload(window([frame(2, count: 299)], times: [1]), reusing: &old)
        XCTAssertNil(old, "released before the new upload")
        XCTAssertFalse(other.geometry === geometry)
        XCTAssertEqual(other.count, 299)
        var previous: GPUScene? = other
        let otherDegree = try rasterizer.upload(window([frame(3, count: 299, degree: 1)], times: [2]), reusing: &previous)
        XCTAssertEqual(otherDegree.shDegree, 1)
        XCTAssertFalse(otherDegree.sh === other.sh)
    }
}
