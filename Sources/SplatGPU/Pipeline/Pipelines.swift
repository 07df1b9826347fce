/// Every compute pipeline of the renderer, created once per device. One shader file, one pipeline.
final class Pipelines {
    let preprocess: ComputePipeline
    let scanReduce: ComputePipeline
    let scanDownsweep: ComputePipeline
    let compact: ComputePipeline
    let gatherCounts: ComputePipeline
    let emitKeys: ComputePipeline
    let sortUpsweep: ComputePipeline
    let sortDownsweep: ComputePipeline
    let tileRanges: ComputePipeline
    let blend: ComputePipeline
    let temporalActivity: ComputePipeline
    let compactIndices: ComputePipeline

    init(device: GPUDevice) throws {
        func make(_ name: String, _ words: [UInt32], bindings: Int, push: Int) throws -> ComputePipeline {
            try ComputePipeline(device: device, name: name, spirv: words, bindingCount: bindings, pushConstantSize: push)
        }
        preprocess = try make("preprocess", Shader_preprocess.words, bindings: 10, push: MemoryLayout<PreprocessPush>.size)
        scanReduce = try make("scan_reduce", Shader_scan_reduce.words, bindings: 2, push: MemoryLayout<ScanPush>.size)
        scanDownsweep = try make("scan_downsweep", Shader_scan_downsweep.words, bindings: 3, push: MemoryLayout<ScanPush>.size)
        compact = try make("compact", Shader_compact.words, bindings: 5, push: MemoryLayout<CompactPush>.size)
        gatherCounts = try make("gather_counts", Shader_gather_counts.words, bindings: 3, push: MemoryLayout<CountPush>.size)
        emitKeys = try make("emit_keys", Shader_emit_keys.words, bindings: 5, push: MemoryLayout<CountPush>.size)
        sortUpsweep = try make("sort_upsweep", Shader_sort_upsweep.words, bindings: 2, push: MemoryLayout<SortPush>.size)
        sortDownsweep = try make("sort_downsweep", Shader_sort_downsweep.words, bindings: 5, push: MemoryLayout<SortPush>.size)
        tileRanges = try make("tile_ranges", Shader_tile_ranges.words, bindings: 2, push: MemoryLayout<CountPush>.size)
        blend = try make("blend", Shader_blend.words, bindings: 5, push: MemoryLayout<BlendPush>.size)
        temporalActivity = try make("temporal_activity", Shader_temporal_activity.words, bindings: 3,
                                    push: MemoryLayout<TemporalPush>.size)
        compactIndices = try make("compact_indices", Shader_compact_indices.words, bindings: 3, push: MemoryLayout<CountPush>.size)
    }
}

/// Workgroups needed to cover `count` items, `perGroup` at a time.
@inline(__always) func groups(_ count: Int, _ perGroup: Int) -> Int { (count + perGroup - 1) / perGroup }

/// A dispatch covering `count` items of a one-dimensional pass: rows of at most MAX_GROUPS_X
/// workgroups (devices need only allow 65 535 per dimension); the shaders rebuild the index.
func linearDispatch(_ count: Int, _ perGroup: Int) -> (Int, Int, Int) {
    let g = groups(count, perGroup), row = ShaderContract.MAX_GROUPS_X
    return g <= row ? (g, 1, 1) : (row, groups(g, row), 1)
}
