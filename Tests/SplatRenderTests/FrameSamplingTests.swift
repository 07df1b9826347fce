import SplatCore
import SplatRender
import SplatTestSupport
import XCTest

final class FrameSamplingTests: XCTestCase {
    let settings = RenderSettings()

    func renderer(samples: Int, seed: UInt64 = 0) throws -> FrameRenderer {
        let r = try FrameRenderer(scene: RenderFixtures.pair(), options: FrameRendererOptions(backend: .cpu))
        r.sampling = FrameSampling(samples: samples, seed: seed)
        return r
    }

    func testOneSampleIsThePlainRender() throws {
        let camera = RenderFixtures.camera(width: 40, height: 30)
        let plain = try ReferenceRasterizer().render(RenderFixtures.pair().canonical, camera: camera, settings: settings)
        let sampled = try renderer(samples: 1).render(at: 0, camera: camera, settings: settings)
        assertSameFrame(sampled, plain)
        XCTAssertEqual(FrameSampling.single.offsets, [.zero])
    }

    func testOffsetsAreSubPixelDistinctAndEvenlySpread() {
        let offsets = FrameSampling(samples: 64, seed: 3).offsets
        XCTAssertEqual(offsets.count, 64)
        XCTAssertEqual(Set(offsets.map { [$0.x, $0.y] }).count, 64)
        for o in offsets { XCTAssert(o.x >= -0.5 && o.x < 0.5 && o.y >= -0.5 && o.y < 0.5, "\(o)") }
        // Low discrepancy: every quadrant of the pixel holds 16 ± 3 of the 64 samples.
        for (sx, sy) in [(Float(-1), Float(-1)), (-1, 1), (1, -1), (1, 1)] {
            let inQuadrant = offsets.filter { ($0.x < 0) == (sx < 0) && ($0.y < 0) == (sy < 0) }.count
            XCTAssert((13...19).contains(inQuadrant), "quadrant (\(sx), \(sy)): \(inQuadrant)")
        }
        XCTAssertEqual(offsets, FrameSampling(samples: 64, seed: 3).offsets)
        XCTAssertNotEqual(offsets, FrameSampling(samples: 64, seed: 4).offsets)
    }

    func testSamplesAreTheMeanOfTheJitteredFrames() throws {
        let camera = RenderFixtures.camera(width: 40, height: 30)
        let sampling = FrameSampling(samples: 3, seed: 9)
        let frames = try sampling.offsets.map { o -> RenderedFrame in
            var c = camera
            c.cx += o.x
            c.cy += o.y
            return try ReferenceRasterizer().render(RenderFixtures.pair().canonical, camera: c, settings: settings)
        }
        let averaged = try renderer(samples: 3, seed: 9).render(at: 0, camera: camera, settings: settings)
        for i in averaged.colour.pixels.indices {
            let mean = (frames[0].colour.pixels[i] + frames[1].colour.pixels[i] + frames[2].colour.pixels[i]) / 3
            XCTAssertEqual(averaged.colour.pixels[i], mean, "colour \(i)")
        }
        for i in averaged.alpha.pixels.indices {
            let a = frames.map { $0.alpha.pixels[i] }, d = frames.map { $0.depth.pixels[i] }
            XCTAssertEqual(averaged.alpha.pixels[i], (a[0] + a[1] + a[2]) / 3, "alpha \(i)")
            let weight = a[0] + a[1] + a[2]
            let depth = weight > 0 ? (d[0] * a[0] + d[1] * a[1] + d[2] * a[2]) / weight : 0
            XCTAssertEqual(averaged.depth.pixels[i], depth, accuracy: 1e-5 * max(1, depth), "depth \(i)")
        }
        XCTAssertNotEqual(averaged.colour.pixels, frames[0].colour.pixels)
    }

    /// Sub-pixel Gaussians alias: a few jittered samples approach the many-sample image far
    /// better than one sample does.
    func testMoreSamplesConvergeAndTheSameSeedGivesTheSamePixels() throws {
        let camera = RenderFixtures.camera(width: 48, height: 36)
        var rng = SplitMix64(seed: 11)
        var builder = SplatCloudBuilder()
        for _ in 0..<600 {
            builder.add([rng.uniform(-0.7, 0.7), rng.uniform(-0.5, 0.5), rng.uniform(2, 3)], scale: [0.002, 0.002, 0.002],
                        opacity: 0.95, colour: [rng.unit(), rng.unit(), rng.unit()])
        }
        let scene = TemporalCloud(static: builder.cloud)
        func render(_ samples: Int, _ seed: UInt64) throws -> RenderedFrame {
            let r = try FrameRenderer(scene: scene, options: FrameRendererOptions(backend: .cpu))
            r.sampling = FrameSampling(samples: samples, seed: seed)
            return try r.render(at: 0, camera: camera, settings: settings)
        }
        let reference = try render(64, 1)
        let one = try render(1, 0)
        let eight = try render(8, 2)
        let again = try render(8, 2)
        XCTAssertEqual(eight.colour.pixels, again.colour.pixels)
        let psnrOne = ImageMetrics.psnr(one.colour, reference.colour)
        let psnrEight = ImageMetrics.psnr(eight.colour, reference.colour)
        print("jitter: 1 sample \(psnrOne) dB, 8 samples \(psnrEight) dB against 64 samples")
        XCTAssertGreaterThan(psnrEight, psnrOne + 3)
    }

    func testSampleCountOutOfRangeIsABadOption() {
        XCTAssertThrowsError(try FrameSampling(samples: 0).validate()) { error in
            XCTAssertEqual("\(error)", "samples must be 1 to 256, got 0")
            XCTAssertEqual((error as? SplatError)?.kind, .badOption)
        }
        XCTAssertNoThrow(try FrameSampling(samples: 256).validate())
    }
}
