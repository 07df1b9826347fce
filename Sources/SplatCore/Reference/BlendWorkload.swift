import Foundation

/// Where the blend's time goes, counted on the CPU from a frame's splats, sorted pairs and tile
/// ranges: how many splats each tile holds, how many each pixel walks before it saturates and how
/// many of those change it, and what the GPU blend (blend.comp) does with them.
/// `splat4d bench --workload` prints it (BENCHMARKS.md).
///
/// The GPU model: a group of `lanes` × `rows` pixels of a tile (one subgroup: `lanes` invocations
/// side by side, each compositing `rows` pixels of its column) fetches its tile's splats in
/// batches of `lanes` until all its pixels are saturated; of each batch it blends only the splats
/// that can reach α ≥ 1/255 in its pixels' box, each over all of its pixels at once. Its cost
/// follows `fetched` and `blendedSteps`, not the per-pixel counts.
public struct BlendWorkload: Equatable, Sendable {
    /// Tiles with at least one splat, and all tiles.
    public var occupiedTiles: Int
    public var tiles: Int
    /// Tile instances (pairs) in all.
    public var instances: Int
    /// Splats per occupied tile: median, 90th percentile and largest.
    public var instancesPerTileMedian: Int
    public var instancesPerTileP90: Int
    public var instancesPerTileMax: Int
    /// Pixels of the image, and those whose transmittance reached the cut-off (1e-4) before the
    /// end of their tile's list.
    public var pixels: Int
    public var saturatedPixels: Int
    /// Per pixel, summed over the image: splats walked (up to and including the one that
    /// saturates it), and splats that changed it (α ≥ 1/255).
    public var walked: Int
    public var contributing: Int
    /// The group's width (the subgroup size the model assumes) and height.
    public var lanes: Int
    public var rows: Int
    /// Splats the groups fetch (whole batches until the group is saturated, at most the tile's list).
    public var fetched: Int
    /// Of those, the splats blended: those that can reach α ≥ 1/255 in their group's box.
    public var blendedSteps: Int
    /// Groups that fetch at least one batch (those of the occupied tiles inside the image), the
    /// batches they fetch, and the batches of which no splat reaches the group's box: on lavapipe
    /// those still run one masked blend step (a loop's body runs before its exit test; BENCHMARKS.md).
    public var groups: Int
    public var batches: Int
    public var emptyBatches: Int

    /// Pixel evaluations the GPU performs (each blended splat is evaluated at every pixel of its group).
    public var laneEvaluations: Int { blendedSteps * lanes * rows }

    public static func count(splats: [ProjectedSplat], sortedValues: [UInt32], ranges: [SIMD2<UInt32>],
                             grid: TileGrid, lanes: Int = 8, rows: Int) -> BlendWorkload {
        precondition(lanes > 0 && rows > 0 && TileGrid.tileSize % lanes == 0 && TileGrid.tileSize % rows == 0,
                     "groups must tile a tile")
        let perTile = ranges.map { Int($0.y) - Int($0.x) }
        let occupied = perTile.filter { $0 > 0 }.sorted()
        func percentile(_ p: Double) -> Int {
            occupied.isEmpty ? 0 : occupied[min(occupied.count - 1, Int((Double(occupied.count - 1) * p).rounded()))]
        }
        let counts = TileCounter.count(splats: splats, sortedValues: sortedValues, ranges: ranges, grid: grid, lanes: lanes, rows: rows)
        return BlendWorkload(occupiedTiles: occupied.count, tiles: ranges.count, instances: perTile.reduce(0, +),
                             instancesPerTileMedian: percentile(0.5), instancesPerTileP90: percentile(0.9),
                             instancesPerTileMax: occupied.last ?? 0, pixels: grid.width * grid.height,
                             saturatedPixels: counts.saturated, walked: counts.walked, contributing: counts.contributing,
                             lanes: lanes, rows: rows, fetched: counts.fetched, blendedSteps: counts.blended,
                             groups: counts.groups, batches: counts.batches, emptyBatches: counts.emptyBatches)
    }

    /// Blend.shade on every pixel, keeping its counts, and the groups' batches.
    private enum TileCounter {
        struct Counts {
            var saturated = 0, walked = 0, contributing = 0, fetched = 0, blended = 0
            var groups = 0, batches = 0, emptyBatches = 0

            static func += (total: inout Counts, c: Counts) {
                total.saturated += c.saturated
                total.walked += c.walked
                total.contributing += c.contributing
                total.fetched += c.fetched
                total.blended += c.blended
                total.groups += c.groups
                total.batches += c.batches
                total.emptyBatches += c.emptyBatches
            }
        }

        static func count(splats: [ProjectedSplat], sortedValues: [UInt32], ranges: [SIMD2<UInt32>], grid: TileGrid,
                          lanes: Int, rows: Int) -> Counts {
            let perTile = UnsafeMutableBufferPointer<Counts>.allocate(capacity: grid.tileCount)
            defer { perTile.deallocate() }
            perTile.initialize(repeating: Counts())
            let target = UnsafeSendableBuffer(perTile)
            Parallel.forEachChunk(count: grid.tileCount, chunk: 4) { tiles in
                for tile in tiles {
                    target.base[tile] = countTile(tile, splats: splats, sortedValues: sortedValues,
                                                  range: ranges[tile], grid: grid, lanes: lanes, rows: rows)
                }
            }
            return perTile.reduce(into: Counts()) { $0 += $1 }
        }

        private static func countTile(_ tile: Int, splats: [ProjectedSplat], sortedValues: [UInt32], range: SIMD2<UInt32>,
                                      grid: TileGrid, lanes: Int, rows: Int) -> Counts {
            var counts = Counts()
            let size = TileGrid.tileSize
            let x0 = (tile % grid.tilesX) * size, y0 = (tile / grid.tilesX) * size
            let list = Int(range.x)..<Int(range.y)
            let order = list.lazy.map { Int(sortedValues[$0]) }
            for groupY in stride(from: y0, to: y0 + size, by: rows) where groupY < grid.height {
                for groupX in stride(from: x0, to: x0 + size, by: lanes) where groupX < grid.width {
                    var longestWalk = 0
                    for y in groupY..<min(groupY + rows, grid.height) {
                        for x in groupX..<min(groupX + lanes, grid.width) {
                            let walk = Blend.shade(pixel: SIMD2(Float(x), Float(y)), order: order, splats: splats)
                            counts.walked += walk.evaluated
                            counts.contributing += walk.contributing
                            if walk.saturated { counts.saturated += 1 }
                            longestWalk = max(longestWalk, walk.evaluated)
                        }
                    }
                    // The group fetches whole batches until its last pixel saturates; its box holds
                    // the centres of all its lanes, those past the image's edge included.
                    let fetched = min(list.count, (longestWalk + lanes - 1) / lanes * lanes)
                    counts.fetched += fetched
                    let (bx0, bx1) = (Float(groupX), Float(groupX + lanes - 1))
                    let (by0, by1) = (Float(groupY), Float(groupY + rows - 1))
                    if fetched > 0 { counts.groups += 1 }
                    for batch in stride(from: list.lowerBound, to: list.lowerBound + fetched, by: lanes) {
                        let touching = (batch..<min(batch + lanes, list.upperBound)).filter { i in
                            TileCulling.touches(splats[Int(sortedValues[i])], x0: bx0, x1: bx1, y0: by0, y1: by1)
                        }.count
                        counts.batches += 1
                        counts.blended += touching
                        if touching == 0 { counts.emptyBatches += 1 }
                    }
                }
            }
            return counts
        }
    }
}
