import SplatCore

/// emit_keys.comp: one (tile, Gaussian) pair per tile each visible Gaussian draws into, Gaussians
/// in depth order, each starting at its instance offset.
struct EmitKeysPass {
    let pipeline: ComputePipeline

    func record(_ r: CommandRecorder, splats: SplatPlanes, depthOrder: BufferRange, instanceOffsets: BufferRange,
                tileKeys: BufferRange, values: BufferRange, count: Int, grid: TileGrid) {
        r.dispatch(pipeline, [.splatMeans: splats.means, .splatConics: splats.conics, .splatRects: splats.rects, .depthOrder: depthOrder, .instanceOffsets: instanceOffsets,
                              .tileKeys: tileKeys, .values: values],
                   push: CountPush(count: UInt32(count), tilesX: UInt32(grid.tilesX)), groups: pipeline.kernel.linearGroups(count))
        r.barrier()
    }
}
