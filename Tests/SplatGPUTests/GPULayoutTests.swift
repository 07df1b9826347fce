import XCTest
@testable import SplatCore
@testable import SplatGPU

/// Pins the Swift twins in GPULayouts.swift against the std430 / push-constant layouts of the
/// shaders: once against offsets written down from reading the GLSL, and once against the
/// Offset/ArrayStride decorations glslang put into the SPIR-V the renderer actually loads.
final class GPULayoutTests: XCTestCase {
    func offsets<T>(_ type: T.Type, _ paths: [PartialKeyPath<T>]) -> [Int] {
        paths.map { MemoryLayout<T>.offset(of: $0) ?? -1 }
    }

    func testStructLayoutsAsReadFromTheGLSL() {
        // common.glsl GaussianGeometry: vec4 positionOpacity, vec4 scale, vec4 rotation.
        XCTAssertEqual(MemoryLayout<GPUGaussianGeometry>.size, 48)
        XCTAssertEqual(MemoryLayout<GPUGaussianGeometry>.stride, 48)
        XCTAssertEqual(offsets(GPUGaussianGeometry.self, [\.positionOpacity, \.scale, \.rotation]), [0, 16, 32])
        // common.glsl ProjectedSplat: vec4 meanDepthOpacity, vec4 conicRadius, vec4 colour, ivec4 tileRect.
        XCTAssertEqual(MemoryLayout<GPUProjectedSplat>.size, 64)
        XCTAssertEqual(MemoryLayout<GPUProjectedSplat>.stride, 64)
        XCTAssertEqual(offsets(GPUProjectedSplat.self, [\.meanDepthOpacity, \.conicRadius, \.colour, \.tileRect]), [0, 16, 32, 48])
        // common.glsl GaussianMotion: 4 vec4.
        XCTAssertEqual(MemoryLayout<GPUGaussianMotion>.size, 64)
        XCTAssertEqual(MemoryLayout<GPUGaussianMotion>.stride, 64)
        XCTAssertEqual(offsets(GPUGaussianMotion.self, [\.velocityTimeCenter, \.accelerationTimeScale, \.jerk, \.angularVelocity]),
                       [0, 16, 32, 48])
        // preprocess.comp Push: 5 vec4, vec2 tanHalfFov, uvec2 imageSize, uvec2 tileGrid, 4 uint, 2 float.
        XCTAssertEqual(MemoryLayout<PreprocessPush>.size, 128)
        XCTAssertEqual(offsets(PreprocessPush.self, [\.view0, \.view1, \.view2, \.cameraPosition, \.intrinsics, \.tanHalfFov,
                                                     \.imageSize, \.tileGrid, \.count, \.firstGaussian, \.shDegree,
                                                     \.flags, \.time, \.falloffCutoff]),
                       [0, 16, 32, 48, 64, 80, 88, 96, 104, 108, 112, 116, 120, 124])
        // blend.comp Push: vec4 background, uvec2 imageSize, uint tilesX, uint gaussianMask.
        XCTAssertEqual(MemoryLayout<BlendPush>.size, 32)
        XCTAssertEqual(offsets(BlendPush.self, [\.background, \.imageSize, \.tilesX, \.gaussianMask]), [0, 16, 24, 28])
        // scan_*.comp Push: uint count, flagsOnly, hasOffsets, pad.
        XCTAssertEqual(MemoryLayout<ScanPush>.size, 16)
        XCTAssertEqual(offsets(ScanPush.self, [\.count, \.flagsOnly, \.hasOffsets, \.pad]), [0, 4, 8, 12])
        // sort_*.comp Push: uint count, shift, partitions, digitBits.
        XCTAssertEqual(MemoryLayout<SortPush>.size, 16)
        XCTAssertEqual(offsets(SortPush.self, [\.count, \.shift, \.partitions, \.digitBits]), [0, 4, 8, 12])
        // gather_counts.comp and compact_indices.comp Push: uint count (and the unused tilesX).
        XCTAssertEqual(MemoryLayout<CountPush>.size, 8)
        XCTAssertEqual(offsets(CountPush.self, [\.count, \.tilesX]), [0, 4])
        // emit_keys.comp and tile_ranges.comp Push: uint count, tilesX, tileShift.
        XCTAssertEqual(MemoryLayout<TileKeyPush>.size, 12)
        XCTAssertEqual(offsets(TileKeyPush.self, [\.count, \.tilesX, \.tileShift]), [0, 4, 8])
    }

    /// Swift field offsets by GLSL member name, for the push-constant blocks.
    static let pushFields: [(String, [UInt32], Int, [String: Int])] = {
        func fields<T>(_ type: T.Type, _ pairs: [(String, PartialKeyPath<T>)]) -> (Int, [String: Int]) {
            (MemoryLayout<T>.size, Dictionary(uniqueKeysWithValues: pairs.map { ($0.0, MemoryLayout<T>.offset(of: $0.1)!) }))
        }
        let preprocess = fields(PreprocessPush.self, [
            ("view0", \.view0), ("view1", \.view1), ("view2", \.view2), ("cameraPosition", \.cameraPosition),
            ("intrinsics", \.intrinsics), ("tanHalfFov", \.tanHalfFov), ("imageSize", \.imageSize), ("tileGrid", \.tileGrid),
            ("count", \.count), ("firstGaussian", \.firstGaussian), ("shDegree", \.shDegree), ("flags", \.flags),
            ("time", \.time), ("falloffCutoff", \.falloffCutoff)])
        let blend = fields(BlendPush.self, [("background", \.background), ("imageSize", \.imageSize), ("tilesX", \.tilesX),
                                            ("gaussianMask", \.gaussianMask)])
        let triage = fields(TriagePush.self, [("background", \.background), ("imageSize", \.imageSize), ("tilesX", \.tilesX),
                                            ("tileCount", \.tileCount)])
        let scan = fields(ScanPush.self, [("count", \.count), ("flagsOnly", \.flagsOnly), ("hasOffsets", \.hasOffsets), ("pad", \.pad)])
        let sort = fields(SortPush.self, [("count", \.count), ("shift", \.shift), ("partitions", \.partitions), ("digitBits", \.digitBits)])
        let count = fields(CountPush.self, [("count", \.count), ("tilesX", \.tilesX)])
        let tileKey = fields(TileKeyPush.self, [("count", \.count), ("tilesX", \.tilesX), ("tileShift", \.tileShift)])
        let compact = fields(CompactPush.self, [("count", \.count), ("keyBase", \.keyBase)])
        let toSwapchain = fields(ToSwapchainPush.self, [("imageSize", \.imageSize), ("swizzleBGRA", \.swizzleBGRA), ("pad", \.pad)])
        let overlay = fields(OverlayPush.self, [("bounds", \.bounds), ("origin", \.origin), ("imageWidth", \.imageWidth), ("colour", \.colour),
                                                ("kind", \.kind), ("scale", \.scale), ("firstChar", \.firstChar), ("charCount", \.charCount)])
        let temporal = fields(TemporalPush.self, [("count", \.count), ("time", \.time), ("falloffCutoff", \.falloffCutoff),
                                                   ("pad", \.pad)])
        let deform = fields(DeformPush.self, [("count", \.count), ("time", \.time), ("shFloats", \.shFloats), ("pad", \.pad)])
        return [
            ("deform_hexplane", Shader_deform_hexplane.words, deform.0, deform.1),
            ("preprocess", Shader_preprocess.words, preprocess.0, preprocess.1),
            ("blend", Shader_blend.words, blend.0, blend.1),
            ("tile_triage", Shader_tile_triage.words, triage.0, triage.1),
            ("scan_reduce", Shader_scan_reduce.words, scan.0, scan.1),
            ("scan_downsweep", Shader_scan_downsweep.words, scan.0, scan.1),
            ("sort_upsweep", Shader_sort_upsweep.words, sort.0, sort.1),
            ("sort_downsweep", Shader_sort_downsweep.words, sort.0, sort.1),
            ("compact", Shader_compact.words, compact.0, compact.1),
            ("compact_indices", Shader_compact_indices.words, count.0, count.1),
            ("temporal_activity", Shader_temporal_activity.words, temporal.0, temporal.1),
            ("gather_counts", Shader_gather_counts.words, count.0, count.1),
            ("emit_keys", Shader_emit_keys.words, tileKey.0, tileKey.1),
            ("tile_ranges", Shader_tile_ranges.words, tileKey.0, tileKey.1),
            ("to_swapchain", Shader_to_swapchain.words, toSwapchain.0, toSwapchain.1),
            ("overlay", Shader_overlay.words, overlay.0, overlay.1),
        ]
    }()

    /// Every member the shader declares sits where the Swift struct puts the field of that name,
    /// and the Swift struct covers the whole block (it may be longer: trailing fields a pass ignores).
    func testPushConstantBlocksMatchTheSPIRV() throws {
        for (shader, words, swiftSize, swiftOffsets) in GPULayoutTests.pushFields {
            let block = try XCTUnwrap(SPIRVReflection(words).block("Push"), "\(shader): no Push block")
            XCTAssertFalse(block.members.isEmpty, shader)
            for m in block.members {
                XCTAssertEqual(swiftOffsets[m.name], m.offset, "\(shader): Push.\(m.name)")
                XCTAssertGreaterThan(m.size, 0, "\(shader): Push.\(m.name) size")
            }
            XCTAssertLessThanOrEqual(block.size, swiftSize, "\(shader): Push block is larger than its Swift twin")
        }
        XCTAssertEqual(SPIRVReflection(Shader_preprocess.words).block("Push")?.size, 128)
        XCTAssertEqual(SPIRVReflection(Shader_blend.words).block("Push")?.size, MemoryLayout<BlendPush>.size)
    }

    func testSharedStructsMatchTheSPIRV() throws {
        let pre = SPIRVReflection(Shader_preprocess.words)
        let geometry = try XCTUnwrap(pre.block("GaussianGeometry"))
        XCTAssertEqual(geometry.members.map(\.name), ["positionOpacity", "scale", "rotation"])
        XCTAssertEqual(geometry.members.map(\.offset), offsets(GPUGaussianGeometry.self, [\.positionOpacity, \.scale, \.rotation]))
        XCTAssertEqual(pre.stride(ofArrayOf: "GaussianGeometry"), MemoryLayout<GPUGaussianGeometry>.stride)
        let motion = try XCTUnwrap(pre.block("GaussianMotion"))
        XCTAssertEqual(motion.members.map(\.name), ["velocityTimeCenter", "accelerationTimeScale", "jerk", "angularVelocity"])
        XCTAssertEqual(motion.members.map(\.offset),
                       offsets(GPUGaussianMotion.self, [\.velocityTimeCenter, \.accelerationTimeScale, \.jerk, \.angularVelocity]))
        XCTAssertEqual(pre.stride(ofArrayOf: "GaussianMotion"), MemoryLayout<GPUGaussianMotion>.stride)
        // The projected splats' planes (SplatPlanes): one 16-byte vec4 per Gaussian in each.
        let planes: [(String, [String])] = [("preprocess", ["SplatMeans", "SplatConics", "SplatColours", "SplatRects"]),
                                            ("emit_keys", ["SplatMeans", "SplatConics", "SplatRects"])]
        let words = ["preprocess": Shader_preprocess.words, "emit_keys": Shader_emit_keys.words]
        // The blend fetches them as one RGBA32F texel (16 bytes) per Gaussian.
        for role in [BufferRole.splatMeans, .splatConics, .splatColours] {
            XCTAssertEqual(Kernels.blend.binding(role)?.kind, .uniformTexelBuffer(.rgba32Float), "blend: \(role)")
        }
        XCTAssertEqual(TexelFormat.rgba32Float.bytes, SplatPlanes.planeStride)
        for (shader, blocks) in planes {
            let r = SPIRVReflection(words[shader]!)
            for block in blocks {
                let plane = try XCTUnwrap(r.block(block), "\(shader): \(block)")
                XCTAssertEqual(plane.members.count, 1, "\(shader): \(block)")
                XCTAssertEqual(plane.members.first?.offset, 0, "\(shader): \(block)")
            }
        }
        XCTAssertEqual(SplatPlanes.planeStride, 16)
        // Each plane starts at a bindable offset: capacity rounded to the alignment in Gaussians.
        XCTAssertEqual(SplatPlanes.capacity(for: 1001, offsetAlignment: 16), 1001)
        XCTAssertEqual(SplatPlanes.capacity(for: 1001, offsetAlignment: 64), 1004)
        XCTAssertEqual(SplatPlanes.capacity(for: 1001, offsetAlignment: 256), 1008)
        XCTAssertEqual(SplatPlanes.capacity(for: 1008, offsetAlignment: 256), 1008)
        XCTAssertEqual(SplatPlanes.capacity(for: 0, offsetAlignment: 256), 16)
        XCTAssertEqual(SplatPlanes.bytesPerGaussian, MemoryLayout<GPUProjectedSplat>.stride)
    }

    /// Constants the host and the shaders must agree on beyond the kernel table.
    func testContractConstants() {
        // Each blend invocation takes BLEND_ROWS pixels of a column: the rows must split the tile.
        XCTAssertEqual(ShaderContract.TILE_SIZE % ShaderContract.BLEND_ROWS, 0)
        XCTAssertEqual(ShaderContract.TILE_SIZE, TileGrid.tileSize)
        XCTAssertEqual(GPUScan.partitionSize, ShaderContract.SCAN_WORKGROUP_SIZE * ShaderContract.SCAN_ITEMS_PER_THREAD)
    }
}
