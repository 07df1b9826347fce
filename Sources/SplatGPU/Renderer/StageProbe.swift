import SplatCore

// Internal test hooks (DESIGN.md §2, §6): run ONE GPU stage on host data and return host data, so
// tests can compare each stage with its CPU twin in SplatCore. Nothing here is used by the renderer.
// Each hook records its stage with the renderer's own objects (GPUScan, GPURadixSort,
// PreprocessPass), so what is tested is what VulkanRasterizer records.

/// Owns a device, the pipelines and the scan/sort objects, and runs one stage per call.
final class GPUStageProbe {
    let device: GPUDevice
    let pipelines: Pipelines
    let scan: GPUScan
    let sort: GPURadixSort

    /// - Parameter pipelines: reuse already created pipelines of `device` (saves compiling them
    ///   twice on slow drivers); nil creates them.
    init(device: GPUDevice, pipelines: Pipelines? = nil) throws {
        self.device = device
        self.pipelines = try pipelines ?? Pipelines(device: device)
        scan = GPUScan(device: device, pipelines: self.pipelines)
        sort = GPURadixSort(device: device, pipelines: self.pipelines, scan: scan)
    }

    /// GPUScan on `values`: `values.count + 1` outputs, exclusive prefix sums then the total
    /// (modulo 2³²). With `flagsOnly` each value counts as 1 when non-zero.
    func scan(_ values: [UInt32], flagsOnly: Bool) throws -> [UInt32] {
        let n = values.count
        let input = try GPUBuffer(device: device, size: n * 4, usage: .storage, label: "probe scan input")
        try input.upload(values)
        let output = try GPUBuffer(device: device, size: (n + 1) * 4, usage: .storage, label: "probe scan output")
        try scan.reserve(n)
        try device.submitAndWait { r in
            try scan.record(r, input: BufferRange(input), output: BufferRange(output), count: n, flagsOnly: flagsOnly)
        }
        return try output.read(UInt32.self, count: n + 1)
    }

    /// GPURadixSort on (key, value) pairs, sorting the low `bits` bits. Returns the pairs from
    /// whichever ping-pong buffer holds them.
    func sort(keys: [UInt32], values: [UInt32], bits: Int) throws -> (keys: [UInt32], values: [UInt32]) {
        precondition(keys.count == values.count)
        let n = keys.count
        func make(_ label: String) throws -> GPUBuffer {
            try GPUBuffer(device: device, size: n * 4, usage: .storage, label: "probe sort \(label)")
        }
        let k = try make("keys"), v = try make("values"), kAlt = try make("keys (alt)"), vAlt = try make("values (alt)")
        try k.upload(keys)
        try v.upload(values)
        try sort.reserve(n)
        var swapped = false
        try device.submitAndWait { r in
            swapped = try sort.record(r, keys: k, values: v, altKeys: kAlt, altValues: vAlt, count: n, bits: bits)
        }
        let (sortedKeys, sortedValues) = swapped ? (kAlt, vAlt) : (k, v)
        return (try sortedKeys.read(UInt32.self, count: n), try sortedValues.read(UInt32.self, count: n))
    }

    /// GPURadixSort on keys alone (the KEYS_ONLY downsweep), by the `bits` bits from `lowBit` up.
    func sortKeys(_ keys: [UInt32], bits: Int, lowBit: Int) throws -> [UInt32] {
        let n = keys.count
        let k = try GPUBuffer(device: device, size: n * 4, usage: .storage, label: "probe sort keys")
        let kAlt = try GPUBuffer(device: device, size: n * 4, usage: .storage, label: "probe sort keys (alt)")
        try k.upload(keys)
        try sort.reserve(n)
        var swapped = false
        try device.submitAndWait { r in
            swapped = try sort.record(r, keys: k, values: nil, altKeys: kAlt, altValues: nil, count: n, bits: bits, lowBit: lowBit)
        }
        return try (swapped ? kAlt : k).read(UInt32.self, count: n)
    }

    /// The preprocess pass (PreprocessPass: one dispatch per GPUScene chunk) over `cloud`.
    /// Culled Gaussians have tile count 0 (their splat is not meaningful).
    func preprocess(cloud: SplatCloud, camera: Camera, settings: RenderSettings)
        throws -> (splats: [GPUProjectedSplat], tileCounts: [UInt32], depthKeys: [UInt32]) {
        try preprocess(scene: try GPUScene(device: device, cloud: cloud), camera: camera, settings: settings)
    }

    /// As above on an uploaded scene (its `chunks` decide the dispatches), at `time` for a
    /// time-varying one (keyframed scenes: one keyframe; VulkanRasterizer picks and blends them).
    func preprocess(scene: GPUScene, time: Float = 0, camera: Camera, settings: RenderSettings)
        throws -> (splats: [GPUProjectedSplat], tileCounts: [UInt32], depthKeys: [UInt32]) {
        let n = scene.count
        let capacity = SplatPlanes.capacity(for: n, offsetAlignment: device.info.bindingOffsetAlignment)
        let splats = SplatPlanes(buffer: try GPUBuffer(device: device, size: capacity * SplatPlanes.bytesPerGaussian,
                                                       usage: .storage, label: "probe projected splats"), capacity: capacity)
        let tileCounts = try GPUBuffer(device: device, size: n * 4, usage: .storage, label: "probe tile counts")
        let depthKeys = try GPUBuffer(device: device, size: n * 4, usage: .storage, label: "probe depth keys")
        let totals = try GPUBuffer(device: device, size: 12, usage: .storage, label: "probe projection totals")
        let pass = PreprocessPass(pipelines: pipelines)
        try device.submitAndWait { r in
            PreprocessPass.resetTotals(r, BufferRange(totals))
            r.barrier()
            try pass.record(r, scene: scene, time: time, camera: camera, settings: settings,
                        outputs: .init(splats: splats, tileCounts: BufferRange(tileCounts),
                                       depthKeys: BufferRange(depthKeys), totals: BufferRange(totals)))
        }
        return (try splats.read(n), try tileCounts.read(UInt32.self, count: n),
                try depthKeys.read(UInt32.self, count: n))
    }
}
