/// Real spherical harmonics up to degree 3, with the constants of the official 3DGS code
/// (graphdeco-inria/diff-gaussian-rasterization, forward.cu), which follow the standard real SH basis.
public enum SphericalHarmonics {
    /// The degree-0 constant 1/(2√π): colour = 0.5 + c0·f_dc.
    public static let c0: Float = 0.28209479177387814
    /// The same constant in double precision, for the byte-colour formats (.splat, .splatv) that
    /// convert in double: rounding c0 to Float first would move 162 of the 256 byte values.
    public static let c0InDouble = 0.28209479177387814
    public static let c1: Float = 0.4886025119029199
    public static let c2: [Float] = [1.0925484305920792, -1.0925484305920792, 0.31539156525252005,
                                     -1.0925484305920792, 0.5462742152960396]
    public static let c3: [Float] = [-0.5900435899266435, 2.890611442640554, -0.4570457994644658,
                                     0.3731763325901154, -0.4570457994644658, 1.445305721320277,
                                     -0.5900435899266435]

    /// The SH basis functions of `degree` along the unit direction `d`, in coefficient order.
    public static func basis(degree: Int, direction d: SIMD3<Float>) -> [Float] {
        var b: [Float] = [c0]
        if degree < 1 { return b }
        let (x, y, z) = (d.x, d.y, d.z)
        b += [-c1 * y, c1 * z, -c1 * x]
        if degree < 2 { return b }
        let (xx, yy, zz) = (x * x, y * y, z * z)
        let (xy, yz, xz) = (x * y, y * z, x * z)
        b += [c2[0] * xy, c2[1] * yz, c2[2] * (2 * zz - xx - yy), c2[3] * xz, c2[4] * (xx - yy)]
        if degree < 3 { return b }
        b += [c3[0] * y * (3 * xx - yy), c3[1] * xy * z, c3[2] * y * (4 * zz - xx - yy),
              c3[3] * z * (2 * zz - 3 * xx - 3 * yy), c3[4] * x * (4 * zz - xx - yy),
              c3[5] * z * (xx - yy), c3[6] * x * (xx - 3 * yy)]
        return b
    }

    /// The colour of Gaussian `index` seen from `cameraPosition`: Σ basis·coefficient + 0.5,
    /// then max(·, 0) (no upper clamp before blending, as in the official forward pass).
    public static func colour(of cloud: SplatCloud, index: Int, cameraPosition: SIMD3<Float>) -> SIMD3<Float> {
        let origin = cloud.viewOrigins?[index] ?? cloud.positions[index]
        let direction = normalize(origin - cameraPosition)
        let b = basis(degree: cloud.shDegree, direction: direction)
        var result = SIMD3<Float>(repeating: 0)
        // Summed in coefficient order, like the official code, so float rounding matches.
        for k in 0..<b.count { result += b[k] * cloud.shCoefficient(index, k) }
        result += 0.5
        return pointwiseMax(result, SIMD3(repeating: 0))
    }
}
