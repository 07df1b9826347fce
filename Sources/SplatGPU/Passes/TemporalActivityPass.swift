/// temporal_activity.comp: which Gaussians of a time-varying scene are active at t (flag 1), so
/// that preprocess projects only those. Single-chunk scenes (one binding sees the whole cloud).
struct TemporalActivityPass {
    let pipeline: ComputePipeline

    func record(_ r: CommandRecorder, scene: GPUScene, time: Float, activeFlags: BufferRange) throws {
        precondition(scene.chunks.count <= 1, "the activity pass needs a single-chunk scene")
        guard let motion = scene.motion else { preconditionFailure("the activity pass needs a time-varying scene") }
        try r.dispatch(pipeline, [.geometry: BufferRange(scene.geometry), .motion: BufferRange(motion), .activeFlags: activeFlags],
                   push: TemporalPush(count: UInt32(scene.count), time: time, falloffCutoff: scene.falloffCutoff),
                   groups: pipeline.kernel.linearGroups(scene.count))
        r.barrier()
    }
}
