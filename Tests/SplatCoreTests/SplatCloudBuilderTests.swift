import XCTest
@testable import SplatCore

final class SplatCloudBuilderTests: XCTestCase {
    func testPlainColoursAndNormalisedRotations() {
        var b = SplatCloudBuilder(degree: 1)
        b.add([1, 2, 3], scale: [0.1, 0.2, 0.3], opacity: 0.5, colour: [0.5, 0.5, 0.5], rotation: [2, 0, 0, 0],
              higherOrder: [[1, 2, 3]])
        XCTAssertEqual(b.cloud.rotations, [[1, 0, 0, 0]])
        // DC zero gives colour 0.5; coefficient 1 as given, the other two zero.
        XCTAssertEqual(b.cloud.sh, [0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0])
        XCTAssertNil(b.motion)
        XCTAssertTrue(b.temporalCloud().isStatic)
    }

    func testTrajectoriesMakeAPolynomialCloud() {
        var b = SplatCloudBuilder(normalizesRotations: false)
        b.add([0, 0, 1], scale: [1, 1, 1], opacity: 1, colour: [1, 0, 0], rotation: [2, 0, 0, 0],
              trajectory: .init(timeCenter: 0.25, timeScale: 2, velocity: [1, 0, 0]))
        b.add([0, 0, 2], scale: [1, 1, 1], opacity: 1, colour: [0, 1, 0],
              trajectory: .init(timeCenter: 0.75, timeScale: .infinity, jerk: [0, 0, 3], angularVelocity: [0, 1, 0, 0]))
        let scene = b.temporalCloud(falloffCutoff: 0.05, metadata: SceneMetadata(timeRange: 0...1))
        let motion = try! XCTUnwrap(scene.motion)
        XCTAssertEqual(scene.rotations, [[2, 0, 0, 0], [1, 0, 0, 0]])  // raw until sliced
        XCTAssertEqual(motion.timeCenters, [0.25, 0.75])
        XCTAssertEqual(motion.timeScales, [2, .infinity])
        XCTAssertEqual(motion.velocities, [[1, 0, 0], .zero])
        XCTAssertEqual(motion.jerks, [.zero, [0, 0, 3]])
        XCTAssertEqual(motion.angularVelocities, [.zero, [0, 1, 0, 0]])
        XCTAssertEqual(motion.falloffCutoff, 0.05)
        XCTAssertEqual(scene.metadata.timeRange, 0...1)
    }
}

final class TemporalCloudStorageTests: XCTestCase {
    func testTheAttributesAreThoseOfItsSplatCloud() {
        var b = SplatCloudBuilder()
        b.add([1, 2, 3], scale: [1, 1, 1], opacity: 0.5, colour: [0.2, 0.4, 0.6])
        let cloud = b.cloud
        var scene = TemporalCloud(positions: cloud.positions, scales: cloud.scales, rotations: cloud.rotations,
                                  opacities: cloud.opacities, shDegree: 0, sh: cloud.sh, motion: nil)
        XCTAssertEqual(scene.gaussians, cloud)
        XCTAssertEqual(scene, TemporalCloud(static: cloud))
        XCTAssertEqual(scene.slice(at: 3), cloud)
        scene.positions[0] = [4, 5, 6]
        scene.opacities[0] = 0.25
        XCTAssertEqual(scene.gaussians.positions, [[4, 5, 6]])
        XCTAssertEqual(scene.gaussians.opacities, [0.25])
        XCTAssertEqual(scene.shDegree, 0)
    }
}
