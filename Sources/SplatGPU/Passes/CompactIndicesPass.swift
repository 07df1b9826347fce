/// compact_indices.comp: the indices of the active Gaussians in index order, at the slots the
/// exclusive scan of their flags gives (stream compaction).
struct CompactIndicesPass {
    let pipeline: ComputePipeline

    func record(_ r: CommandRecorder, activeFlags: BufferRange, activeSlots: BufferRange, activeIndices: BufferRange, count: Int) throws {
        try r.dispatch(pipeline, [.activeFlags: activeFlags, .activeSlots: activeSlots, .activeIndices: activeIndices],
                   push: CountPush(count: UInt32(count)), groups: pipeline.kernel.linearGroups(count))
        r.barrier()
    }
}
