/// The passes of one frame, in the order VulkanRasterizer records them (the scan and the radix
/// sort, which run several kernels, are GPUScan and GPURadixSort).
struct FramePasses {
    let deform: DeformPass
    let temporalActivity: TemporalActivityPass
    let compactIndices: CompactIndicesPass
    let preprocess: PreprocessPass
    let compact: CompactPass
    let gatherCounts: GatherCountsPass
    let emitKeys: EmitKeysPass
    let tileRanges: TileRangesPass
    let blend: BlendPass

    init(_ pipelines: Pipelines) {
        deform = DeformPass(pipeline: pipelines.deformHexplane)
        temporalActivity = TemporalActivityPass(pipeline: pipelines.temporalActivity)
        compactIndices = CompactIndicesPass(pipeline: pipelines.compactIndices)
        preprocess = PreprocessPass(pipelines: pipelines)
        compact = CompactPass(pipeline: pipelines.compact)
        gatherCounts = GatherCountsPass(pipeline: pipelines.gatherCounts)
        emitKeys = EmitKeysPass(pipeline: pipelines.emitKeys, packedPipeline: pipelines.emitPackedKeys,
                                widePipeline: pipelines.emitWideKeys, widePackedPipeline: pipelines.emitWidePackedKeys)
        tileRanges = TileRangesPass(pipeline: pipelines.tileRanges)
        blend = BlendPass(pipeline: pipelines.blend, triage: pipelines.tileTriage, listingTriage: pipelines.tileTriageListOnly)
    }
}
