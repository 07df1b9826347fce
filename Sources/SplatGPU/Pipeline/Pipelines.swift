/// Every compute pipeline of the renderer, one per kernel of the table, created once per device.
final class Pipelines {
    let deformHexplane: ComputePipeline
    let temporalActivity: ComputePipeline
    let compactIndices: ComputePipeline
    let preprocess: ComputePipeline
    let scanReduce: ComputePipeline
    let scanDownsweep: ComputePipeline
    let compact: ComputePipeline
    let sortUpsweep: ComputePipeline
    let sortDownsweep: ComputePipeline
    let gatherCounts: ComputePipeline
    let emitKeys: ComputePipeline
    let tileRanges: ComputePipeline
    let blend: ComputePipeline
    /// Fills the optional bindings a dispatch leaves out (never read).
    let placeholder: GPUBuffer

    init(device: GPUDevice) throws {
        let placeholder = try GPUBuffer(device: device, size: 4, usage: .storage, label: "unread binding placeholder")
        self.placeholder = placeholder
        func make(_ kernel: Kernel) throws -> ComputePipeline {
            try ComputePipeline(device: device, kernel: kernel, placeholder: placeholder)
        }
        deformHexplane = try make(Kernels.deformHexplane)
        temporalActivity = try make(Kernels.temporalActivity)
        compactIndices = try make(Kernels.compactIndices)
        preprocess = try make(Kernels.preprocess)
        scanReduce = try make(Kernels.scanReduce)
        scanDownsweep = try make(Kernels.scanDownsweep)
        compact = try make(Kernels.compact)
        sortUpsweep = try make(Kernels.sortUpsweep)
        sortDownsweep = try make(Kernels.sortDownsweep)
        gatherCounts = try make(Kernels.gatherCounts)
        emitKeys = try make(Kernels.emitKeys)
        tileRanges = try make(Kernels.tileRanges)
        blend = try make(Kernels.blend)
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

extension Kernel {
    /// A dispatch covering `count` items, one per invocation, for a kernel with a 1-D workgroup.
    func linearGroups(_ count: Int) -> (Int, Int, Int) { linearDispatch(count, workgroupSize.size.x) }
}
