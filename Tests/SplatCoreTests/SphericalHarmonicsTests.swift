import XCTest
@testable import SplatCore

final class SphericalHarmonicsTests: XCTestCase {
    /// A degree-3 Gaussian whose coefficient k is (k+1)·(0.01, 0.02, −0.03), DC 0.1.
    func cloud(degree: Int, position: SIMD3<Float>) -> SplatCloud {
        var sh: [Float] = []
        for k in 0..<SplatCloud.coefficientCount(degree: degree) {
            let v: SIMD3<Float> = k == 0 ? [0.1, 0.1, 0.1] : Float(k + 1) * SIMD3(0.01, 0.02, -0.03)
            sh += [v.x, v.y, v.z]
        }
        return SplatCloud(positions: [position], scales: [[1, 1, 1]], rotations: [[1, 0, 0, 0]],
                          opacities: [1], shDegree: degree, sh: sh)
    }

    func coefficient(_ k: Int) -> SIMD3<Double> { Double(k + 1) * SIMD3(0.01, 0.02, -0.03) }

    func testDegreesAlongTheViewAxis() {
        // Direction (0, 0, 1): only Y_0, Y_1^0 (c1·z), Y_2^0 (c2[2]·2z²) and Y_3^0 (c3[3]·2z³) survive.
        let c0 = 0.28209479177387814, c1 = 0.4886025119029199
        let c2 = 0.31539156525252005, c3 = 0.3731763325901154
        var expected = SIMD3<Double>(repeating: c0 * 0.1 + 0.5)
        let terms: [(degree: Int, k: Int, factor: Double)] = [(1, 2, c1), (2, 6, 2 * c2), (3, 12, 2 * c3)]
        for degree in 0...3 {
            if degree > 0 {
                let t = terms[degree - 1]
                expected += t.factor * coefficient(t.k)
            }
            let got = SphericalHarmonics.colour(of: cloud(degree: degree, position: [0, 0, 5]), index: 0, cameraPosition: .zero)
            for c in 0..<3 { XCTAssertEqual(Double(got[c]), expected[c], accuracy: 1e-6, "degree \(degree)") }
        }
    }

    func testDiagonalDirectionDegreeThree() {
        // d = (1, 1, 1)/√3: x = y = z = s with s² = 1/3.
        let s = 1 / 3.0.squareRoot(), ss = 1 / 3.0
        let c0 = 0.28209479177387814, c1 = 0.4886025119029199
        let c2 = [1.0925484305920792, -1.0925484305920792, 0.31539156525252005, -1.0925484305920792, 0.5462742152960396]
        let c3 = [-0.5900435899266435, 2.890611442640554, -0.4570457994644658, 0.3731763325901154,
                  -0.4570457994644658, 1.445305721320277, -0.5900435899266435]
        let basis: [Double] = [
            c0, -c1 * s, c1 * s, -c1 * s,
            c2[0] * ss, c2[1] * ss, c2[2] * 0, c2[3] * ss, c2[4] * 0,
            c3[0] * s * (2 * ss), c3[1] * s * ss, c3[2] * s * (2 * ss), c3[3] * s * (-4 * ss),
            c3[4] * s * (2 * ss), c3[5] * 0, c3[6] * s * (-2 * ss),
        ]
        var expected = SIMD3<Double>(repeating: 0.5)
        for k in 0..<16 { expected += basis[k] * (k == 0 ? SIMD3(0.1, 0.1, 0.1) : coefficient(k)) }
        let got = SphericalHarmonics.colour(of: cloud(degree: 3, position: [2, 2, 2]), index: 0, cameraPosition: .zero)
        for c in 0..<3 { XCTAssertEqual(Double(got[c]), max(0, expected[c]), accuracy: 1e-6) }
    }

    func testColourClampsAtZeroButNotAtOne() {
        var bright = SplatCloudBuilder()
        bright.add([0, 0, 5], scale: [1, 1, 1], opacity: 1, colour: [1.7, -0.4, 0.5])
        let got = SphericalHarmonics.colour(of: bright.cloud, index: 0, cameraPosition: .zero)
        XCTAssertEqual(got.x, 1.7, accuracy: 1e-5)
        XCTAssertEqual(got.y, 0)
        XCTAssertEqual(got.z, 0.5, accuracy: 1e-6)
    }
}
