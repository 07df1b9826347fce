import Foundation
import XCTest
@testable import SplatCore

/// The keyframe model: exact keyframes, interpolation rules and stepping (the loaders are in
/// SplatFormatsTests).
final class KeyframesTests: XCTestCase {
    func frame(_ x: Float, rotation: SIMD4<Float> = [1, 0, 0, 0], scale: Float = 0.1, opacity: Float = 0.5,
               colour: Float = 0.2, count: Int = 1) -> SplatCloud {
        SplatCloud(positions: Array(repeating: [x, 2 * x, 0], count: count), scales: Array(repeating: SIMD3(repeating: scale), count: count),
                   rotations: Array(repeating: rotation, count: count), opacities: Array(repeating: opacity, count: count),
                   shDegree: 0, sh: Array(repeating: colour, count: 3 * count))
    }

    func testKeyframesReproduceExactlyAndHoldOutsideTheRange() {
        let frames = [frame(0), frame(1, scale: 0.4), frame(3, opacity: 0.9)]
        let k = Keyframes(times: [0, 1, 2], frames: frames)
        for (i, t) in [Float(0), 1, 2].enumerated() { XCTAssertEqual(k.slice(at: t), frames[i]) }
        XCTAssertEqual(k.slice(at: -5), frames[0])
        XCTAssertEqual(k.slice(at: 7), frames[2])
        XCTAssertEqual(k.bracket(at: 1.25), Keyframes.Bracket(first: 1, second: 2, weight: 0.25))
    }

    func testInterpolationRules() {
        let quarterTurn = SIMD4<Float>(cos(Float.pi / 4), 0, sin(Float.pi / 4), 0)  // 90° about y
        let k = Keyframes(times: [0, 2], frames: [frame(0, scale: 0.1, opacity: 0.2, colour: 0),
                                                  frame(4, rotation: quarterTurn, scale: 0.4, opacity: 0.6, colour: 1)])
        let mid = k.slice(at: 1)
        XCTAssertEqual(mid.positions[0], [2, 4, 0])                          // linear
        XCTAssertEqual(mid.scales[0].x, 0.2, accuracy: 1e-6)                  // log-linear: √(0.1·0.4)
        XCTAssertEqual(mid.opacities[0], 0.4, accuracy: 1e-6)                 // linear
        XCTAssertEqual(mid.sh[0], 0.5, accuracy: 1e-6)                        // SH linear
        let q = mid.rotations[0]                                              // slerp: 45° about y
        XCTAssertEqual(q.x, cos(Float.pi / 8), accuracy: 1e-6)
        XCTAssertEqual(q.z, sin(Float.pi / 8), accuracy: 1e-6)
        // Slerp takes the shorter arc: −q is the same rotation.
        XCTAssertEqual(slerp([1, 0, 0, 0], -quarterTurn, 0.5).z, sin(Float.pi / 8), accuracy: 1e-6)
    }

    func testFramesWithDifferentGaussiansStep() {
        let k = Keyframes(times: [0, 1], frames: [frame(0, count: 2), frame(1, count: 3)])
        XCTAssertEqual(k.slice(at: 0.99).count, 2)
        XCTAssertEqual(k.slice(at: 0.99).positions[0], [0, 0, 0])
        XCTAssertEqual(k.slice(at: 1).count, 3)
    }

}
