import Foundation
import XCTest
@testable import SplatCore

final class SceneGeneratorTests: XCTestCase {
    func testSplitMix64KnownSequence() {
        // Reference values of SplitMix64 from seed 0 (Vigna's published generator).
        var rng = SplitMix64(seed: 0)
        XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(rng.next(), 0x6E78_9E6A_A1B9_65F4)
    }

    func testSyntheticIsDeterministic() {
        let a = SceneGenerator.synthetic(seed: 7)
        XCTAssertEqual(a, SceneGenerator.synthetic(seed: 7))
        XCTAssertNotEqual(a.positions, SceneGenerator.synthetic(seed: 8).positions)
    }

    func testSyntheticScene() {
        let cloud = SceneGenerator.synthetic(seed: 1)
        XCTAssertEqual(cloud.shDegree, 3)
        XCTAssertEqual(cloud.count, 3700)
        XCTAssertEqual(cloud.sh.count, cloud.count * 16 * 3)
        XCTAssertTrue(cloud.positions.allSatisfy { length($0) < 1.55 })
        XCTAssertTrue(cloud.opacities.allSatisfy { $0 >= 0.35 && $0 <= 1 })
        XCTAssertTrue(cloud.rotations.allSatisfy { abs(($0 * $0).sum() - 1) < 1e-5 })
        XCTAssertTrue(cloud.sh.allSatisfy(\.isFinite))
        // View-dependent colour: higher-order coefficients present but modest.
        let higher = (0..<cloud.count).flatMap { i in (1..<16).map { cloud.shCoefficient(i, $0) } }
        let largest = higher.map { max(abs($0.x), abs($0.y), abs($0.z)) }.max() ?? 0
        XCTAssertGreaterThan(largest, 0.1)
        XCTAssertLessThanOrEqual(largest, 0.2)
        // Anisotropic: some Gaussians have a long-to-short axis ratio above 2.
        XCTAssertTrue(cloud.scales.contains { $0.max() > 2 * $0.min() })
    }

    func testBenchmarkBall() {
        let n = 2000
        let cloud = SceneGenerator.benchmarkBall(count: n, seed: 3)
        XCTAssertEqual(cloud, SceneGenerator.benchmarkBall(count: n, seed: 3))
        XCTAssertEqual(cloud.count, n)
        XCTAssertEqual(cloud.shDegree, 3)
        XCTAssertTrue(cloud.positions.allSatisfy { length($0) <= 2 })
        let spacing = Float(cbrt(4.0 / 3.0 * Double.pi * 8 / Double(n)))
        let lo = 0.6 * spacing * exp(-0.3) * 0.9999, hi = 0.6 * spacing * exp(0.3) * 1.0001
        XCTAssertTrue(cloud.scales.allSatisfy { $0.min() >= lo && $0.max() <= hi })
        XCTAssertTrue(cloud.opacities.allSatisfy { $0 >= 0.3 && $0 <= 1 })
        for i in 0..<n {
            let colour = 0.5 + SphericalHarmonics.c0 * cloud.shCoefficient(i, 0)
            XCTAssertTrue(colour.min() >= -1e-6 && colour.max() <= 1 + 1e-6)
        }
        XCTAssertEqual(SceneGenerator.benchmarkBall(count: 10, seed: 3, shDegree: 1).shDegree, 1)
        XCTAssertEqual(SceneGenerator.benchmarkBall(count: 10, seed: 3, shDegree: 0).sh.count, 30)
        XCTAssertEqual(SceneGenerator.benchmarkBall(count: 0, seed: 3).count, 0)
    }
}
