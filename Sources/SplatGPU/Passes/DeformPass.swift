/// deform_hexplane.comp: the 4DGaussians deformation network at t, one invocation per Gaussian,
/// writing the scene's geometry and SH, which preprocess then reads as a static cloud.
struct DeformPass {
    let pipeline: ComputePipeline

    func record(_ r: CommandRecorder, scene: GPUScene, deformation d: GPUDeformation, time: Float) throws {
        try r.dispatch(pipeline, [.canonical: BufferRange(d.canonical), .canonicalSH: BufferRange(d.canonicalSH),
                              .network: BufferRange(d.network), .geometry: BufferRange(scene.geometry), .sh: BufferRange(scene.sh)],
                   push: DeformPush(count: UInt32(scene.count), time: time, shFloats: UInt32(d.shFloats)),
                   groups: pipeline.kernel.linearGroups(scene.count))
        r.barrier()
    }
}
