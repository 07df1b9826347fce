@testable import SplatCore

/// Builds small clouds by hand for tests.
struct CloudBuilder {
    var positions: [SIMD3<Float>] = []
    var scales: [SIMD3<Float>] = []
    var rotations: [SIMD4<Float>] = []
    var opacities: [Float] = []
    var sh: [Float] = []
    var degree = 0

    /// Adds a Gaussian whose view-independent colour is `colour` (DC term chosen so that
    /// C0·dc + 0.5 = colour).
    mutating func add(_ position: SIMD3<Float>, scale: SIMD3<Float>, opacity: Float, colour: SIMD3<Float>,
                      rotation: SIMD4<Float> = [1, 0, 0, 0], higherOrder: [SIMD3<Float>] = []) {
        positions.append(position)
        scales.append(scale)
        rotations.append(rotation)
        opacities.append(opacity)
        let dc = (colour - 0.5) / SphericalHarmonics.c0
        sh += [dc.x, dc.y, dc.z]
        let rest = SplatCloud.coefficientCount(degree: degree) - 1
        for k in 0..<rest {
            let c = k < higherOrder.count ? higherOrder[k] : .zero
            sh += [c.x, c.y, c.z]
        }
    }

    var cloud: SplatCloud {
        SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                   shDegree: degree, sh: sh)
    }
}

/// A camera at the origin looking down +z with square pixels and the principal point at the centre.
func axisCamera(width: Int = 32, height: Int = 32, focal: Float = 32) -> Camera {
    Camera(width: width, height: height, fx: focal, fy: focal, rotation: .identity, translation: .zero)
}
