import Foundation

/// The time-varying colour of Yang et al.'s native 4D Gaussians (fudan-zvg/4d-gaussian-splatting,
/// `eval_shfs_4d`), as its CUDA rasterizer evaluates it (diff-gaussian-rasterization/cuda_rasterizer/
/// forward.cu, `computeColorFromSH_4D`; the shipped configs render through it):
///   colour = Σ_k Y_k(d)·(sh_k + cos(2π·Δ/T)·sh_{16+k} + cos(2π·2Δ/T)·sh_{32+k}) + 0.5, then max(·, 0)
/// with Δ = μ_t − t, T = time_duration[1] − time_duration[0] (the training config's), k over the 16
/// spatial coefficients of degree 3, and d the unit direction from the camera to the Gaussian's
/// *canonical* (unsliced) mean: the kernel reads `orig_points`, not the mean moved to t.
/// The time factors are one scalar per Gaussian, so at a given t they fold exactly into ordinary
/// spatial coefficients (`fold`); only the rounding order differs from the kernel's.
/// The kernel nests the time terms inside `deg > 2`: at a lower spatial degree they are ignored.
public struct TemporalSH: Sendable, Equatable {
    /// The spatial coefficients each time term multiplies (degree 3).
    public static let spatialCoefficients = 16

    /// The number of time-Fourier terms, `sh_degree_t`, 0...2.
    public var degreeT: Int
    /// The training config's `time_duration` [T0, T1]; the cosine period is T1 − T0.
    public var duration: ClosedRange<Float>
    /// The time-term coefficients, Gaussian-major, then term (cos 1 first), then the 16 spatial
    /// coefficients of the term, then channel: `coefficients[((i·degreeT + j)·16 + k)·3 + c]`.
    /// These are the trainer's `features_rest` rows 15 onwards (its sh[16...]).
    public var coefficients: [Float]

    public init(degreeT: Int, duration: ClosedRange<Float>, coefficients: [Float]) {
        precondition((0...2).contains(degreeT), "sh_degree_t must be 0...2")
        precondition(coefficients.count % max(1, Self.stride(degreeT: degreeT)) == 0, "time SH array has the wrong length")
        self.degreeT = degreeT
        self.duration = duration
        self.coefficients = coefficients
    }

    /// Floats per Gaussian.
    public static func stride(degreeT: Int) -> Int { degreeT * spatialCoefficients * 3 }
    public var stride: Int { Self.stride(degreeT: degreeT) }
    public var period: Float { duration.upperBound - duration.lowerBound }

    /// Whether the time terms change the colour of a cloud of spatial degree `shDegree`.
    public func applies(toDegree shDegree: Int) -> Bool { degreeT > 0 && shDegree == 3 }

    /// The kernel's π: `MY_PI` in the trainer's cuda_rasterizer/auxiliary.h, a double literal.
    public static let kernelPi = 3.14159265

    /// The two time factors cos(2π·Δ/T) and cos(2π·2Δ/T) at Δ = timeCenter − t, as the kernel
    /// computes them: Δ in float, the argument and cosine in double (MY_PI is a double), then float.
    @inline(__always)
    public static func factors(timeCenter: Float, time: Float, period: Float) -> (Float, Float) {
        let dirT = Double(timeCenter - time), p = Double(period)
        return (Float(cos(2 * kernelPi * dirT / p)), Float(cos(2 * kernelPi * dirT * 2 / p)))
    }

    /// Adds the time terms of Gaussian `i` at `time` into its 16 spatial coefficients
    /// `spatial` (coefficient-major, 48 floats), in place.
    @inline(__always)
    public func fold(_ i: Int, timeCenter: Float, time: Float, into spatial: inout [Float], at base: Int) {
        let (t1, t2) = Self.factors(timeCenter: timeCenter, time: time, period: period)
        let start = i * stride, n = Self.spatialCoefficients * 3
        for f in 0..<n { spatial[base + f] += t1 * coefficients[start + f] }
        if degreeT > 1 { for f in 0..<n { spatial[base + f] += t2 * coefficients[start + n + f] } }
    }
}
