/// Builds a SplatCloud one Gaussian at a time, with plain colours (for generators and tests):
/// the DC term is chosen so that 0.5 + C0·dc is the colour, higher-order SH default to zero, and
/// rotations are normalised as the loaders do.
public struct SplatCloudBuilder {
    public var positions: [SIMD3<Float>] = []
    public var scales: [SIMD3<Float>] = []
    public var rotations: [SIMD4<Float>] = []
    public var opacities: [Float] = []
    public var sh: [Float] = []
    /// SH degree of the cloud; set it before adding Gaussians.
    public var degree: Int

    public init(degree: Int = 0) { self.degree = degree }

    public mutating func add(_ position: SIMD3<Float>, scale: SIMD3<Float>, opacity: Float, colour: SIMD3<Float>,
                             rotation: SIMD4<Float> = [1, 0, 0, 0], higherOrder: [SIMD3<Float>] = []) {
        positions.append(position)
        scales.append(scale)
        rotations.append(normalizedQuaternion(rotation))
        opacities.append(opacity)
        let dc = (colour - 0.5) / SphericalHarmonics.c0
        sh += [dc.x, dc.y, dc.z]
        for k in 0..<(SplatCloud.coefficientCount(degree: degree) - 1) {
            let c = k < higherOrder.count ? higherOrder[k] : .zero
            sh += [c.x, c.y, c.z]
        }
    }

    public var cloud: SplatCloud {
        SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities, shDegree: degree, sh: sh)
    }
}
