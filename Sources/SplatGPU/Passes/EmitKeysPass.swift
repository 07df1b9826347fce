import SplatCore

/// emit_keys.comp: one (tile, Gaussian) pair per tile each visible Gaussian draws into, Gaussians
/// in depth order, each starting at its instance offset: packed into `tileKeys` alone when
/// `packing` packs (values nil), else tile keys and Gaussian indices.
struct EmitKeysPass {
    let pipeline: ComputePipeline
    let packedPipeline: ComputePipeline

    func record(_ r: CommandRecorder, splats: SplatPlanes, depthOrder: BufferRange, instanceOffsets: BufferRange,
                tileKeys: BufferRange, values: BufferRange?, packing: TileKeyPacking, count: Int, grid: TileGrid) throws {
        precondition(packing.isPacked == (values == nil), "values are written exactly when keys are not packed")
        var bindings: [BufferRole: BufferRange] = [.splatMeans: splats.means, .splatConics: splats.conics, .splatRects: splats.rects,
                                                   .depthOrder: depthOrder, .instanceOffsets: instanceOffsets, .tileKeys: tileKeys]
        bindings[.values] = values
        try r.dispatch(packing.isPacked ? packedPipeline : pipeline, bindings,
                   push: TileKeyPush(count: UInt32(count), tilesX: UInt32(grid.tilesX), tileShift: UInt32(packing.tileShift)),
                   groups: pipeline.kernel.linearGroups(count))
        r.barrier()
    }
}
