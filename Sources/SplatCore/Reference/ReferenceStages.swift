/// The CPU reference as the GPU runs it: one function per GPU pass (DESIGN.md §5), each taking
/// the earlier passes' buffers in the form the GPU keeps them, so a stage test can feed both
/// renderers the same inputs and compare one buffer. `run` chains them into a `FrameStages`;
/// `ReferenceRasterizer` renders through it.
///
/// Order of a frame: temporal activity and its compaction (polynomial clouds) → preprocess →
/// tile counts → visible compaction → stable depth sort → counts in depth order and their
/// exclusive scan → key emission in depth order → stable tile sort → tile ranges → blend.
/// Gaussian indices are the scene's own throughout (inactive and culled ones keep their slot).
public enum ReferenceStages {
    // MARK: Temporal activity (polynomial clouds)

    /// temporal_activity.comp: 1 where Gaussian i is active at `time` (its temporal factor is
    /// above the cut-off and its α(t) can reach 1/255), else 0. Static clouds: all 1.
    public static func activeFlags(_ scene: TemporalCloud, time: Float) -> [UInt32] {
        (0..<scene.count).map { scene.isActive($0, at: time) ? 1 : 0 }
    }

    /// compact_indices.comp (stream compaction): the indices of the non-zero flags, in index order.
    public static func compact(_ flags: [UInt32]) -> [UInt32] {
        var indices: [UInt32] = []
        for i in flags.indices where flags[i] != 0 { indices.append(UInt32(i)) }
        return indices
    }

    // MARK: Preprocess

    /// preprocess.comp on a static cloud (or a keyframed cloud's slice): one splat per Gaussian.
    public static func preprocess(_ cloud: SplatCloud, camera: Camera, settings: RenderSettings) -> [ProjectedSplat] {
        Preprocess.run(cloud, camera: camera, grid: TileGrid(width: camera.width, height: camera.height), settings: settings)
    }

    /// preprocess.comp on the active Gaussians of a polynomial cloud (`activeIndices`, from
    /// `compact(activeFlags(...))`): one splat per Gaussian of the scene, inactive ones culled.
    public static func preprocess(_ scene: TemporalCloud, time: Float, activeIndices: [UInt32], camera: Camera,
                                  settings: RenderSettings) -> [ProjectedSplat] {
        let projected = preprocess(scene.states(of: activeIndices, at: time), camera: camera, settings: settings)
        var splats = [ProjectedSplat](repeating: .culled, count: scene.count)
        for (slot, index) in activeIndices.enumerated() { splats[Int(index)] = projected[slot] }
        return splats
    }

    // MARK: Tile counts and visibility

    /// The tile-count half of preprocess.comp: the tiles each splat emits. With `cullTiles` (the
    /// GPU) only the tiles of its rectangle where it can reach α ≥ 1/255 (TileCulling); without,
    /// the whole rectangle (the plain official rule; pixels are the same either way).
    public static func tileCounts(_ splats: [ProjectedSplat], grid: TileGrid, cullTiles: Bool = true) -> [UInt32] {
        var counts = [UInt32](repeating: 0, count: splats.count)
        counts.withUnsafeMutableBufferPointer { buffer in
            let target = UnsafeSendableBuffer(buffer)
            Parallel.forEachChunk(count: splats.count, chunk: 8192) { range in
                for i in range where splats[i].radius > 0 {
                    target.base[i] = UInt32(cullTiles ? culledTileCount(splats[i]) : splats[i].tilesTouched)
                }
            }
        }
        return counts
    }

    private static func culledTileCount(_ s: ProjectedSplat) -> Int {
        var count = 0
        for ty in s.tileMin.y..<s.tileMax.y {
            for tx in s.tileMin.x..<s.tileMax.x where TileCulling.touches(s, tileX: tx, tileY: ty) { count += 1 }
        }
        return count
    }

    /// compact.comp's indices: the visible Gaussians (tile count > 0), in index order.
    public static func visibleIndices(tileCounts: [UInt32]) -> [UInt32] { compact(tileCounts) }

    // MARK: Depth order and key placement

    /// compact.comp's keys and the depth radix sort: `visibleIndices` stably sorted by view depth
    /// (the IEEE bits of a positive depth order as the depths do), ties kept in index order.
    public static func depthOrder(visibleIndices: [UInt32], splats: [ProjectedSplat]) -> [UInt32] {
        var keys = visibleIndices.map { splats[Int($0)].depth.bitPattern }
        var order = visibleIndices
        // Like the GPU, sort key − smallest key over only the bits the spread needs: same order, fewer passes.
        guard let low = keys.min(), let high = keys.max() else { return order }
        for i in keys.indices { keys[i] -= low }
        TileSort.radixSort(keys: &keys, values: &order, keyBits: UInt32.bitWidth - (high - low).leadingZeroBitCount)
        return order
    }

    /// gather_counts.comp: the tile counts of the visible Gaussians in depth order.
    public static func orderedCounts(tileCounts: [UInt32], depthOrder: [UInt32]) -> [UInt32] {
        depthOrder.map { tileCounts[Int($0)] }
    }

    /// The scan passes: exclusive prefix sums (where each Gaussian's keys start) and the total.
    public static func exclusiveScan(_ counts: [UInt32]) -> (offsets: [UInt32], total: Int) {
        TileSort.exclusiveScan(counts)
    }

    // MARK: Keys, tile sort, ranges

    /// emit_keys.comp: for each Gaussian in depth order, one (tile index, Gaussian index) pair per
    /// tile it emits (row-major within its rectangle), from its scanned offset on.
    public static func emitKeys(splats: [ProjectedSplat], depthOrder: [UInt32], offsets: [UInt32], total: Int,
                                grid: TileGrid, cullTiles: Bool = true) -> (tileKeys: [UInt32], values: [UInt32]) {
        precondition(offsets.count == depthOrder.count, "one offset per Gaussian in depth order")
        var tileKeys = [UInt32](repeating: 0, count: total)
        var values = [UInt32](repeating: 0, count: total)
        tileKeys.withUnsafeMutableBufferPointer { kb in
            values.withUnsafeMutableBufferPointer { vb in
                let keyOut = UnsafeSendableBuffer(kb), valueOut = UnsafeSendableBuffer(vb)
                Parallel.forEachChunk(count: depthOrder.count, chunk: 8192) { range in
                    for position in range {
                        let gaussian = depthOrder[position]
                        let s = splats[Int(gaussian)]
                        var slot = Int(offsets[position])
                        for ty in s.tileMin.y..<s.tileMax.y {
                            for tx in s.tileMin.x..<s.tileMax.x {
                                if cullTiles, !TileCulling.touches(s, tileX: tx, tileY: ty) { continue }
                                keyOut.base[slot] = UInt32(Int(ty) * grid.tilesX + Int(tx))
                                valueOut.base[slot] = gaussian
                                slot += 1
                            }
                        }
                    }
                }
            }
        }
        return (tileKeys, values)
    }

    /// The tile radix sort: pairs stably sorted by tile index over the grid's tile-index bits, so
    /// within a tile they stay in depth order (DESIGN.md §3 step 9's key order).
    public static func sortByTile(tileKeys: [UInt32], values: [UInt32], grid: TileGrid)
        -> (tileKeys: [UInt32], values: [UInt32]) {
        var (keys, sorted) = (tileKeys, values)
        TileSort.radixSort(keys: &keys, values: &sorted, keyBits: grid.tileIndexBits)
        return (keys, sorted)
    }

    /// tile_ranges.comp: per tile, the half-open range [start, end) of its pairs in the sorted
    /// list; (0, 0) for a tile without pairs.
    public static func tileRanges(sortedTileKeys keys: [UInt32], tileCount: Int) -> [SIMD2<UInt32>] {
        var ranges = [SIMD2<UInt32>](repeating: .zero, count: tileCount)
        for i in keys.indices {
            let tile = Int(keys[i])
            if i == 0 || keys[i - 1] != keys[i] { ranges[tile].x = UInt32(i) }
            if i == keys.count - 1 || keys[i + 1] != keys[i] { ranges[tile].y = UInt32(i + 1) }
        }
        return ranges
    }

    /// tile_triage.comp: the tiles the blend runs over, those with pairs, in tile order (the
    /// triage fills the others with the background).
    public static func blendTiles(ranges: [SIMD2<UInt32>]) -> [UInt32] {
        ranges.indices.filter { ranges[$0].x < ranges[$0].y }.map { UInt32($0) }
    }

    // MARK: Blend

    /// blend.comp: every pixel composited front to back from its tile's range of the sorted pairs.
    public static func blend(splats: [ProjectedSplat], sortedValues: [UInt32], ranges: [SIMD2<UInt32>], grid: TileGrid,
                             background: SIMD3<Float>) -> (colour: Image, alpha: Image, depth: Image) {
        Blend.run(splats: splats, sortedValues: sortedValues, ranges: ranges, grid: grid, background: background)
    }

    /// deform_hexplane.comp: the deformation network at t on every Gaussian of a deformation-field
    /// scene (its canonical cloud), activated; the frame then runs as a static cloud's.
    public static func deform(_ canonical: SplatCloud, _ field: FieldMotion, time: Float) -> SplatCloud {
        field.cloud(canonical, at: time)
    }

    // MARK: A whole frame

    /// Every stage of one frame of `scene` at `time`, in the GPU's order and forms. Polynomial
    /// clouds go through the activity stages; static and keyframed ones (keyframes blended as
    /// `TemporalCloud.slice(at:)` does) start at preprocess with `activeFlags` nil.
    public static func run(scene: TemporalCloud, time: Float, camera: Camera, settings: RenderSettings,
                           cullTiles: Bool = true) -> FrameStages {
        if let field = scene.field {
            let deformed = deform(scene.gaussians, field, time: time)
            var stages = run(deformed, camera: camera, settings: settings, cullTiles: cullTiles)
            stages.deformed = deformed
            return stages
        }
        guard scene.motion != nil else {
            let cloud = scene.keyframes == nil ? scene.gaussians : scene.slice(at: time)
            return run(cloud, camera: camera, settings: settings, cullTiles: cullTiles)
        }
        let flags = activeFlags(scene, time: time)
        let active = compact(flags)
        let splats = preprocess(scene, time: time, activeIndices: active, camera: camera, settings: settings)
        return stagesAfterPreprocess(splats, activeFlags: flags, activeIndices: active, camera: camera, settings: settings,
                                     cullTiles: cullTiles)
    }

    /// Every stage of one frame of a static cloud (activity stages nil).
    public static func run(_ cloud: SplatCloud, camera: Camera, settings: RenderSettings,
                           cullTiles: Bool = true) -> FrameStages {
        stagesAfterPreprocess(preprocess(cloud, camera: camera, settings: settings), activeFlags: nil, activeIndices: nil,
                              camera: camera, settings: settings, cullTiles: cullTiles)
    }

    private static func stagesAfterPreprocess(_ splats: [ProjectedSplat], activeFlags: [UInt32]?, activeIndices: [UInt32]?,
                                              camera: Camera, settings: RenderSettings, cullTiles: Bool) -> FrameStages {
        let grid = TileGrid(width: camera.width, height: camera.height)
        let counts = tileCounts(splats, grid: grid, cullTiles: cullTiles)
        let visible = visibleIndices(tileCounts: counts)
        let order = depthOrder(visibleIndices: visible, splats: splats)
        let ordered = orderedCounts(tileCounts: counts, depthOrder: order)
        let (offsets, total) = exclusiveScan(ordered)
        let keys = emitKeys(splats: splats, depthOrder: order, offsets: offsets, total: total, grid: grid,
                            cullTiles: cullTiles)
        let sorted = sortByTile(tileKeys: keys.tileKeys, values: keys.values, grid: grid)
        let ranges = tileRanges(sortedTileKeys: sorted.tileKeys, tileCount: grid.tileCount)
        let image = blend(splats: splats, sortedValues: sorted.values, ranges: ranges, grid: grid,
                          background: settings.background)
        let statistics = FrameStatistics(gaussians: splats.count, visibleGaussians: visible.count, tileInstances: total)
        return FrameStages(activeFlags: activeFlags, activeIndices: activeIndices, splats: splats, tileCounts: counts,
                           visibleIndices: visible, depthOrder: order, orderedCounts: ordered, instanceOffsets: offsets,
                           tileKeys: keys.tileKeys, values: keys.values, sortedTileKeys: sorted.tileKeys,
                           sortedValues: sorted.values, ranges: ranges, blendTiles: blendTiles(ranges: ranges),
                           frame: RenderedFrame(colour: image.colour, alpha: image.alpha, depth: image.depth,
                                                statistics: statistics))
    }
}
