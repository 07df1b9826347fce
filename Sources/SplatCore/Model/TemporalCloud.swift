import Foundation

/// A time-varying Gaussian cloud in canonical form: every 4D format loads into this (DESIGN.md §4).
///
/// One motion model covers the polynomial trainers (Spacetime Gaussians, splaTV) and, after
/// precomputation, native 4D Gaussians. With Δt = t − timeCenter:
///   μ(t) = position + velocity·Δt + acceleration·Δt² + jerk·Δt³
///   q(t) = normalize(rotation + angularVelocity·Δt)        (rotation stored raw, w,x,y,z)
///   α(t) = opacity · exp(−(Δt / timeScale)²)               (timeScale = ∞: no falloff)
/// A Gaussian whose temporal factor exp(−(Δt/timeScale)²) is ≤ `falloffCutoff`, or whose α(t)
/// is below 1/255 (so it can never be blended), is dropped from the slice.
/// Scales, SH and the image-space rules are those of a static cloud. Static clouds (no motion)
/// hold unit quaternions, as SplatCloud does.
public struct TemporalCloud: Sendable, Equatable {
    public var positions: [SIMD3<Float>]
    public var scales: [SIMD3<Float>]
    /// Raw (not necessarily unit) quaternions w,x,y,z (w in lane 0); normalised when sliced.
    public var rotations: [SIMD4<Float>]
    /// Peak opacity in [0, 1].
    public var opacities: [Float]
    public var shDegree: Int
    /// SH coefficients in SplatCloud's layout.
    public var sh: [Float]
    /// The polynomial motion model; nil for static and keyframed clouds.
    public var motion: Motion?
    /// The keyframe model (whole clouds at given times); nil otherwise. When set, the attribute
    /// arrays above hold the first keyframe.
    public var keyframes: Keyframes?
    public var metadata: SceneMetadata

    public struct Motion: Sendable, Equatable {
        public var timeCenters: [Float]
        public var velocities: [SIMD3<Float>]
        public var accelerations: [SIMD3<Float>]
        public var jerks: [SIMD3<Float>]
        /// Added to the raw quaternion per unit of time (w,x,y,z).
        public var angularVelocities: [SIMD4<Float>]
        public var timeScales: [Float]
        /// Temporal factors at or below this drop the Gaussian (native 4DGS: 0.05; STG: 0).
        public var falloffCutoff: Float

        public init(timeCenters: [Float], velocities: [SIMD3<Float>], accelerations: [SIMD3<Float>], jerks: [SIMD3<Float>],
                    angularVelocities: [SIMD4<Float>], timeScales: [Float], falloffCutoff: Float = 0) {
            self.timeCenters = timeCenters
            self.velocities = velocities
            self.accelerations = accelerations
            self.jerks = jerks
            self.angularVelocities = angularVelocities
            self.timeScales = timeScales
            self.falloffCutoff = falloffCutoff
        }
    }

    public init(positions: [SIMD3<Float>], scales: [SIMD3<Float>], rotations: [SIMD4<Float>], opacities: [Float],
                shDegree: Int, sh: [Float], motion: Motion?, metadata: SceneMetadata = SceneMetadata()) {
        let n = positions.count
        precondition(scales.count == n && rotations.count == n && opacities.count == n, "attribute arrays differ in length")
        precondition(sh.count == n * SplatCloud.coefficientCount(degree: shDegree) * 3, "SH array has the wrong length")
        if let m = motion {
            precondition([m.timeCenters.count, m.velocities.count, m.accelerations.count, m.jerks.count,
                          m.angularVelocities.count, m.timeScales.count].allSatisfy { $0 == n }, "motion arrays differ in length")
        }
        self.positions = positions
        self.scales = scales
        self.rotations = rotations
        self.opacities = opacities
        self.shDegree = shDegree
        self.sh = sh
        self.motion = motion
        self.keyframes = nil
        self.metadata = metadata
    }

    /// A keyframed cloud; its canonical arrays are the first keyframe.
    public init(keyframes: Keyframes, metadata: SceneMetadata) {
        let first = keyframes.frames[0]
        self.init(static: first, metadata: metadata)
        self.keyframes = keyframes
    }

    /// A static cloud seen as a (constant) temporal one.
    public init(static cloud: SplatCloud, metadata: SceneMetadata = SceneMetadata()) {
        self.init(positions: cloud.positions, scales: cloud.scales, rotations: cloud.rotations, opacities: cloud.opacities,
                  shDegree: cloud.shDegree, sh: cloud.sh, motion: nil, metadata: metadata)
    }

    public var count: Int { positions.count }
    public var isStatic: Bool { motion == nil && keyframes == nil }

    /// Opacities below this can never be blended (DESIGN.md §3 step 10).
    public static let minimumVisibleOpacity: Float = 1 / 255

    /// The temporal state of Gaussian `i` at time `t`, or nil when it is dropped at t (static and
    /// polynomial clouds; keyframed clouds slice whole frames with `slice(at:)`).
    @inline(__always)
    public func state(_ i: Int, at t: Float) -> (position: SIMD3<Float>, rotation: SIMD4<Float>, opacity: Float)? {
        precondition(keyframes == nil, "state(_:at:) is for static and polynomial clouds")
        guard let m = motion else { return (positions[i], normalizedQuaternion(rotations[i]), opacities[i]) }
        let dt = t - m.timeCenters[i]
        let u = dt / m.timeScales[i]
        let factor = exp(-(u * u))
        guard factor > m.falloffCutoff else { return nil }
        let opacity = opacities[i] * factor
        guard opacity >= TemporalCloud.minimumVisibleOpacity else { return nil }
        let position = positions[i] + m.velocities[i] * dt + m.accelerations[i] * (dt * dt) + m.jerks[i] * (dt * dt * dt)
        let rotation = normalizedQuaternion(rotations[i] + m.angularVelocities[i] * dt)
        return (position, rotation, opacity)
    }

    /// The 3D splats at time `t`: the active Gaussians, in index order (so the renderers' tie
    /// order is unchanged). CPU twin of the GPU preprocess's time slice.
    public func slice(at t: Float) -> SplatCloud {
        if let keyframes { return keyframes.slice(at: t) }
        // Static loaders store unit quaternions: the slice is the cloud itself.
        if isStatic { return canonical }
        let k = SplatCloud.coefficientCount(degree: shDegree) * 3
        var positions: [SIMD3<Float>] = [], scales: [SIMD3<Float>] = [], rotations: [SIMD4<Float>] = []
        var opacities: [Float] = [], sh: [Float] = []
        positions.reserveCapacity(count)
        for i in 0..<count {
            guard let s = state(i, at: t) else { continue }
            positions.append(s.position)
            scales.append(self.scales[i])
            rotations.append(s.rotation)
            opacities.append(s.opacity)
            sh.append(contentsOf: self.sh[(i * k)..<((i + 1) * k)])
        }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                          shDegree: shDegree, sh: sh)
    }

    /// The Gaussians at their reference state (unit rotations, peak opacity). For a static cloud
    /// this is the cloud itself and shares its storage.
    public var canonical: SplatCloud {
        SplatCloud(positions: positions, scales: scales,
                   rotations: motion == nil ? rotations : rotations.map(normalizedQuaternion),
                   opacities: opacities, shDegree: shDegree, sh: sh)
    }

    /// How many Gaussians are active at t.
    public func activeCount(at t: Float) -> Int {
        if let keyframes { return keyframes.slice(at: t).count }
        return (0..<count).reduce(0) { $0 + (state($1, at: t) == nil ? 0 : 1) }
    }
}

/// What a scene file says about itself beyond the Gaussians.
public struct SceneMetadata: Sendable, Equatable {
    /// The time span the scene covers, in `timeUnit`; nil for static scenes.
    public var timeRange: ClosedRange<Float>?
    /// "seconds", "frames", or "segment" (a trainer's normalised [0, 1) segment).
    public var timeUnit: String
    public var frameRate: Double?
    /// Cameras the file carries (splaTV), usable with --camera-index.
    public var cameras: [Camera]

    public init(timeRange: ClosedRange<Float>? = nil, timeUnit: String = "seconds", frameRate: Double? = nil,
                cameras: [Camera] = []) {
        self.timeRange = timeRange
        self.timeUnit = timeUnit
        self.frameRate = frameRate
        self.cameras = cameras
    }
}
