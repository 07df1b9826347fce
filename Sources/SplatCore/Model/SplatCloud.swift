/// A static cloud of 3D Gaussians with *activated* attributes, stored as parallel arrays.
///
/// Every loader converts its raw values into this form (DESIGN.md §3): linear scales (exp of the
/// PLY's log-scales), opacity in [0, 1] (sigmoid of the PLY's logit), unit quaternions (w, x, y, z),
/// and real spherical-harmonic coefficients for colour.
public struct SplatCloud: Sendable, Equatable {
    public var positions: [SIMD3<Float>]
    /// Standard deviations along the Gaussian's local axes (already exponentiated).
    public var scales: [SIMD3<Float>]
    /// Unit quaternions stored (w, x, y, z) in (x, y, z, w) lanes of the SIMD4: lane 0 is w.
    public var rotations: [SIMD4<Float>]
    /// Opacity in [0, 1].
    public var opacities: [Float]
    /// Spherical-harmonic degree, 0...3.
    public var shDegree: Int
    /// SH coefficients, Gaussian-major then coefficient then channel:
    /// `sh[(i * coefficientsPerGaussian + k) * 3 + c]`. Coefficient 0 is the DC term (f_dc).
    public var sh: [Float]
    /// Where the SH view direction is taken from, when not `positions`: a slice of Yang et al.'s
    /// 4D Gaussians with time-varying colour looks from the camera to each canonical mean, as the
    /// trainer's kernel does (TemporalSH). nil for every other cloud.
    public var viewOrigins: [SIMD3<Float>]?

    public init(positions: [SIMD3<Float>], scales: [SIMD3<Float>], rotations: [SIMD4<Float>],
                opacities: [Float], shDegree: Int, sh: [Float]) {
        precondition((0...3).contains(shDegree), "SH degree must be 0...3")
        precondition(scales.count == positions.count && rotations.count == positions.count
                     && opacities.count == positions.count, "attribute arrays differ in length")
        precondition(sh.count == positions.count * SplatCloud.coefficientCount(degree: shDegree) * 3,
                     "SH array has the wrong length")
        self.positions = positions
        self.scales = scales
        self.rotations = rotations
        self.opacities = opacities
        self.shDegree = shDegree
        self.sh = sh
    }

    public static let empty = SplatCloud(positions: [], scales: [], rotations: [], opacities: [],
                                         shDegree: 0, sh: [])

    public var count: Int { positions.count }

    /// Number of SH coefficients per channel: (degree + 1)².
    public var coefficientsPerGaussian: Int { SplatCloud.coefficientCount(degree: shDegree) }

    public static func coefficientCount(degree: Int) -> Int { (degree + 1) * (degree + 1) }

    /// The SH coefficient `k` of Gaussian `i` as an RGB triple.
    public func shCoefficient(_ i: Int, _ k: Int) -> SIMD3<Float> {
        let base = (i * coefficientsPerGaussian + k) * 3
        return SIMD3(sh[base], sh[base + 1], sh[base + 2])
    }
}

/// An axis-aligned box.
public struct Bounds: Sendable, Equatable {
    public var min: SIMD3<Float>
    public var max: SIMD3<Float>

    public init(min: SIMD3<Float>, max: SIMD3<Float>) { self.min = min; self.max = max }

    public var center: SIMD3<Float> { (min + max) * 0.5 }
    public var extent: SIMD3<Float> { max - min }

    /// The exact bounds of a set of points, or nil when it is empty.
    public init?(of points: [SIMD3<Float>]) {
        guard var lo = points.first else { return nil }
        var hi = lo
        for p in points {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        self.init(min: lo, max: hi)
    }

    /// Bounds that ignore stray outliers ("floaters" in captures): per axis, the `fraction` and
    /// `1 − fraction` quantiles of the coordinates. Used to frame a scene automatically.
    public init?(robustlyEnclosing points: [SIMD3<Float>], fraction: Float = 0.02) {
        guard !points.isEmpty else { return nil }
        var lo = SIMD3<Float>(), hi = SIMD3<Float>()
        for axis in 0..<3 {
            let sorted = points.map { $0[axis] }.sorted()
            let last = sorted.count - 1
            lo[axis] = sorted[Int((Float(last) * fraction).rounded())]
            hi[axis] = sorted[Int((Float(last) * (1 - fraction)).rounded())]
        }
        self.init(min: lo, max: hi)
    }
}
