/// Builds a cloud one Gaussian at a time, with plain colours (for generators and tests): the DC
/// term is chosen so that 0.5 + C0·dc is the colour, higher-order SH default to zero. Gaussians
/// added with a trajectory make a polynomial `TemporalCloud` (then every one needs one).
public struct SplatCloudBuilder {
    public var positions: [SIMD3<Float>] = []
    public var scales: [SIMD3<Float>] = []
    public var rotations: [SIMD4<Float>] = []
    public var opacities: [Float] = []
    public var sh: [Float] = []
    /// SH degree of the cloud; set it before adding Gaussians.
    public var degree: Int
    /// Normalise each rotation as the loaders do. Off, rotations are stored as given: generators
    /// whose quaternions are unit already (renormalising could change their last bits), and
    /// polynomial clouds, whose rotations are raw until sliced.
    public var normalizesRotations: Bool
    /// The motion of the Gaussians added with a trajectory.
    public private(set) var motion: TemporalCloud.Motion?

    public init(degree: Int = 0, normalizesRotations: Bool = true) {
        self.degree = degree
        self.normalizesRotations = normalizesRotations
    }

    /// One Gaussian's polynomial motion (`TemporalCloud.Motion` for one Gaussian).
    public struct Trajectory: Sendable {
        public var timeCenter: Float
        /// ∞: no temporal falloff.
        public var timeScale: Float
        public var velocity: SIMD3<Float> = .zero
        public var acceleration: SIMD3<Float> = .zero
        public var jerk: SIMD3<Float> = .zero
        public var angularVelocity: SIMD4<Float> = .zero

        public init(timeCenter: Float, timeScale: Float, velocity: SIMD3<Float> = .zero, acceleration: SIMD3<Float> = .zero,
                    jerk: SIMD3<Float> = .zero, angularVelocity: SIMD4<Float> = .zero) {
            self.timeCenter = timeCenter
            self.timeScale = timeScale
            self.velocity = velocity
            self.acceleration = acceleration
            self.jerk = jerk
            self.angularVelocity = angularVelocity
        }
    }

    /// Adds a Gaussian of plain `colour`; `higherOrder[k]` is SH coefficient k + 1 (RGB), zero
    /// where missing.
    public mutating func add(_ position: SIMD3<Float>, scale: SIMD3<Float>, opacity: Float, colour: SIMD3<Float>,
                             rotation: SIMD4<Float> = [1, 0, 0, 0], higherOrder: [SIMD3<Float>] = [],
                             trajectory: Trajectory? = nil) {
        precondition(trajectory != nil || motion == nil, "a cloud with motion needs a trajectory for every Gaussian")
        precondition(trajectory == nil || motion != nil || positions.isEmpty,
                     "a cloud with motion needs a trajectory for every Gaussian")
        positions.append(position)
        scales.append(scale)
        rotations.append(normalizesRotations ? normalizedQuaternion(rotation) : rotation)
        opacities.append(opacity)
        let dc = (colour - 0.5) / SphericalHarmonics.c0
        sh += [dc.x, dc.y, dc.z]
        for k in 0..<(SplatCloud.coefficientCount(degree: degree) - 1) {
            let c = k < higherOrder.count ? higherOrder[k] : .zero
            sh += [c.x, c.y, c.z]
        }
        if let trajectory { appendMotion(trajectory) }
    }

    private mutating func appendMotion(_ t: Trajectory) {
        var m = motion ?? TemporalCloud.Motion(timeCenters: [], velocities: [], accelerations: [], jerks: [],
                                               angularVelocities: [], timeScales: [])
        motion = nil  // keeps the arrays uniquely referenced while they grow
        m.timeCenters.append(t.timeCenter)
        m.timeScales.append(t.timeScale)
        m.velocities.append(t.velocity)
        m.accelerations.append(t.acceleration)
        m.jerks.append(t.jerk)
        m.angularVelocities.append(t.angularVelocity)
        motion = m
    }

    public var cloud: SplatCloud {
        SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities, shDegree: degree, sh: sh)
    }

    /// The Gaussians with their motion (static when none was added with a trajectory).
    public func temporalCloud(falloffCutoff: Float = 0, metadata: SceneMetadata = SceneMetadata()) -> TemporalCloud {
        var m = motion
        m?.falloffCutoff = falloffCutoff
        return TemporalCloud(gaussians: cloud, motion: m, metadata: metadata)
    }
}
