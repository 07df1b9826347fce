import Foundation

/// Every compute pipeline of the renderer, one per kernel of the table, created once per device.
final class Pipelines {
    let deformHexplane: ComputePipeline
    let temporalActivity: ComputePipeline
    let compactIndices: ComputePipeline
    let scanReduce: ComputePipeline
    let scanDownsweep: ComputePipeline
    let compact: ComputePipeline
    let sortUpsweep: ComputePipeline
    let sortDownsweep: ComputePipeline
    let gatherCounts: ComputePipeline
    let emitKeys: ComputePipeline
    let emitWideKeys: ComputePipeline
    /// emit_keys, emit_wide_keys and sort_downsweep specialised for packed tile keys (TileKeyPacking).
    let emitPackedKeys: ComputePipeline
    let emitWidePackedKeys: ComputePipeline
    let sortDownsweepKeysOnly: ComputePipeline
    let tileRanges: ComputePipeline
    let tileTriage: ComputePipeline
    /// tile_triage specialised to list tiles only (the host fills the background as it reads back).
    let tileTriageListOnly: ComputePipeline
    let blend: ComputePipeline
    /// Fills the optional bindings a dispatch leaves out (never read).
    let placeholder: GPUBuffer
    let device: GPUDevice
    private var preprocessVariants: [PreprocessVariant: ComputePipeline] = [:]
    private let variantsLock = NSLock()

    init(device: GPUDevice) throws {
        // One 16-byte texel (the smallest buffer): an optional texel-buffer binding views it too.
        let placeholder = try GPUBuffer(device: device, size: 16, usage: .storage, label: "unread binding placeholder")
        self.placeholder = placeholder
        self.device = device
        func make(_ kernel: Kernel) throws -> ComputePipeline {
            try ComputePipeline(device: device, kernel: kernel, placeholder: placeholder)
        }
        deformHexplane = try make(Kernels.deformHexplane)
        temporalActivity = try make(Kernels.temporalActivity)
        compactIndices = try make(Kernels.compactIndices)
        scanReduce = try make(Kernels.scanReduce)
        scanDownsweep = try make(Kernels.scanDownsweep)
        compact = try make(Kernels.compact)
        sortUpsweep = try make(Kernels.sortUpsweep)
        sortDownsweep = try make(Kernels.sortDownsweep)
        gatherCounts = try make(Kernels.gatherCounts)
        emitKeys = try make(Kernels.emitKeys)
        emitPackedKeys = try ComputePipeline(device: device, kernel: Kernels.emitKeys, placeholder: placeholder,
                                             specialization: [1])  // PACKED_KEYS
        emitWideKeys = try make(Kernels.emitWideKeys)
        emitWidePackedKeys = try ComputePipeline(device: device, kernel: Kernels.emitWideKeys, placeholder: placeholder,
                                                 specialization: [1])  // PACKED_KEYS
        sortDownsweepKeysOnly = try ComputePipeline(device: device, kernel: Kernels.sortDownsweep, placeholder: placeholder,
                                                    specialization: [1])  // KEYS_ONLY
        tileRanges = try make(Kernels.tileRanges)
        tileTriage = try make(Kernels.tileTriage)
        tileTriageListOnly = try ComputePipeline(device: device, kernel: Kernels.tileTriage, placeholder: placeholder,
                                                 specialization: [0])  // FILLS_BACKGROUND false
        blend = try make(Kernels.blend)
    }

    /// The preprocess pipeline specialised for one kind of scene, made on first use (lavapipe
    /// takes a few hundred milliseconds to compile one).
    func preprocess(_ variant: PreprocessVariant) throws -> ComputePipeline {
        variantsLock.lock()
        defer { variantsLock.unlock() }
        if let made = preprocessVariants[variant] { return made }
        let made = try ComputePipeline(device: device, kernel: Kernels.preprocess, placeholder: placeholder,
                                       specialization: variant.constants)
        preprocessVariants[variant] = made
        return made
    }
}

/// What preprocess.comp is specialised for: the scene's SH degree and the PREPROCESS_FLAG_* paths
/// its frames take (constant_id 0 and 1). A path the variant lacks is compiled away, which is
/// what makes it cheap on lavapipe: llvmpipe runs both sides of every branch under a mask, so
/// the keyframe, motion and higher-degree code cost every Gaussian even when no frame takes
/// them (BENCHMARKS.md, "Issue 15").
struct PreprocessVariant: Hashable {
    var shDegree: Int
    var flags: UInt32

    var constants: [UInt32] { [UInt32(shDegree), flags] }
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
    /// A dispatch covering `count` items, `perInvocation` consecutive ones per invocation (kernels
    /// that move four as a uvec4), for a kernel with a 1-D workgroup.
    func linearGroups(_ count: Int, perInvocation: Int = 1) -> (Int, Int, Int) {
        linearDispatch((count + perInvocation - 1) / perInvocation, workgroupSize.size.x)
    }
}
