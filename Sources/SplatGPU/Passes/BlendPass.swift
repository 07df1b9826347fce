import SplatCore

/// tile_triage.comp then blend.comp: the triage fills the tiles that hold no splats with the
/// background and lists the others; one blend workgroup per listed tile (an indirect dispatch
/// of the count the triage wrote) blends the tile's splats front to back into the float colour
/// (RGB + alpha) and expected-depth buffers.
public struct BlendPass {
    /// Pixels of one column each blend invocation composites (the workload model needs it).
    public static let rowsPerInvocation = ShaderContract.BLEND_ROWS

    let pipeline: ComputePipeline
    let triage: ComputePipeline

    /// - Parameter sortedValues: the sorted Gaussian indices, or the sorted packed keys, whose
    ///   Gaussian bits `gaussianMask` selects (TileKeyPacking).
    func record(_ r: CommandRecorder, splats: SplatPlanes, sortedValues: BufferRange, gaussianMask: UInt32, ranges: BufferRange,
                blendTiles: BufferRange, blendDispatch: BufferRange, colour: BufferRange, depth: BufferRange, grid: TileGrid,
                background: SIMD3<Float>) throws {
        let push = BlendPush(background: SIMD4(background, 1), imageSize: SIMD2(UInt32(grid.width), UInt32(grid.height)),
                             tilesX: UInt32(grid.tilesX), gaussianMask: gaussianMask)
        r.fill(blendDispatch.buffer, value: 0, offset: blendDispatch.offset, size: 4)      // x: tiles listed so far
        r.fill(blendDispatch.buffer, value: 1, offset: blendDispatch.offset + 4, size: 8)  // y, z
        r.barrier()
        try r.dispatch(triage, [.ranges: ranges, .colour: colour, .depth: depth, .blendTiles: blendTiles, .blendDispatch: blendDispatch],
                       push: push, groups: (grid.tilesX, grid.tilesY, 1))
        r.barrier()
        try r.dispatchIndirect(pipeline, [.splatMeans: splats.means, .splatConics: splats.conics, .splatColours: splats.colours,
                                          .sortedValues: sortedValues, .ranges: ranges, .blendTiles: blendTiles,
                                          .blendDispatch: blendDispatch, .colour: colour, .depth: depth],
                               push: push, arguments: blendDispatch)
        r.barrier()
    }
}
