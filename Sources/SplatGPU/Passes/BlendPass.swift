import SplatCore

/// tile_triage.comp then blend.comp: the triage lists the tiles that hold splats (and, when asked,
/// fills the others with the background); one blend workgroup per listed tile (an indirect
/// dispatch of the count the triage wrote) blends the tile's splats front to back into the float
/// colour (RGB + alpha) and expected-depth buffers.
public struct BlendPass {
    /// Pixels of one column each blend invocation composites (the workload model needs it).
    public static let rowsPerInvocation = ShaderContract.BLEND_ROWS

    let pipeline: ComputePipeline
    /// The triage that also fills empty tiles, and the one that only lists tiles.
    let triage: ComputePipeline
    let listingTriage: ComputePipeline

    /// - Parameters:
    ///   - sortedValues: the sorted Gaussian indices, or the sorted packed keys, whose Gaussian
    ///     bits `gaussianMask` selects (TileKeyPacking).
    ///   - fillsBackground: whether the GPU writes the pixels of tiles without splats; when false,
    ///     the caller must (VulkanRasterizer.readBack does, from the listed tiles).
    func record(_ r: CommandRecorder, splats: SplatPlanes, sortedValues: BufferRange, gaussianMask: UInt32, ranges: BufferRange,
                blendTiles: BufferRange, blendDispatch: BufferRange, colour: BufferRange, depth: BufferRange, grid: TileGrid,
                background: SIMD3<Float>, fillsBackground: Bool) throws {
        r.resetDispatchCount(blendDispatch)
        r.barrier()
        let triagePipeline = fillsBackground ? triage : listingTriage
        try r.dispatch(triagePipeline, [.ranges: ranges, .colour: colour, .depth: depth, .blendTiles: blendTiles,
                                        .blendDispatch: blendDispatch],
                       push: TriagePush(background: SIMD4(background, 1), imageSize: SIMD2(UInt32(grid.width), UInt32(grid.height)),
                                        tilesX: UInt32(grid.tilesX), tileCount: UInt32(grid.tileCount)),
                       groups: triagePipeline.kernel.linearGroups(grid.tileCount))
        r.barrier()
        try r.dispatchIndirect(pipeline, [.splatMeans: splats.means, .splatConics: splats.conics, .splatColours: splats.colours,
                                          .sortedValues: sortedValues, .ranges: ranges, .blendTiles: blendTiles,
                                          .blendDispatch: blendDispatch, .colour: colour, .depth: depth],
                               push: BlendPush(background: SIMD4(background, 1), imageSize: SIMD2(UInt32(grid.width), UInt32(grid.height)),
                                               tilesX: UInt32(grid.tilesX), gaussianMask: gaussianMask),
                               arguments: blendDispatch)
        r.barrier()
    }
}
