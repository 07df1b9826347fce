/// gather_counts.comp: the visible Gaussians' tile counts in depth order, for the scan that
/// places their keys.
struct GatherCountsPass {
    let pipeline: ComputePipeline

    func record(_ r: CommandRecorder, tileCounts: BufferRange, depthOrder: BufferRange, orderedCounts: BufferRange, count: Int) throws {
        try r.dispatch(pipeline, [.tileCounts: tileCounts, .depthOrder: depthOrder, .orderedCounts: orderedCounts],
                   push: CountPush(count: UInt32(count)), groups: pipeline.kernel.linearGroups(count, perInvocation: 4))
        r.barrier()
    }
}
