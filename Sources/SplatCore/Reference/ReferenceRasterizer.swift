/// The CPU reference rasterizer: the oracle every other renderer is tested against.
/// It runs the stages of DESIGN.md §3 in order, each a separate, testable function.
public struct ReferenceRasterizer {
    /// Skip tiles where a splat cannot reach α ≥ 1/255 (TileCulling), as the GPU does. Pixels are
    /// the same either way (a test checks it); the oracle's default is the plain 3σ rectangle.
    public var cullTiles: Bool

    public init(cullTiles: Bool = false) { self.cullTiles = cullTiles }

    public func render(_ cloud: SplatCloud, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        let grid = TileGrid(width: camera.width, height: camera.height)
        let splats = Preprocess.run(cloud, camera: camera, grid: grid, settings: settings)
        let counts = TileSort.tileCounts(splats, grid: grid, cullTiles: cullTiles)
        let (offsets, total) = TileSort.exclusiveScan(counts)
        var (keys, values) = TileSort.emitKeys(splats, offsets: offsets, total: total, grid: grid, cullTiles: cullTiles)
        TileSort.radixSort(keys: &keys, values: &values, keyBits: 32 + grid.tileIndexBits)
        let ranges = TileSort.tileRanges(sortedKeys: keys, tileCount: grid.tileCount)
        let image = Blend.run(splats: splats, sortedValues: values, ranges: ranges, grid: grid,
                              background: settings.background)
        let statistics = FrameStatistics(gaussians: cloud.count,
                                         visibleGaussians: counts.reduce(0) { $0 + ($1 > 0 ? 1 : 0) },
                                         tileInstances: total)
        return RenderedFrame(colour: image.colour, alpha: image.alpha, depth: image.depth, statistics: statistics)
    }
}
