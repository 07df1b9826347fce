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
/// Native 4DGS colour may vary with time (`Motion.colour`, TemporalSH): the slice folds its
/// time terms into each Gaussian's spatial SH and views it from the canonical mean.
/// Scales, SH and the image-space rules are those of a static cloud. Static clouds (no motion)
/// hold unit quaternions, as SplatCloud does.
public struct TemporalCloud: Sendable, Equatable {
    /// The per-Gaussian attributes: the whole cloud of a static scene, the first keyframe of a
    /// keyframed one, and for a polynomial one the reference state with *raw* (not necessarily
    /// unit) rotations, normalised when sliced. Opacities are peak opacities in [0, 1].
    public var gaussians: SplatCloud
    /// The polynomial motion model; nil for static and keyframed clouds.
    public var motion: Motion?
    /// The keyframe model (whole clouds at given times); nil otherwise. When set, `gaussians`
    /// holds the first keyframe.
    public var keyframes: Keyframes?
    /// A deformation network (4DGaussians); nil otherwise. When set, `gaussians` holds the
    /// canonical positions, raw rotations and SH, and the activated canonical scales and opacities.
    public var field: FieldMotion?
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
        /// Native 4DGS time-varying colour (time-Fourier SH terms around `timeCenters`, view
        /// direction from the canonical mean); nil: the colour is `gaussians.sh`, seen from the
        /// position at t.
        public var colour: TemporalSH?

        public init(timeCenters: [Float], velocities: [SIMD3<Float>], accelerations: [SIMD3<Float>], jerks: [SIMD3<Float>],
                    angularVelocities: [SIMD4<Float>], timeScales: [Float], falloffCutoff: Float = 0, colour: TemporalSH? = nil) {
            self.timeCenters = timeCenters
            self.velocities = velocities
            self.accelerations = accelerations
            self.jerks = jerks
            self.angularVelocities = angularVelocities
            self.timeScales = timeScales
            self.falloffCutoff = falloffCutoff
            self.colour = colour
        }

        public var count: Int { timeCenters.count }
    }

    /// A static (motion nil) or polynomial cloud over the attributes of `gaussians`.
    public init(gaussians: SplatCloud, motion: Motion?, metadata: SceneMetadata = SceneMetadata()) {
        if let m = motion {
            let n = gaussians.count
            precondition([m.timeCenters.count, m.velocities.count, m.accelerations.count, m.jerks.count,
                          m.angularVelocities.count, m.timeScales.count].allSatisfy { $0 == n }, "motion arrays differ in length")
            if let c = m.colour { precondition(c.coefficients.count == n * c.stride, "time SH array has the wrong length") }
        }
        self.gaussians = gaussians
        self.motion = motion
        self.keyframes = nil
        self.field = nil
        self.metadata = metadata
    }

    /// A cloud moved by a deformation field; `gaussians` is the canonical cloud (raw rotations).
    public init(gaussians: SplatCloud, field: FieldMotion, metadata: SceneMetadata) {
        precondition(field.logScales.count == gaussians.count, "field motion arrays differ in length from the cloud")
        self.init(gaussians: gaussians, motion: nil, metadata: metadata)
        self.field = field
    }

    public init(positions: [SIMD3<Float>], scales: [SIMD3<Float>], rotations: [SIMD4<Float>], opacities: [Float],
                shDegree: Int, sh: [Float], motion: Motion?, metadata: SceneMetadata = SceneMetadata()) {
        self.init(gaussians: SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                                        shDegree: shDegree, sh: sh),
                  motion: motion, metadata: metadata)
    }

    /// A keyframed cloud; its canonical arrays are the first keyframe.
    public init(keyframes: Keyframes, metadata: SceneMetadata) {
        self.init(gaussians: keyframes.frames[0], motion: nil, metadata: metadata)
        self.keyframes = keyframes
    }

    /// A static cloud seen as a (constant) temporal one.
    public init(static cloud: SplatCloud, metadata: SceneMetadata = SceneMetadata()) {
        self.init(gaussians: cloud, motion: nil, metadata: metadata)
    }

    // The attributes of `gaussians` under their SplatCloud names (the decoders and the GPU upload read them).
    public var positions: [SIMD3<Float>] {
        get { gaussians.positions }
        _modify { yield &gaussians.positions }
    }
    public var scales: [SIMD3<Float>] {
        get { gaussians.scales }
        _modify { yield &gaussians.scales }
    }
    /// Raw (not necessarily unit) quaternions w,x,y,z (w in lane 0); normalised when sliced.
    public var rotations: [SIMD4<Float>] {
        get { gaussians.rotations }
        _modify { yield &gaussians.rotations }
    }
    /// Peak opacity in [0, 1].
    public var opacities: [Float] {
        get { gaussians.opacities }
        _modify { yield &gaussians.opacities }
    }
    public var shDegree: Int { gaussians.shDegree }
    /// SH coefficients in SplatCloud's layout.
    public var sh: [Float] {
        get { gaussians.sh }
        _modify { yield &gaussians.sh }
    }

    public var count: Int { gaussians.count }
    public var isStatic: Bool { motion == nil && keyframes == nil && field == nil }

    /// Opacities below this can never be blended (DESIGN.md §3 step 10).
    public static let minimumVisibleOpacity: Float = 1 / 255

    /// The temporal opacity factor exp(−(Δt/timeScale)²) of Gaussian `i` at `t` when it is active
    /// then, nil when it is dropped (factor at or below the cut-off, or α(t) below 1/255).
    /// Polynomial clouds only. CPU twin of the shaders' `temporallyActive`.
    @inline(__always)
    public func activeFactor(_ i: Int, at t: Float, motion m: Motion) -> Float? {
        let dt = t - m.timeCenters[i]
        let u = dt / m.timeScales[i]
        let factor = exp(-(u * u))
        guard factor > m.falloffCutoff, gaussians.opacities[i] * factor >= TemporalCloud.minimumVisibleOpacity else {
            return nil
        }
        return factor
    }

    /// Whether Gaussian `i` takes part in the slice at `t` (always, for static clouds).
    public func isActive(_ i: Int, at t: Float) -> Bool {
        precondition(keyframes == nil && field == nil, "isActive(_:at:) is for static and polynomial clouds")
        guard let motion else { return true }
        return activeFactor(i, at: t, motion: motion) != nil
    }

    /// The temporal state of Gaussian `i` at time `t`, or nil when it is dropped at t (static and
    /// polynomial clouds; keyframed clouds slice whole frames with `slice(at:)`).
    @inline(__always)
    public func state(_ i: Int, at t: Float) -> (position: SIMD3<Float>, rotation: SIMD4<Float>, opacity: Float)? {
        precondition(keyframes == nil && field == nil, "state(_:at:) is for static and polynomial clouds")
        guard let m = motion else { return (positions[i], normalizedQuaternion(rotations[i]), opacities[i]) }
        guard let factor = activeFactor(i, at: t, motion: m) else { return nil }
        let dt = t - m.timeCenters[i]
        let opacity = opacities[i] * factor
        let position = positions[i] + m.velocities[i] * dt + m.accelerations[i] * (dt * dt) + m.jerks[i] * (dt * dt * dt)
        let rotation = normalizedQuaternion(rotations[i] + m.angularVelocities[i] * dt)
        return (position, rotation, opacity)
    }

    /// The 3D splats at time `t`: the active Gaussians, in index order (so the renderers' tie
    /// order is unchanged). CPU twin of the GPU preprocess's time slice.
    public func slice(at t: Float) -> SplatCloud {
        if let keyframes { return keyframes.slice(at: t) }
        if let field { return field.cloud(gaussians, at: t) }
        // Static loaders store unit quaternions: the slice is the cloud itself.
        if isStatic { return canonical }
        return states(of: (0..<count).filter { isActive($0, at: t) }, at: t)
    }

    /// The 3D splats at time `t` of the Gaussians `indices` (each active at t), in that order.
    public func states<C: Collection>(of indices: C, at t: Float) -> SplatCloud where C.Element: BinaryInteger {
        let k = SplatCloud.coefficientCount(degree: shDegree) * 3
        let colour = motion?.colour, timeTerms = colour?.applies(toDegree: shDegree) == true
        var viewOrigins: [SIMD3<Float>]? = colour == nil ? nil : []
        viewOrigins?.reserveCapacity(indices.count)
        var positions: [SIMD3<Float>] = [], scales: [SIMD3<Float>] = [], rotations: [SIMD4<Float>] = []
        var opacities: [Float] = [], sh: [Float] = []
        positions.reserveCapacity(indices.count)
        scales.reserveCapacity(indices.count)
        rotations.reserveCapacity(indices.count)
        opacities.reserveCapacity(indices.count)
        sh.reserveCapacity(indices.count * k)
        for index in indices {
            let i = Int(index)
            guard let s = state(i, at: t) else { preconditionFailure("Gaussian \(i) is not active at t = \(t)") }
            positions.append(s.position)
            scales.append(gaussians.scales[i])
            rotations.append(s.rotation)
            opacities.append(s.opacity)
            let base = sh.count
            sh.append(contentsOf: gaussians.sh[(i * k)..<((i + 1) * k)])
            if let colour, let m = motion {
                viewOrigins?.append(gaussians.positions[i])
                if timeTerms { colour.fold(i, timeCenter: m.timeCenters[i], time: t, into: &sh, at: base) }
            }
        }
        var cloud = SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                               shDegree: shDegree, sh: sh)
        cloud.viewOrigins = viewOrigins
        return cloud
    }

    /// The Gaussians at their reference state (unit rotations, peak opacity). For a static cloud
    /// this is the cloud itself and shares its storage.
    public var canonical: SplatCloud {
        guard motion != nil || field != nil else { return gaussians }
        var cloud = gaussians
        cloud.rotations = cloud.rotations.map(normalizedQuaternion)
        return cloud
    }

    /// How many Gaussians are active at t.
    public func activeCount(at t: Float) -> Int {
        if let keyframes { return keyframes.slice(at: t).count }
        if field != nil { return count }
        return (0..<count).reduce(0) { $0 + (isActive($1, at: t) ? 1 : 0) }
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
