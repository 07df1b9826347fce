/// Every intermediate buffer of one frame, stage by stage, in the order and form the GPU passes
/// keep them (DESIGN.md §5). The CPU reference produces it with one function per stage
/// (`ReferenceStages`), the Vulkan renderer fills it by reading its buffers back after each pass,
/// and the stage tests compare the two field by field: a mismatch names the first stage that
/// differs instead of a blurred image. Every array holds exactly the entries the frame used (GPU
/// buffers are trimmed to the counts; their spare capacity is not part of the stage).
public struct FrameStages: Sendable {
    /// Temporal activity (time-varying scenes only): 1 where a Gaussian can reach α ≥ 1/255 at t.
    /// nil when the frame ran no activity pass: static and keyframed scenes, and on the GPU also
    /// time-varying scenes too large for one storage binding (their preprocess slices every Gaussian).
    public var activeFlags: [UInt32]?
    /// Deformation (4DGaussians deformation-field scenes only): every Gaussian at t, deformed
    /// and activated (FieldMotion; deform_hexplane.comp on the GPU). nil for other scenes.
    public var deformed: SplatCloud?
    /// Compaction of `activeFlags`: the active Gaussians' indices, in index order.
    public var activeIndices: [UInt32]?
    /// Preprocess: one projected splat per Gaussian (culled or inactive ones have radius 0). The
    /// GPU also zeroes the radius of a splat that keeps no tile after opacity-aware culling and
    /// writes nothing else of culled splats, so its capture holds `.culled` for every Gaussian with
    /// tile count 0: compare entries with tileCounts > 0.
    public var splats: [ProjectedSplat]
    /// Tiles each Gaussian emits after opacity-aware culling (0: not visible).
    public var tileCounts: [UInt32]
    /// Compaction of the visible Gaussians (tileCounts > 0), in index order.
    public var visibleIndices: [UInt32]
    /// `visibleIndices` after the stable sort by view depth.
    public var depthOrder: [UInt32]
    /// Tile counts gathered in depth order, and their exclusive scan (where each one's keys start),
    /// one entry per visible Gaussian (the GPU scan's trailing grand total is trimmed).
    public var orderedCounts: [UInt32]
    public var instanceOffsets: [UInt32]
    /// Key emission in depth order: one (tile index, Gaussian index) pair per tile instance.
    public var tileKeys: [UInt32]
    public var values: [UInt32]
    /// The pairs after the stable sort by tile index: tile order, then depth order within a tile.
    public var sortedTileKeys: [UInt32]
    public var sortedValues: [UInt32]
    /// Per tile, the half-open range [start, end) of `sortedValues` that it blends ((0, 0) when empty).
    public var ranges: [SIMD2<UInt32>]
    /// Tile triage: the tiles with a non-empty range, which the blend runs over, in tile order
    /// (the GPU lists them in any order; its capture sorts them).
    public var blendTiles: [UInt32]
    /// The blend's output.
    public var frame: RenderedFrame

    public init(activeFlags: [UInt32]?, activeIndices: [UInt32]?, splats: [ProjectedSplat], tileCounts: [UInt32],
                visibleIndices: [UInt32], depthOrder: [UInt32], orderedCounts: [UInt32], instanceOffsets: [UInt32],
                tileKeys: [UInt32], values: [UInt32], sortedTileKeys: [UInt32], sortedValues: [UInt32],
                ranges: [SIMD2<UInt32>], blendTiles: [UInt32], frame: RenderedFrame) {
        self.activeFlags = activeFlags
        self.activeIndices = activeIndices
        self.splats = splats
        self.tileCounts = tileCounts
        self.visibleIndices = visibleIndices
        self.depthOrder = depthOrder
        self.orderedCounts = orderedCounts
        self.instanceOffsets = instanceOffsets
        self.tileKeys = tileKeys
        self.values = values
        self.sortedTileKeys = sortedTileKeys
        self.sortedValues = sortedValues
        self.ranges = ranges
        self.blendTiles = blendTiles
        self.frame = frame
    }
}
