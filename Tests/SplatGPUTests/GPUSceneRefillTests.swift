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

    func testAStepForwardKeepsTheFrameBothWindowsHold() throws {
        let frames = (0..<7).map { frame(UInt64(10 + $0)) }
        var none: GPUScene? = nil
        var old: GPUScene? = try rasterizer.upload(window([frames[3], frames[4]], times: [3, 4]), frames: [3, 4], reusing: &none)
        var scene = try XCTUnwrap(old)
        _ = try rasterizer.render(scene, time: 3.5, camera: camera, settings: settings)  // uploads frame 4 beside it
        for k in 4..<6 {  // (3, 4) → (4, 5) → (5, 6)
            let second = try scene.keyframe(1)
            let (secondGeometry, secondSH, firstGeometry) = (second.geometry, second.sh, scene.geometry)
            let next = window([frames[k], frames[k + 1]], times: [Float(k), Float(k + 1)])
            scene = try rasterizer.upload(next, frames: [k, k + 1], reusing: &old)
            XCTAssertTrue(scene.geometry === secondGeometry && scene.sh === secondSH, "frame \(k) kept where it was, not copied")
            let t = Float(k) + 0.25
            let a = try rasterizer.render(scene, time: t, camera: camera, settings: settings)
            let b = try rasterizer.render(try rasterizer.upload(next), time: t, camera: camera, settings: settings)
            XCTAssertEqual(a.colour, b.colour, "t = \(t)")
            XCTAssertTrue(try scene.keyframe(1).geometry === firstGeometry, "frame \(k + 1) went into the old first frame's buffers")
            old = scene
        }
        // A jump (no frame in common) copies both.
        let jump = window([frames[0], frames[1]], times: [0, 1])
        scene = try rasterizer.upload(jump, frames: [0, 1], reusing: &old)
        let a = try rasterizer.render(scene, time: 0.75, camera: camera, settings: settings)
        XCTAssertEqual(a.colour, try rasterizer.render(try rasterizer.upload(jump), time: 0.75, camera: camera, settings: settings).colour)
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
