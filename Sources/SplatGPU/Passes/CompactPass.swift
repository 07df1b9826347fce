/// compact.comp: the visible Gaussians (tile count > 0) in index order with their depth keys
/// minus `keyBase`, at the slots the exclusive scan of the visibility flags gives.
struct CompactPass {
    let pipeline: ComputePipeline

    func record(_ r: CommandRecorder, tileCounts: BufferRange, depthKeys: BufferRange, visibleSlots: BufferRange,
                visibleKeys: BufferRange, visibleIndices: BufferRange, count: Int, keyBase: UInt32) throws {
        try r.dispatch(pipeline, [.tileCounts: tileCounts, .depthKeys: depthKeys, .visibleSlots: visibleSlots,
                              .visibleKeys: visibleKeys, .visibleIndices: visibleIndices],
                   push: CompactPush(count: UInt32(count), keyBase: keyBase), groups: pipeline.kernel.linearGroups(count, perInvocation: 4))
        r.barrier()
    }
}
