import XCTest
@testable import SplatCore

final class ResamplerTests: XCTestCase {
    /// Two distinguishable Gaussians: every copy carries one's opacity, rotation and colour, sits
    /// inside its 1σ ellipsoid and is shrunk by ∛(2 / count).
    func testCopiesShrinkAndStayInsideTheirSource() {
        let source = SplatCloud(positions: [SIMD3(0, 0, 0), SIMD3(10, 0, 0)], scales: [SIMD3(1, 2, 3), SIMD3(0.5, 0.5, 0.5)],
                                rotations: [SIMD4(1, 0, 0, 0), SIMD4(0, 1, 0, 0)], opacities: [0.25, 0.75], shDegree: 0,
                                sh: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        let n = 2000
        let cloud = Resampler.resample(source, count: n, seed: 3)
        XCTAssertEqual(cloud.count, n)
        XCTAssertEqual(cloud.shDegree, 0)
        let shrink = Float(cbrt(2.0 / Double(n)))
        var fromEach = [0, 0]
        for k in 0..<n {
            let i = cloud.opacities[k] == 0.25 ? 0 : 1
            fromEach[i] += 1
            XCTAssertEqual(cloud.rotations[k], source.rotations[i])
            XCTAssertEqual(Array(cloud.sh[(3 * k)..<(3 * k + 3)]), Array(source.sh[(3 * i)..<(3 * i + 3)]))
            XCTAssertEqual(cloud.scales[k], source.scales[i] * shrink)
            // Inside the source's ellipsoid: (R⁻¹·d / s)² ≤ 1 (source 1 turns 180° about x: y, z flip).
            var d = cloud.positions[k] - source.positions[i]
            if i == 1 { d = SIMD3(d.x, -d.y, -d.z) }
            let u = d / source.scales[i]
            XCTAssertLessThanOrEqual((u * u).sum(), 1.0001, "copy \(k) of Gaussian \(i)")
        }
        XCTAssertEqual(Double(fromEach[0]) / Double(n), 0.5, accuracy: 0.05, "copies drawn evenly")
    }

    func testSameSeedSameCloud() {
        let source = SceneGenerator.benchmarkBall(count: 50, seed: 2, shDegree: 1)
        let a = Resampler.resample(source, count: 300, seed: 9), b = Resampler.resample(source, count: 300, seed: 9)
        XCTAssertEqual(a.positions, b.positions)
        XCTAssertEqual(a.sh, b.sh)
        XCTAssertNotEqual(a.positions, Resampler.resample(source, count: 300, seed: 10).positions)
    }
}
