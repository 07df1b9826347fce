import SplatCore

/// emit_keys.comp then emit_wide_keys.comp: one (tile, Gaussian) pair per tile each visible
/// Gaussian draws into, Gaussians in depth order, each starting at its instance offset: packed
/// into `tileKeys` alone when `packing` packs (values nil), else tile keys and Gaussian indices.
/// The first pass emits the Gaussians of small rects and lists the wide ones; the second, an
/// indirect dispatch of one workgroup per listed Gaussian, walks each wide rect with a subgroup.
struct EmitKeysPass {
    let pipeline: ComputePipeline
    let packedPipeline: ComputePipeline
    let widePipeline: ComputePipeline
    let widePackedPipeline: ComputePipeline

    func record(_ r: CommandRecorder, splats: SplatPlanes, depthOrder: BufferRange, instanceOffsets: BufferRange,
                tileKeys: BufferRange, values: BufferRange?, wideRects: BufferRange, wideDispatch: BufferRange,
                packing: TileKeyPacking, count: Int, grid: TileGrid) throws {
        precondition(packing.isPacked == (values == nil), "values are written exactly when keys are not packed")
        r.resetDispatchCount(wideDispatch)
        r.barrier()
        var bindings: [BufferRole: BufferRange] = [.splatMeans: splats.means, .splatConics: splats.conics, .splatRects: splats.rects,
                                                   .depthOrder: depthOrder, .instanceOffsets: instanceOffsets, .tileKeys: tileKeys,
                                                   .wideRects: wideRects, .wideDispatch: wideDispatch]
        bindings[.values] = values
        let push = TileKeyPush(count: UInt32(count), tilesX: UInt32(grid.tilesX), tileShift: UInt32(packing.tileShift))
        try r.dispatch(packing.isPacked ? packedPipeline : pipeline, bindings, push: push, groups: pipeline.kernel.linearGroups(count))
        r.barrier()
        try r.dispatchIndirect(packing.isPacked ? widePackedPipeline : widePipeline, bindings, push: push, arguments: wideDispatch)
        r.barrier()
    }
}
