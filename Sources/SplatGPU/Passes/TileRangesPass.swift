import SplatCore

/// tile_ranges.comp: per tile, the [start, end) range of its pairs in the sorted keys. Tiles
/// with no pairs keep the zeros this pass fills in first.
struct TileRangesPass {
    let pipeline: ComputePipeline

    func record(_ r: CommandRecorder, sortedTileKeys: BufferRange, ranges: BufferRange, instances: Int, grid: TileGrid) {
        r.fill(ranges.buffer, value: 0, offset: ranges.offset, size: grid.tileCount * 8)
        r.barrier()
        r.dispatch(pipeline, [.sortedTileKeys: sortedTileKeys, .ranges: ranges],
                   push: CountPush(count: UInt32(instances)), groups: pipeline.kernel.linearGroups(instances))
        r.barrier()
    }
}
