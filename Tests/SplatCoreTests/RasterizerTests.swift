import Foundation
import XCTest
@testable import SplatCore
import SplatTestSupport

/// The CPU reference against values computed by hand from DESIGN.md §3.
final class RasterizerTests: XCTestCase {
    let colour = SIMD3<Float>(0.8, 0.4, 0.2)

    /// One isotropic Gaussian straight ahead: f = 32, z = 4, s = 0.25 → σ² = (f·s/z)² + 0.3 = 4.3 px²,
    /// centre at pixel (15.5, 15.5) because pixel centres sit at integer coordinates.
    func singleGaussian(opacity: Float = 0.8, z: Float = 4) -> SplatCloud {
        var b = SplatCloudBuilder()
        b.add([0, 0, z], scale: [0.25, 0.25, 0.25], opacity: opacity, colour: colour)
        return b.cloud
    }

    func render(_ cloud: SplatCloud, camera: Camera = Fixtures.axisCamera(), background: SIMD3<Float> = [0, 0, 0]) throws -> RenderedFrame {
        try ReferenceRasterizer().render(cloud, camera: camera, settings: RenderSettings(background: background))
    }

    func expectedAlpha(opacity: Double, dx: Double, dy: Double, variance: Double = 4.3) -> Double {
        min(0.99, opacity * exp(-0.5 * (dx * dx + dy * dy) / variance))
    }

    func testProjectionOfOneGaussian() {
        let grid = TileGrid(width: 32, height: 32)
        let s = Preprocess.project(singleGaussian(), index: 0, camera: Fixtures.axisCamera(), grid: grid, settings: RenderSettings())
        XCTAssertEqual(s.mean, SIMD2(15.5, 15.5))
        XCTAssertEqual(s.depth, 4)
        XCTAssertEqual(s.conic.x, 1 / 4.3, accuracy: 1e-6)
        XCTAssertEqual(s.conic.y, 0, accuracy: 1e-9)
        XCTAssertEqual(s.conic.z, 1 / 4.3, accuracy: 1e-6)
        // radius = ceil(3·sqrt(λmax)) = ceil(3·sqrt(4.3)) = ceil(6.22) = 7
        XCTAssertEqual(s.radius, 7)
        // tiles: floor((15.5 − 7)/16) = 0 … floor((15.5 + 7 + 15)/16) = 2 (exclusive), both axes
        XCTAssertEqual(s.tileMin, SIMD2(0, 0))
        XCTAssertEqual(s.tileMax, SIMD2(2, 2))
        XCTAssertEqual(s.colour.x, 0.8, accuracy: 1e-6)
        XCTAssertEqual(s.colour.z, 0.2, accuracy: 1e-6)
    }

    func testPixelColourAndAlphaAtCentreAndOffset() throws {
        let frame = try render(singleGaussian(), background: [0, 0, 1])
        for (x, y) in [(15, 15), (19, 15), (15, 10), (20, 20)] {
            let a = expectedAlpha(opacity: 0.8, dx: 15.5 - Double(x), dy: 15.5 - Double(y))
            XCTAssertEqual(Double(frame.alpha[x, y, 0]), a, accuracy: 1e-6, "alpha at \(x),\(y)")
            XCTAssertEqual(Double(frame.colour[x, y, 0]), 0.8 * a, accuracy: 1e-6)
            XCTAssertEqual(Double(frame.colour[x, y, 1]), 0.4 * a, accuracy: 1e-6)
            XCTAssertEqual(Double(frame.colour[x, y, 2]), 0.2 * a + (1 - a), accuracy: 1e-6)
            XCTAssertEqual(frame.depth[x, y, 0], 4, accuracy: 1e-4)
        }
        // Far from the centre α < 1/255: the background shows exactly.
        XCTAssertEqual(frame.colour[0, 0, 2], 1)
        XCTAssertEqual(frame.alpha[0, 0, 0], 0)
        XCTAssertEqual(frame.depth[0, 0, 0], 0)
        XCTAssertEqual(frame.statistics, FrameStatistics(gaussians: 1, visibleGaussians: 1, tileInstances: 4))
    }

    func testNearPlaneCull() throws {
        // Same angular size in front of and behind z = 0.2: only the one beyond the near plane draws.
        var near = SplatCloudBuilder()
        near.add([0, 0, 0.19], scale: [0.0125, 0.0125, 0.0125], opacity: 0.8, colour: colour)
        XCTAssertEqual(try render(near.cloud).colour.pixels.max(), 0)
        var far = SplatCloudBuilder()
        far.add([0, 0, 0.21], scale: [0.0125, 0.0125, 0.0125], opacity: 0.8, colour: colour)
        XCTAssertGreaterThan(try render(far.cloud).colour[15, 15, 0], 0.5)
    }

    func testAlphaBelowOneOver255IsSkipped() throws {
        // At the centre pixel α = o·exp(−0.25/4.3) ≈ 0.9435·o.
        let skipped = try render(singleGaussian(opacity: 0.004), background: [0.5, 0.5, 0.5])
        XCTAssertEqual(skipped.colour[15, 15, 0], 0.5)   // 0.0038 < 1/255: not blended at all
        XCTAssertEqual(skipped.alpha[15, 15, 0], 0)
        let drawn = try render(singleGaussian(opacity: 0.0045), background: [0.5, 0.5, 0.5])
        XCTAssertEqual(Double(drawn.alpha[15, 15, 0]), expectedAlpha(opacity: 0.0045, dx: 0.5, dy: 0.5), accuracy: 1e-7)
    }

    /// Four huge layers with α ≈ 0.95 each: after three T = 1.25e-4; the fourth would take it below
    /// 1e-4, so it is never blended.
    func testStopsBeforeBlendingTheSaturatingSplat() throws {
        func layers(fourth: SIMD3<Float>) -> SplatCloud {
            var b = SplatCloudBuilder()
            let colours: [SIMD3<Float>] = [[1, 0, 0], [0, 1, 0], [0, 0, 1], fourth]
            for (k, c) in colours.enumerated() {
                b.add([0, 0, 4 + Float(k)], scale: [100, 100, 100], opacity: 0.95, colour: c)
            }
            return b.cloud
        }
        let a = try render(layers(fourth: [1, 1, 1]), background: [0, 0, 0])
        let b = try render(layers(fourth: [0, 0, 0]), background: [0, 0, 0])
        XCTAssertEqual(a.colour.pixels, b.colour.pixels)
        // α is 0.95·exp(power) with power ≈ −1e−6: compute T step by step as the rule says.
        let alpha = Double(a.alpha[15, 15, 0])
        XCTAssertEqual(alpha, 1 - pow(0.05, 3), accuracy: 1e-5)
        XCTAssertEqual(Double(a.colour[15, 15, 0]), 0.95, accuracy: 1e-4)
        XCTAssertEqual(Double(a.colour[15, 15, 1]), 0.05 * 0.95, accuracy: 1e-4)
        XCTAssertEqual(Double(a.colour[15, 15, 2]), 0.0025 * 0.95, accuracy: 1e-5)
    }

    func testFrontToBackOrderFollowsDepthNotFileOrder() throws {
        var farFirst = SplatCloudBuilder()
        farFirst.add([0, 0, 8], scale: [1, 1, 1], opacity: 0.9, colour: [0, 0, 1])
        farFirst.add([0, 0, 4], scale: [0.5, 0.5, 0.5], opacity: 0.9, colour: [1, 0, 0])
        var nearFirst = SplatCloudBuilder()
        nearFirst.add([0, 0, 4], scale: [0.5, 0.5, 0.5], opacity: 0.9, colour: [1, 0, 0])
        nearFirst.add([0, 0, 8], scale: [1, 1, 1], opacity: 0.9, colour: [0, 0, 1])
        let a = try render(farFirst.cloud), b = try render(nearFirst.cloud)
        XCTAssertEqual(a.colour.pixels, b.colour.pixels)
        // Red in front: α_red = 0.9·exp(−0.25/σ²) with σ² = (32·0.5/4)² + 0.3 = 16.3.
        let alphaRed = 0.9 * exp(-0.25 / 16.3)
        XCTAssertEqual(Double(a.colour[15, 15, 0]), alphaRed, accuracy: 1e-5)
        let alphaBlue = 0.9 * exp(-0.25 / 16.3)  // (32·1/8)² + 0.3 = 16.3 as well
        XCTAssertEqual(Double(a.colour[15, 15, 2]), (1 - alphaRed) * alphaBlue, accuracy: 1e-5)
    }

    func testEmptySceneIsTheBackground() throws {
        let frame = try render(.empty, camera: Fixtures.axisCamera(width: 21, height: 13), background: [0.25, 0.5, 1])
        XCTAssertEqual(frame.colour.width, 21)
        XCTAssertEqual(frame.colour.height, 13)
        for p in 0..<(21 * 13) {
            XCTAssertEqual(frame.colour.pixels[p * 3], 0.25)
            XCTAssertEqual(frame.colour.pixels[p * 3 + 1], 0.5)
            XCTAssertEqual(frame.colour.pixels[p * 3 + 2], 1)
        }
        XCTAssertEqual(frame.statistics.tileInstances, 0)
    }

    func testSplatOffScreenTouchesNoTiles() throws {
        var b = SplatCloudBuilder()
        b.add([50, 0, 4], scale: [0.25, 0.25, 0.25], opacity: 0.8, colour: colour)
        let frame = try render(b.cloud)
        XCTAssertEqual(frame.statistics.visibleGaussians, 0)
        XCTAssertEqual(frame.colour.pixels.max(), 0)
    }

    func testAntialiasedModeScalesOpacity() {
        let grid = TileGrid(width: 32, height: 32)
        let s = Preprocess.project(singleGaussian(), index: 0, camera: Fixtures.axisCamera(), grid: grid,
                                   settings: RenderSettings(antialiased: true))
        // det before = 4² , det after = 4.3² → opacity · 4/4.3.
        XCTAssertEqual(s.opacity, 0.8 * 4 / 4.3, accuracy: 1e-6)
    }

    func testRenderIsDeterministic() throws {
        var b = SplatCloudBuilder()
        for i in 0..<200 {
            let f = Float(i)
            b.add([sin(f) * 2, cos(f * 1.3) * 2, 5 + Float(i % 7) * 0.1], scale: [0.2, 0.1, 0.3], opacity: 0.7,
                  colour: [Float(i % 3) / 2, 0.5, 1 - Float(i % 5) / 4], rotation: normalizedQuaternion([1, f, 0.5, 0.2]))
        }
        let camera = Fixtures.axisCamera(width: 67, height: 45, focal: 40)
        XCTAssertEqual(try render(b.cloud, camera: camera).colour.pixels, try render(b.cloud, camera: camera).colour.pixels)
    }
}

/// Opacity-aware tile culling (the GPU's emission) must not change a single pixel.
final class TileCullingTests: XCTestCase {
    func testCulledTilesChangeNoPixel() throws {
        for seed in [UInt64(3), 9] {
            let cloud = SceneGenerator.benchmarkBall(count: 3000, seed: seed, shDegree: 1)
            let camera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -5], target: .zero, up: [0, -1, 0], fovY: 45,
                                                     width: 173, height: 101))
            let plain = try ReferenceRasterizer().render(cloud, camera: camera, settings: RenderSettings())
            let culled = try ReferenceRasterizer(cullTiles: true).render(cloud, camera: camera, settings: RenderSettings())
            XCTAssertEqual(plain.colour.pixels, culled.colour.pixels)
            XCTAssertEqual(plain.alpha.pixels, culled.alpha.pixels)
            XCTAssertLessThan(culled.statistics.tileInstances, plain.statistics.tileInstances)
        }
    }

    func testMinimumQuadraticAgainstBruteForce() {
        var rng = SplitMix64(seed: 17)
        for _ in 0..<300 {
            // A random positive-definite conic and a box somewhere around the mean.
            let a = rng.uniform(0.01, 2), c = rng.uniform(0.01, 2)
            let b = rng.uniform(-0.95, 0.95) * (a * c).squareRoot()
            let mean = SIMD2<Float>(rng.uniform(-40, 40), rng.uniform(-40, 40))
            let x0 = rng.uniform(-30, 30), y0 = rng.uniform(-30, 30)
            let got = TileCulling.minimumQuadratic(conic: [a, b, c], mean: mean, x0: x0, x1: x0 + 15, y0: y0, y1: y0 + 15)
            var best = Float.infinity
            for i in 0...150 {
                for j in 0...150 {
                    let d = mean - SIMD2(x0 + Float(i) * 0.1, y0 + Float(j) * 0.1)
                    best = min(best, a * d.x * d.x + 2 * b * d.x * d.y + c * d.y * d.y)
                }
            }
            XCTAssertLessThanOrEqual(got, best * 1.0001 + 1e-4)   // never above the true minimum
            XCTAssertGreaterThanOrEqual(got, best - 0.05 * max(1, best))  // and close to the sampled one
        }
    }

    func testKeepsTheTileUnderTheMeanAndDropsFarTiles() {
        var s = ProjectedSplat.culled
        s.mean = [40, 40]; s.conic = [1, 0, 1]; s.opacity = 0.5; s.radius = 3
        s.tileMin = [0, 0]; s.tileMax = [6, 6]
        XCTAssertTrue(TileCulling.touches(s, tileX: 2, tileY: 2))    // holds the mean
        XCTAssertFalse(TileCulling.touches(s, tileX: 5, tileY: 5))   // 40 px away: q ≈ 3200 ≫ 2·ln(127.5)
        // Reach: q ≤ 2·ln(255·0.5) = 9.70 → about 3.1 px from the mean.
        XCTAssertEqual(TileCulling.reach(opacity: 0.5), 2 * log(127.5), accuracy: 1e-5)
    }
}
