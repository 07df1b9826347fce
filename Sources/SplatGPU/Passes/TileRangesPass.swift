import SplatCore

/// tile_ranges.comp: per tile, the [start, end) range of its pairs in the sorted keys. Tiles
/// with no pairs keep the zeros this pass fills in first. Packed keys hold the tile above
/// `tileShift` bits (TileKeyPacking).
struct TileRangesPass {
    let pipeline: ComputePipeline

    func record(_ r: CommandRecorder, sortedTileKeys: BufferRange, ranges: BufferRange, instances: Int, grid: TileGrid,
                tileShift: Int) throws {
        r.fill(ranges.buffer, value: 0, offset: ranges.offset, size: grid.tileCount * 8)
        r.barrier()
        try r.dispatch(pipeline, [.sortedTileKeys: sortedTileKeys, .ranges: ranges],
                   push: TileKeyPush(count: UInt32(instances), tilesX: UInt32(grid.tilesX), tileShift: UInt32(tileShift)),
                   groups: pipeline.kernel.linearGroups(instances, perInvocation: 4))
        r.barrier()
    }
}
