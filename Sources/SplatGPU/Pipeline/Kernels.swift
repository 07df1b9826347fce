/// What a buffer bound to a kernel holds. The raw value is the GLSL block name the shaders give
/// that binding (`layout(binding = N) buffer SplatMeans { … }`), or a texel buffer's variable name
/// (`uniform samplerBuffer SplatMeans`); KernelTableTests checks every kernel's bindings against the
/// names, descriptor types and access the compiled SPIR-V declares.
enum BufferRole: String, CaseIterable, Sendable {
    // The uploaded scene (GPUScene).
    case geometry = "Geometry", sh = "SH", motion = "Motion"
    /// A deformation-field scene's raw canonical Gaussians, their SH and the packed network.
    case canonical = "Canonical", canonicalSH = "CanonicalSH", network = "Network"
    /// The second keyframe of a keyframed scene, blended with the first.
    case nextGeometry = "NextGeometry", nextSH = "NextSH"
    // Temporal activity and its compaction.
    case activeFlags = "ActiveFlags", activeSlots = "ActiveSlots", activeIndices = "ActiveIndices"
    // Preprocess outputs, one entry per Gaussian (the projected splats in four planes, SplatPlanes),
    // and the visible depth keys' (min, max).
    case splatMeans = "SplatMeans", splatConics = "SplatConics", splatColours = "SplatColours", splatRects = "SplatRects"
    case tileCounts = "TileCounts", depthKeys = "DepthKeys", projectionTotals = "ProjectionTotals"
    // Compaction of the visible Gaussians and their depth order.
    case visibleSlots = "VisibleSlots", visibleKeys = "VisibleKeys", visibleIndices = "VisibleIndices"
    case depthOrder = "DepthOrder", orderedCounts = "OrderedCounts", instanceOffsets = "InstanceOffsets"
    // Tile keys, their sort and the per-tile ranges.
    case tileKeys = "TileKeys", values = "Values", sortedTileKeys = "SortedTileKeys", sortedValues = "SortedValues"
    case ranges = "Ranges"
    /// The visible Gaussians (depth-order positions) whose rects key emission walks with a whole
    /// subgroup, and that walk's indirect dispatch (x: their count).
    case wideRects = "WideRects", wideDispatch = "WideDispatch"
    /// The tiles that hold pairs (any order), and the blend's indirect dispatch (x: their count).
    case blendTiles = "BlendTiles", blendDispatch = "BlendDispatch"
    // The blend's image.
    case colour = "Colour", depth = "Depth"
    // Exclusive scan (GPUScan).
    case scanInput = "ScanInput", partitionSums = "PartitionSums", partitionOffsets = "PartitionOffsets"
    case prefixSums = "PrefixSums"
    // Radix sort (GPURadixSort).
    case keysIn = "KeysIn", valuesIn = "ValuesIn", digitCounts = "DigitCounts", digitOffsets = "DigitOffsets"
    case keysOut = "KeysOut", valuesOut = "ValuesOut", threadDigitCounts = "ThreadDigitCounts"
    // Presentation: 8-bit pixels packed for the swapchain, and the overlay drawn over them.
    case pixels = "Pixels", overlay = "Overlay"
}

/// The Vulkan descriptor type a binding needs.
enum DescriptorKind: Hashable, Sendable {
    case storageBuffer, uniformBuffer, storageImage
    /// Read-only texels through a buffer view (`texelFetch` of a samplerBuffer). On lavapipe a
    /// texel fetch is a gather, where a storage-buffer load is a loop over the lanes with a branch
    /// each (Mesa 22.3 gallivm; BENCHMARKS.md, "Issue 15"), so read-only data that kernels fetch
    /// at scattered places goes this way. Not in rarely taken branches: a gather runs for every
    /// lane, taken or not. Writes stay storage buffers: a texel store is a loop too.
    case uniformTexelBuffer(TexelFormat)
}

/// The format a texel-buffer binding is viewed with.
enum TexelFormat: String, CaseIterable, Sendable {
    /// vec4 texels (`samplerBuffer`).
    case rgba32Float = "RGBA32F"
    /// uvec4 texels (`usamplerBuffer`).
    case rgba32Uint = "RGBA32UI"
    /// uint texels (`usamplerBuffer`).
    case r32Uint = "R32UI"
}

/// How a shader uses a binding (its GLSL `readonly` / `writeonly` qualifier).
enum BindingAccess: String, Sendable {
    case read, write, readWrite
}

/// One binding of a kernel.
struct KernelBinding: Sendable {
    let index: Int
    let role: BufferRole
    let kind: DescriptorKind
    let access: BindingAccess
    /// Used only under a push-constant flag or a specialization: a pass may leave it out, and the
    /// unused placeholder buffer fills the slot (Vulkan needs every statically used binding valid).
    let optional: Bool
}

/// A binding as the table lists it; its number is its position in the list.
struct BindingSpec: Sendable {
    let role: BufferRole
    let kind: DescriptorKind
    let access: BindingAccess
    let optional: Bool

    static func reads(_ role: BufferRole, optional: Bool = false) -> BindingSpec {
        BindingSpec(role: role, kind: .storageBuffer, access: .read, optional: optional)
    }
    static func writes(_ role: BufferRole, optional: Bool = false) -> BindingSpec {
        BindingSpec(role: role, kind: .storageBuffer, access: .write, optional: optional)
    }
    /// Read through a texel-buffer view of `format` (see DescriptorKind.uniformTexelBuffer).
    static func fetches(_ role: BufferRole, as format: TexelFormat, optional: Bool = false) -> BindingSpec {
        BindingSpec(role: role, kind: .uniformTexelBuffer(format), access: .read, optional: optional)
    }
    static func readsAndWrites(_ role: BufferRole) -> BindingSpec {
        BindingSpec(role: role, kind: .storageBuffer, access: .readWrite, optional: false)
    }
}

/// Invocations per workgroup: fixed in the shader, or its x taken from specialization constant 0.
enum WorkgroupSize: Sendable {
    case fixed(x: Int, y: Int, z: Int)
    case specializedX(Int)

    var size: (x: Int, y: Int, z: Int) {
        switch self {
        case let .fixed(x, y, z): return (x, y, z)
        case let .specializedX(x): return (x, 1, 1)
        }
    }

    /// Specialization constants the pipeline passes (constant_id 0, 1, …).
    var specialization: [UInt32] {
        if case let .specializedX(x) = self { return [UInt32(x)] }
        return []
    }
}

/// One compute shader of Shaders/ with its host-side contract: named bindings, push-constant size
/// and workgroup size. The one place that says what the host binds where.
struct Kernel: Sendable {
    /// The shader's file stem in Shaders/.
    let name: String
    let spirv: [UInt32]
    let bindings: [KernelBinding]
    let pushConstantSize: Int
    let workgroupSize: WorkgroupSize

    init<Push>(_ name: String, _ spirv: [UInt32], bindings: [BindingSpec], push: Push.Type, workgroupSize: WorkgroupSize) {
        self.name = name
        self.spirv = spirv
        self.bindings = bindings.enumerated().map { index, spec in
            KernelBinding(index: index, role: spec.role, kind: spec.kind, access: spec.access, optional: spec.optional)
        }
        pushConstantSize = MemoryLayout<Push>.size
        self.workgroupSize = workgroupSize
    }

    func binding(_ role: BufferRole) -> KernelBinding? { bindings.first { $0.role == role } }
}

/// The kernel table: every shader in Shaders/ (a test checks that none is missing).
enum Kernels {
    private static let linear = WorkgroupSize.fixed(x: ShaderContract.PREPROCESS_WORKGROUP_SIZE, y: 1, z: 1)
    private static let scanGroup = WorkgroupSize.fixed(x: ShaderContract.SCAN_WORKGROUP_SIZE, y: 1, z: 1)
    private static let sortGroup = WorkgroupSize.fixed(x: ShaderContract.SORT_WORKGROUP_SIZE, y: 1, z: 1)
    /// One tile, BLEND_ROWS pixels of a column per invocation.
    private static let blendGroup = WorkgroupSize.fixed(x: ShaderContract.TILE_SIZE, y: ShaderContract.TILE_SIZE / ShaderContract.BLEND_ROWS, z: 1)

    static let temporalActivity = Kernel(
        "temporal_activity", Shader_temporal_activity.words,
        bindings: [.reads(.geometry), .reads(.motion), .writes(.activeFlags)],
        push: TemporalPush.self, workgroupSize: linear)

    static let deformHexplane = Kernel(
        "deform_hexplane", Shader_deform_hexplane.words,
        bindings: [.reads(.canonical), .reads(.canonicalSH), .reads(.network), .writes(.geometry), .writes(.sh)],
        push: DeformPush.self, workgroupSize: linear)

    static let compactIndices = Kernel(
        "compact_indices", Shader_compact_indices.words,
        bindings: [.reads(.activeFlags), .reads(.activeSlots), .writes(.activeIndices)],
        push: CountPush.self, workgroupSize: linear)

    static let preprocess = Kernel(
        "preprocess", Shader_preprocess.words,
        bindings: [.fetches(.geometry, as: .rgba32Float), .fetches(.sh, as: .rgba32Float), .writes(.splatMeans),
                   .writes(.splatConics), .writes(.splatColours),
                   .writes(.splatRects), .writes(.tileCounts), .writes(.depthKeys),
                   .reads(.motion, optional: true),          // PREPROCESS_FLAG_TEMPORAL
                   .reads(.nextGeometry, optional: true),    // PREPROCESS_FLAG_KEYFRAMES
                   .reads(.nextSH, optional: true),          // PREPROCESS_FLAG_KEYFRAMES
                   .reads(.activeIndices, optional: true),   // PREPROCESS_FLAG_INDIRECT
                   .readsAndWrites(.projectionTotals)],
        push: PreprocessPush.self, workgroupSize: linear)

    static let scanReduce = Kernel(
        "scan_reduce", Shader_scan_reduce.words,
        bindings: [.reads(.scanInput), .writes(.partitionSums)],
        push: ScanPush.self, workgroupSize: scanGroup)

    static let scanDownsweep = Kernel(
        "scan_downsweep", Shader_scan_downsweep.words,
        bindings: [.reads(.scanInput), .reads(.partitionOffsets, optional: true), .writes(.prefixSums)],
        push: ScanPush.self, workgroupSize: scanGroup)

    static let compact = Kernel(
        "compact", Shader_compact.words,
        bindings: [.fetches(.tileCounts, as: .rgba32Uint), .fetches(.depthKeys, as: .rgba32Uint),
                   .fetches(.visibleSlots, as: .rgba32Uint), .writes(.visibleKeys), .writes(.visibleIndices)],
        push: CompactPush.self, workgroupSize: linear)

    static let sortUpsweep = Kernel(
        "sort_upsweep", Shader_sort_upsweep.words,
        bindings: [.fetches(.keysIn, as: .rgba32Uint), .writes(.digitCounts), .writes(.threadDigitCounts)],
        push: SortPush.self, workgroupSize: sortGroup)

    static let sortDownsweep = Kernel(
        "sort_downsweep", Shader_sort_downsweep.words,
        bindings: [.fetches(.keysIn, as: .rgba32Uint), .fetches(.valuesIn, as: .rgba32Uint, optional: true),
                   .fetches(.digitOffsets, as: .r32Uint), .writes(.keysOut), .writes(.valuesOut, optional: true),
                   .fetches(.threadDigitCounts, as: .rgba32Uint)],
        push: SortPush.self, workgroupSize: sortGroup)

    static let gatherCounts = Kernel(
        "gather_counts", Shader_gather_counts.words,
        bindings: [.fetches(.tileCounts, as: .r32Uint), .fetches(.depthOrder, as: .rgba32Uint), .writes(.orderedCounts)],
        push: CountPush.self, workgroupSize: linear)

    static let emitKeys = Kernel(
        "emit_keys", Shader_emit_keys.words,
        bindings: [.reads(.splatMeans), .reads(.splatConics), .reads(.splatRects), .reads(.depthOrder), .reads(.instanceOffsets),
                   .writes(.tileKeys), .writes(.values, optional: true), .writes(.wideRects), .readsAndWrites(.wideDispatch)],
        push: TileKeyPush.self, workgroupSize: linear)

    static let emitWideKeys = Kernel(
        "emit_wide_keys", Shader_emit_wide_keys.words,
        bindings: [.reads(.splatMeans), .reads(.splatConics), .reads(.splatRects), .reads(.depthOrder), .reads(.instanceOffsets),
                   .writes(.tileKeys), .writes(.values, optional: true), .reads(.wideRects), .reads(.wideDispatch)],
        push: TileKeyPush.self, workgroupSize: .fixed(x: ShaderContract.WIDE_KEYS_WORKGROUP_SIZE, y: 1, z: 1))

    static let tileRanges = Kernel(
        "tile_ranges", Shader_tile_ranges.words,
        bindings: [.fetches(.sortedTileKeys, as: .rgba32Uint), .writes(.ranges)],
        push: TileKeyPush.self, workgroupSize: linear)

    static let blend = Kernel(
        "blend", Shader_blend.words,
        bindings: [.fetches(.splatMeans, as: .rgba32Float), .fetches(.splatConics, as: .rgba32Float),
                   .fetches(.splatColours, as: .rgba32Float), .fetches(.sortedValues, as: .r32Uint), .reads(.ranges),
                   .writes(.colour), .writes(.depth), .reads(.blendTiles), .reads(.blendDispatch)],
        push: BlendPush.self, workgroupSize: blendGroup)

    static let tileTriage = Kernel(
        "tile_triage", Shader_tile_triage.words,
        bindings: [.reads(.ranges), .writes(.colour), .writes(.depth), .writes(.blendTiles), .readsAndWrites(.blendDispatch)],
        push: TriagePush.self, workgroupSize: linear)

    static let toSwapchain = Kernel(
        "to_swapchain", Shader_to_swapchain.words,
        bindings: [.reads(.colour), .writes(.pixels)],
        push: ToSwapchainPush.self, workgroupSize: .specializedX(64))

    static let overlay = Kernel(
        "overlay", Shader_overlay.words,
        bindings: [.reads(.overlay), .readsAndWrites(.pixels)],
        push: OverlayPush.self, workgroupSize: .fixed(x: 64, y: 1, z: 1))

    static let all: [Kernel] = [deformHexplane, temporalActivity, compactIndices, preprocess, scanReduce, scanDownsweep, compact,
                                sortUpsweep, sortDownsweep, gatherCounts, emitKeys, emitWideKeys, tileRanges, tileTriage, blend, toSwapchain,
                                overlay]
}
