import SplatCore

/// Copies aside, during a captured frame, the stage buffers that a later pass of the same frame
/// overwrites: the sorts ping-pong over the compacted indices and the emitted keys. Only a
/// captured frame records these copies; a normal frame records nothing extra.
final class FrameStageCapture {
    /// Gaussians the activity pass found active; nil when the frame did not run it.
    var activeCount: Int?
    private var visibleIndices: GPUBuffer?
    private var tileKeys: GPUBuffer?
    private var values: GPUBuffer?

    /// After compaction, before the depth sort.
    func copyCompaction(_ r: CommandRecorder, buffers: FrameBuffers, visible: Int) throws {
        visibleIndices = try copy(r, buffers.visibleIndices, count: visible, label: "captured visible indices")
        r.barrier()
    }

    /// After key emission, before the tile sort (packed keys: the keys alone).
    func copyEmission(_ r: CommandRecorder, buffers: FrameBuffers, instances: Int, packing: TileKeyPacking) throws {
        tileKeys = try copy(r, buffers.tileKeys, count: instances, label: "captured tile keys")
        if !packing.isPacked { values = try copy(r, buffers.values, count: instances, label: "captured values") }
        r.barrier()
    }

    private func copy(_ r: CommandRecorder, _ source: FrameBuffers.Growable, count: Int, label: String) throws -> GPUBuffer {
        let copy = try GPUBuffer(device: r.device, size: count * source.stride, usage: .readback, label: label)
        r.copy(from: source.buffer, to: copy, size: count * source.stride)
        return copy
    }

    func capturedVisibleIndices(_ count: Int) throws -> [UInt32] { try visibleIndices?.read(UInt32.self, count: count) ?? [] }
    /// The emitted (tile keys, values), unpacked when the frame packed them.
    func capturedPairs(_ count: Int, packing: TileKeyPacking) throws -> (tileKeys: [UInt32], values: [UInt32]) {
        let keys = try tileKeys?.read(UInt32.self, count: count) ?? []
        if packing.isPacked { return packing.unpack(keys) }
        return (keys, try values?.read(UInt32.self, count: count) ?? [])
    }
}

extension VulkanRasterizer {
    /// Renders one frame exactly as `render` does and reads back every stage buffer into
    /// `FrameStages` (trimmed to the counts the frame used), for stage-by-stage comparison with
    /// the CPU reference. Slower than `render` (extra copies and readbacks); for tests and tools.
    public func captureStages(_ scene: GPUScene, time: Float = 0, camera: Camera, settings: RenderSettings) throws -> FrameStages {
        let capture = FrameStageCapture()
        let frame = try render(scene, time: time, camera: camera, settings: settings, capture: capture)
        var stages = try stages(of: frame, capture: capture, grid: TileGrid(width: camera.width, height: camera.height))
        if scene.deformation != nil { stages.deformed = try scene.readDeformed() }
        return stages
    }

    public func captureStages(_ cloud: SplatCloud, camera: Camera, settings: RenderSettings) throws -> FrameStages {
        try captureStages(try upload(cloud), camera: camera, settings: settings)
    }

    /// Reads the frame's buffers; the renderer remembers which ping-pong buffer holds each sort's result.
    private func stages(of frame: RenderedFrame, capture: FrameStageCapture, grid: TileGrid) throws -> FrameStages {
        let n = frame.statistics.gaussians, visible = frame.statistics.visibleGaussians
        let instances = frame.statistics.tileInstances
        let tileCounts = try buffers.tileCounts.buffer.read(UInt32.self, count: n)
        let gpuSplats = try buffers.splatPlanes.read(n)
        let depthOrder = lastDepthOrderInAlternate ? buffers.visibleIndicesAlt : buffers.visibleIndices
        let sortedTileKeys = try (lastTileOrderInAlternate ? buffers.tileKeysAlt : buffers.tileKeys).buffer.read(UInt32.self, count: instances)
        let sorted = lastTilePacking.isPacked ? lastTilePacking.unpack(sortedTileKeys)
            : (sortedTileKeys, try (lastTileOrderInAlternate ? buffers.valuesAlt : buffers.values).buffer.read(UInt32.self, count: instances))
        let emitted = try capture.capturedPairs(instances, packing: lastTilePacking)
        return FrameStages(
            activeFlags: try capture.activeCount.map { _ in try buffers.activeFlags.buffer.read(UInt32.self, count: n) },
            activeIndices: try capture.activeCount.map { try buffers.activeIndices.buffer.read(UInt32.self, count: $0) },
            splats: gpuSplats.indices.map { gpuSplats[$0].asProjectedSplat(tileCount: tileCounts[$0]) },
            tileCounts: tileCounts,
            visibleIndices: try capture.capturedVisibleIndices(visible),
            depthOrder: try depthOrder.buffer.read(UInt32.self, count: visible),
            orderedCounts: try buffers.orderedCounts.buffer.read(UInt32.self, count: visible),
            instanceOffsets: try buffers.instanceOffsets.buffer.read(UInt32.self, count: visible),
            tileKeys: emitted.tileKeys, values: emitted.values,
            sortedTileKeys: sorted.0, sortedValues: sorted.1,
            ranges: try buffers.ranges.buffer.read(SIMD2<UInt32>.self, count: grid.tileCount),
            blendTiles: try withListedTiles(grid) { $0.sorted() },  // listed in any order
            frame: frame)
    }
}

extension GPUProjectedSplat {
    /// The CPU form of a GPU splat. The GPU writes only the radius and tile rectangle (zero) of a
    /// Gaussian it culls, and nothing for one it skips as inactive: both have tile count 0 and
    /// read as `.culled`.
    func asProjectedSplat(tileCount: UInt32) -> ProjectedSplat {
        guard tileCount > 0 else { return .culled }
        return ProjectedSplat(mean: SIMD2(meanDepthOpacity.x, meanDepthOpacity.y), depth: meanDepthOpacity.z,
                              conic: SIMD3(conicRadius.x, conicRadius.y, conicRadius.z), opacity: meanDepthOpacity.w,
                              colour: SIMD3(colour.x, colour.y, colour.z), radius: Int32(conicRadius.w),
                              tileMin: SIMD2(tileRect.x, tileRect.y), tileMax: SIMD2(tileRect.z, tileRect.w))
    }
}
