import SplatCore

// Swift twins of the std430 structures and push-constant blocks in Shaders/. Every field is a
// 4-byte scalar or a 16-byte SIMD4, so Swift's layout equals std430; GPULayoutTests pins it.

/// `GaussianGeometry` in common.glsl (48 bytes).
struct GPUGaussianGeometry {
    var positionOpacity: SIMD4<Float>
    var scale: SIMD4<Float>
    var rotation: SIMD4<Float>
}

/// One projected splat as the host reads it back: its entries of the four planes of common.glsl
/// (SplatPlanes), in plane order.
struct GPUProjectedSplat {
    var meanDepthOpacity: SIMD4<Float>
    var conicRadius: SIMD4<Float>
    var colour: SIMD4<Float>
    var tileRect: SIMD4<Int32>
}

/// preprocess.comp push constants (128 bytes, the minimum every device supports).
struct PreprocessPush {
    var view0: SIMD4<Float>
    var view1: SIMD4<Float>
    var view2: SIMD4<Float>
    var cameraPosition: SIMD4<Float>
    var intrinsics: SIMD4<Float>
    var tanHalfFov: SIMD2<Float>
    var imageSize: SIMD2<UInt32>
    var tileGrid: SIMD2<UInt32>
    var count: UInt32
    var firstGaussian: UInt32
    var shDegree: UInt32
    var flags: UInt32
    var time: Float
    var falloffCutoff: Float
}

/// `GaussianMotion` in common.glsl (64 bytes).
struct GPUGaussianMotion {
    var velocityTimeCenter: SIMD4<Float>
    var accelerationTimeScale: SIMD4<Float>
    /// w: the time-varying colour's cosine period (TemporalSH.period), 0 without one.
    var jerk: SIMD4<Float>
    var angularVelocity: SIMD4<Float>
}

/// blend.comp push constants.
struct BlendPush {
    var background: SIMD4<Float>
    var imageSize: SIMD2<UInt32>
    var tilesX: UInt32
    /// Selects the Gaussian index from a sorted word (TileKeyPacking.gaussianMask).
    var gaussianMask: UInt32
}

/// tile_triage.comp push constants (the background as the blend's).
struct TriagePush {
    var background: SIMD4<Float>
    var imageSize: SIMD2<UInt32>
    var tilesX: UInt32
    var tileCount: UInt32
}

/// Push constants of the scan passes.
struct ScanPush {
    var count: UInt32
    var flagsOnly: UInt32
    var hasOffsets: UInt32 = 0
    var pad: UInt32 = 0
}

/// Push constants of the radix sort passes.
struct SortPush {
    var count: UInt32
    var shift: UInt32
    var partitions: UInt32
    /// This pass's digit width (1…8 bits; TileSort.radixDigits).
    var digitBits: UInt32
}

/// deform_hexplane.comp push constants.
struct DeformPush {
    var count: UInt32
    var time: Float
    var shFloats: UInt32
    var pad: UInt32 = 0
}

/// temporal_activity.comp push constants.
struct TemporalPush {
    var count: UInt32
    var time: Float
    var falloffCutoff: Float
    var pad: UInt32 = 0
}

/// compact.comp push constants: depth keys are stored minus `keyBase`.
struct CompactPush {
    var count: UInt32
    var keyBase: UInt32
}

/// Push constants of the passes that only need a count (and the tile grid width).
struct CountPush {
    var count: UInt32
    var tilesX: UInt32 = 0
}

/// emit_keys.comp and tile_ranges.comp push constants: where the tile index starts in a key
/// (TileKeyPacking.tileShift).
struct TileKeyPush {
    var count: UInt32
    var tilesX: UInt32
    var tileShift: UInt32
}

/// to_swapchain.comp push constants (16 bytes).
struct ToSwapchainPush {
    var imageSize: SIMD2<UInt32>
    var swizzleBGRA: UInt32
    var pad: UInt32 = 0
}

/// overlay.comp push constants (48 bytes): one item.
struct OverlayPush: Equatable {
    var bounds: SIMD4<Int32>
    var origin: SIMD2<Int32>
    var imageWidth: UInt32
    var colour: UInt32
    var kind: UInt32 = 0
    var scale: UInt32 = 1
    var firstChar: UInt32 = 0
    var charCount: UInt32 = 0
}
