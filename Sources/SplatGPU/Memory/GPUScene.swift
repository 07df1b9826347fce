import SplatCore

/// A cloud uploaded to the GPU once; a frame then passes only the time and the camera. The
/// geometry, motion and SH buffers may be larger than one storage binding can see; preprocess
/// then walks them in chunks that each fit a binding.
public final class GPUScene {
    public let device: GPUDevice
    public let count: Int
    public let shDegree: Int
    /// Time-Fourier SH terms stored after each Gaussian's spatial coefficients (TemporalSH), 0...2.
    public let shTimeTerms: Int
    /// The SH view direction comes from the canonical mean (native 4DGS with TemporalSH).
    let canonicalView: Bool
    /// Bytes of SH per Gaussian in `sh`.
    let shStride: Int
    private(set) var geometry: GPUBuffer
    private(set) var sh: GPUBuffer
    /// Per-Gaussian motion of a time-varying cloud; nil for a static one.
    let motion: GPUBuffer?
    let falloffCutoff: Float
    /// A keyframed cloud: this scene holds keyframe 0; the others are uploaded when a frame needs
    /// them and kept in a small cache (playback only ever needs the two around t).
    private(set) var keyframes: Keyframes?
    private var keyframeCache: [Int: GPUScene] = [:]
    /// Keyframe scenes of an earlier window (`refill`), whose buffers the next misses reuse.
    private var spareKeyframes: [GPUScene] = []
    /// A cloud moved by a deformation field (4DGaussians) whose network fits deform_hexplane.comp:
    /// its buffers; each frame's pass writes `geometry` and `sh`, which preprocess reads as a static cloud.
    let deformation: GPUDeformation?
    /// A deformation-field scene beyond the shader's limits (or several chunks): a frame deforms
    /// it on the CPU (FieldMotion, the reference) and uploads the result.
    let deformed: TemporalCloud?
    static let keyframeCacheSize = 4

    /// Where a 4DGaussians deformation network runs each frame.
    public enum DeformationPlacement: Sendable {
        /// The compute pass on a GPU; on a CPU device (lavapipe) the CPU twin, which runs there
        /// about 3× faster than the JIT-compiled shader (BENCHMARKS.md, issue 13).
        case automatic
        /// Always the compute pass when the network fits it (the stage tests compare it on lavapipe).
        case device
        /// Always the CPU twin, uploading the deformed cloud.
        case host

        func usesDevicePass(on device: PhysicalDeviceInfo) -> Bool {
            switch self {
            case .automatic: device.kind != .cpu
            case .device: true
            case .host: false
            }
        }
    }
    /// Gaussians per preprocess dispatch, so each chunk's window fits one binding: the storage
    /// limit, and the texel limit for the geometry and SH that preprocess fetches as texels.
    let chunkSize: Int

    static let geometryStride = MemoryLayout<GPUGaussianGeometry>.stride

    static let motionStride = MemoryLayout<GPUGaussianMotion>.stride

    public convenience init(device: GPUDevice, cloud: SplatCloud) throws {
        try self.init(device: device, scene: TemporalCloud(static: cloud))
    }

    /// `deformationPass` says where a deformation field is evaluated (see DeformationPlacement).
    public init(device: GPUDevice, scene cloud: TemporalCloud, deformationPass: DeformationPlacement = .automatic) throws {
        self.device = device
        keyframes = cloud.keyframes
        count = cloud.count
        shDegree = cloud.shDegree
        falloffCutoff = cloud.motion?.falloffCutoff ?? 0
        let colour = cloud.motion?.colour
        shTimeTerms = colour.map { $0.applies(toDegree: cloud.shDegree) ? $0.degreeT : 0 } ?? 0
        canonicalView = colour != nil
        let spatialFloats = SplatCloud.coefficientCount(degree: cloud.shDegree) * 3
        shStride = spatialFloats * (shTimeTerms + 1) * 4
        // Geometry and SH are fetched as texels, motion is a storage buffer.
        let texelBytes = device.info.maxVectorTexelBytes, storageBytes = device.info.maxStorageBufferRange
        chunkSize = GPUScene.chunkSize(streams: [(GPUScene.geometryStride, texelBytes), (shStride, texelBytes),
                                                 (GPUScene.motionStride, storageBytes)],
                                       alignment: device.info.bindingOffsetAlignment)
        geometry = try GPUBuffer(device: device, size: cloud.count * GPUScene.geometryStride, usage: .storage,
                                 label: "Gaussian geometry (\(cloud.count) Gaussians)")
        try GPUScene.writeGeometry(of: cloud.gaussians, into: geometry)
        sh = try GPUBuffer(device: device, size: cloud.count * shStride, usage: .storage,
                           label: "SH coefficients (\(cloud.count) Gaussians, degree \(cloud.shDegree), \(shTimeTerms) time terms)")
        if let colour, shTimeTerms > 0 {
            // Per Gaussian: the spatial coefficients, then the time terms' (preprocess.comp folds them).
            var packedSH = [Float]()
            packedSH.reserveCapacity(cloud.count * spatialFloats * (shTimeTerms + 1))
            for i in 0..<cloud.count {
                packedSH.append(contentsOf: cloud.sh[(i * spatialFloats)..<((i + 1) * spatialFloats)])
                packedSH.append(contentsOf: colour.coefficients[(i * colour.stride)..<((i + 1) * colour.stride)])
            }
            try sh.upload(packedSH)
        } else {
            try sh.upload(cloud.sh)
        }
        if let m = cloud.motion {
            var packed = [GPUGaussianMotion]()
            packed.reserveCapacity(cloud.count)
            for i in 0..<cloud.count {
                packed.append(GPUGaussianMotion(velocityTimeCenter: SIMD4(m.velocities[i], m.timeCenters[i]),
                                                accelerationTimeScale: SIMD4(m.accelerations[i], m.timeScales[i]),
                                                jerk: SIMD4(m.jerks[i], colour?.period ?? 0),
                                                angularVelocity: m.angularVelocities[i]))
            }
            let buffer = try GPUBuffer(device: device, size: packed.count * GPUScene.motionStride, usage: .storage,
                                       label: "Gaussian motion (\(cloud.count) Gaussians)")
            try buffer.upload(packed)
            motion = buffer
        } else {
            motion = nil
        }
        if let field = cloud.field, deformationPass.usesDevicePass(on: device.info), chunkSize >= cloud.count,
           let network = DeformationNetwork.pack(field.field) {
            var raw = [GPUCanonicalGaussian]()
            raw.reserveCapacity(cloud.count)
            for i in 0..<cloud.count {
                raw.append(GPUCanonicalGaussian(positionLogit: SIMD4(cloud.positions[i], field.opacityLogits[i]),
                                                logScale: SIMD4(field.logScales[i], 0), rotation: cloud.rotations[i]))
            }
            let canonical = try GPUBuffer(device: device, size: max(raw.count, 1) * MemoryLayout<GPUCanonicalGaussian>.stride,
                                          usage: .storage, label: "canonical Gaussians (\(cloud.count), deformation field)")
            try canonical.upload(raw)
            let canonicalSH = try GPUBuffer(device: device, size: max(cloud.sh.count, 1) * 4, usage: .storage,
                                            label: "canonical SH (\(cloud.count) Gaussians)")
            try canonicalSH.upload(cloud.sh)
            let weights = try GPUBuffer(device: device, size: network.count * 4, usage: .storage,
                                        label: "deformation network (\(network.count) floats)")
            try weights.upload(network)
            deformation = GPUDeformation(canonical: canonical, canonicalSH: canonicalSH, network: weights, shFloats: spatialFloats)
            deformed = nil
        } else {
            deformation = nil
            deformed = cloud.field == nil ? nil : cloud
        }
    }

    public var isTemporal: Bool { motion != nil }

    /// Device memory this scene holds: its buffers and the keyframes uploaded beside it.
    public var deviceBytes: Int {
        let own = geometry.size + sh.size + (motion?.size ?? 0)
        return (keyframeCache.values + spareKeyframes).reduce(own) { $0 + $1.deviceBytes }
    }

    /// The geometry buffer's layout, written in place when the buffer is mapped (lavapipe: no
    /// temporary copy of the cloud), else packed and staged.
    static func writeGeometry(of cloud: SplatCloud, into buffer: GPUBuffer) throws {
        func pack(_ out: UnsafeMutableBufferPointer<GPUGaussianGeometry>) {
            for i in 0..<cloud.count {
                out[i] = GPUGaussianGeometry(positionOpacity: SIMD4(cloud.positions[i], cloud.opacities[i]),
                                             scale: SIMD4(cloud.scales[i], 0), rotation: cloud.rotations[i])
            }
        }
        guard cloud.count > 0 else { return }
        if let mapped = buffer.mapped {
            pack(UnsafeMutableBufferPointer(start: mapped.bindMemory(to: GPUGaussianGeometry.self, capacity: cloud.count),
                                            count: cloud.count))
        } else {
            try buffer.upload([GPUGaussianGeometry](unsafeUninitializedCapacity: cloud.count) { out, n in
                pack(out)
                n = cloud.count
            })
        }
    }

    /// Which frames of a longer sequence this scene's keyframes are (nil when unknown).
    var frameIndices: [Int]?

    /// Uploads `scene` into this scene's buffers instead of allocating new ones, when it has the
    /// same shape: a static or keyframed cloud of the same count and SH degree (a streamed
    /// sequence's next window, whose keyframes are frames `indices` of the sequence). A frame this
    /// scene already holds under the same index is kept, not copied again: the step from frames
    /// (k, k + 1) to (k + 1, k + 2) uploads one frame. Returns false, changing nothing, when it does
    /// not fit. Fresh device memory costs more than the copy on a CPU device, where it is host
    /// memory faulted in page by page.
    func refill(with scene: TemporalCloud, frames indices: [Int]? = nil) throws -> Bool {
        guard motion == nil, deformation == nil, deformed == nil, shTimeTerms == 0,
              scene.motion == nil, scene.field == nil, scene.count == count, scene.shDegree == shDegree else { return false }
        if let indices, let held = frameIndices, held.count == 2, indices.first == held[1],
           let second = keyframeCache[1], second.count == count {
            // The old second keyframe becomes the first: trade buffers with it instead of copying.
            swap(&geometry, &second.geometry)
            swap(&sh, &second.sh)  // `second` now holds the old first frame: a spare, below
        } else {
            try GPUScene.writeGeometry(of: scene.gaussians, into: geometry)
            try sh.upload(scene.sh)
        }
        keyframes = scene.keyframes
        frameIndices = indices
        spareKeyframes = Array((spareKeyframes + keyframeCache.values).prefix(GPUScene.keyframeCacheSize))
        keyframeCache = [:]
        return true
    }

    /// Drops the references to the keyframes' decoded clouds (the buffers stay, for `refill`):
    /// the scene must be refilled before it is drawn again.
    public func releaseFrames() {
        if keyframes != nil { keyframes = nil }
    }

    /// The deformed, activated Gaussians the last deform pass wrote (a stage capture).
    func readDeformed() throws -> SplatCloud {
        let g = try geometry.read(GPUGaussianGeometry.self, count: count)
        let floats = SplatCloud.coefficientCount(degree: shDegree) * 3
        return SplatCloud(positions: g.map { SIMD3($0.positionOpacity.x, $0.positionOpacity.y, $0.positionOpacity.z) },
                          scales: g.map { SIMD3($0.scale.x, $0.scale.y, $0.scale.z) }, rotations: g.map(\.rotation),
                          opacities: g.map(\.positionOpacity.w), shDegree: shDegree, sh: try sh.read(Float.self, count: count * floats))
    }

    /// The deformation-field scene at `time`, deformed on the CPU and uploaded (every frame: the
    /// frame's cost is the deformation's).
    func deformedScene(at time: Float) throws -> GPUScene {
        guard let deformed else { return self }
        return try GPUScene(device: device, cloud: deformed.slice(at: time))
    }

    /// The uploaded keyframe `index` (a static scene; keyframe 0 is this scene itself).
    func keyframe(_ index: Int) throws -> GPUScene {
        guard let keyframes, index != 0 else { return self }
        if let cached = keyframeCache[index] { return cached }
        if keyframeCache.count >= GPUScene.keyframeCacheSize,
           let farthest = keyframeCache.keys.max(by: { abs($0 - index) < abs($1 - index) }) {
            keyframeCache[farthest] = nil
        }
        let frame = keyframes.frames[index]
        let scene: GPUScene
        if let spare = spareKeyframes.popLast(), try spare.refill(with: TemporalCloud(static: frame)) {
            scene = spare
        } else {
            scene = try GPUScene(device: device, cloud: frame)
        }
        keyframeCache[index] = scene
        return scene
    }

    /// The largest multiple of the preprocess workgroup whose windows fit one binding and start at
    /// offsets the device accepts.
    static func chunkSize(maxRange: UInt64, alignment: Int, strides: [Int]) -> Int {
        chunkSize(streams: strides.map { ($0, maxRange) }, alignment: alignment)
    }

    /// The same with a limit per stream (bytes per Gaussian, bytes one binding of it may span).
    static func chunkSize(streams: [(stride: Int, maxRange: UInt64)], alignment: Int) -> Int {
        var size = streams.map { Int(min($0.maxRange, UInt64(Int32.max))) / $0.stride }.min()!
        let group = ShaderContract.PREPROCESS_WORKGROUP_SIZE
        size -= size % group
        // Every stride × chunk must be a multiple of the offset alignment.
        while size > group, streams.contains(where: { ($0.stride * size) % max(alignment, 1) != 0 }) { size -= group }
        return max(size, group)
    }

    var chunks: [Range<Int>] {
        stride(from: 0, to: count, by: chunkSize).map { $0..<min(count, $0 + chunkSize) }
    }
}
