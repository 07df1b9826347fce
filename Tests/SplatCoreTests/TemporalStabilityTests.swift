import SplatCore
import SplatTestSupport
import XCTest

final class TemporalStabilityTests: XCTestCase {
    func testValuesOnHandMadeFrames() {
        let a = Image(width: 2, height: 1, channels: 4, pixels: [0, 0, 0, 1, 1, 1, 1, 1])
        let b = Image(width: 2, height: 1, channels: 4, pixels: [0.5, 0.5, 0.5, 0, 1, 1, 1, 0])
        // Change: pixel 0 moves by 0.5 in 3 channels, pixel 1 not at all (alpha ignored): 1.5 / 6.
        XCTAssertEqual(TemporalStability.meanChange([a, b]), 0.25, accuracy: 1e-12)
        XCTAssertEqual(TemporalStability.meanChange([a, b, a]), 0.25, accuracy: 1e-12)
        // Variance over [0, 0.5]: 0.0625 in 3 samples, 0 in 3: mean 0.03125.
        XCTAssertEqual(TemporalStability.meanVariance([a, b]), 0.03125, accuracy: 1e-12)
        let s = TemporalStability.measure(renders: [a, b], truths: [a, a])
        XCTAssertEqual(s.truthChange, 0)
        XCTAssertEqual(s.flicker, 0.25, accuracy: 1e-12)
    }

    /// A still scene from a fixed camera: renders with random sub-pixel camera jitter per frame
    /// flicker; the stable renders equal the truth and do not.
    func testRandomSubPixelJitterScoresWorseThanAStableCamera() throws {
        var rng = SplitMix64(seed: 5)
        var builder = SplatCloudBuilder()
        for _ in 0..<400 {
            builder.add([rng.uniform(-0.7, 0.7), rng.uniform(-0.5, 0.5), rng.uniform(2, 3)], scale: [0.004, 0.004, 0.004],
                        opacity: 0.9, colour: [rng.unit(), rng.unit(), rng.unit()])
        }
        let cloud = builder.cloud
        let camera = Fixtures.axisCamera(width: 48, height: 36, focal: 40)
        let still = try ReferenceRasterizer().render(cloud, camera: camera, settings: RenderSettings()).colour
        let truths = [Image](repeating: still, count: 6)
        let jittered = try (0..<6).map { _ -> Image in
            var c = camera
            c.cx += rng.uniform(-0.5, 0.5)
            c.cy += rng.uniform(-0.5, 0.5)
            return try ReferenceRasterizer().render(cloud, camera: c, settings: RenderSettings()).colour
        }
        let stable = TemporalStability.measure(renders: truths, truths: truths)
        let shaky = TemporalStability.measure(renders: jittered, truths: truths)
        print("temporal stability: stable flicker \(stable.flicker), variance \(stable.renderVariance); "
              + "jittered flicker \(shaky.flicker), variance \(shaky.renderVariance)")
        XCTAssertEqual(stable.flicker, 0)
        XCTAssertEqual(stable.renderVariance, 0)
        XCTAssertGreaterThan(shaky.flicker, 0.005)
        XCTAssertGreaterThan(shaky.renderVariance, 1e-4)
    }
}
