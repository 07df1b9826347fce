import SplatCore

/// blend.comp: one workgroup per tile blends the tile's splats front to back into the float
/// colour (RGB + alpha) and expected-depth buffers.
public struct BlendPass {
    /// Pixels of one column each blend invocation composites (the workload model needs it).
    public static let rowsPerInvocation = ShaderContract.BLEND_ROWS

    let pipeline: ComputePipeline

    /// - Parameter sortedValues: the sorted Gaussian indices, or the sorted packed keys, whose
    ///   Gaussian bits `gaussianMask` selects (TileKeyPacking).
    func record(_ r: CommandRecorder, splats: SplatPlanes, sortedValues: BufferRange, gaussianMask: UInt32, ranges: BufferRange,
                colour: BufferRange, depth: BufferRange, grid: TileGrid, background: SIMD3<Float>) throws {
        try r.dispatch(pipeline, [.splatMeans: splats.means, .splatConics: splats.conics, .splatColours: splats.colours,
                              .sortedValues: sortedValues, .ranges: ranges, .colour: colour, .depth: depth],
                   push: BlendPush(background: SIMD4(background, 1), imageSize: SIMD2(UInt32(grid.width), UInt32(grid.height)),
                                   tilesX: UInt32(grid.tilesX), gaussianMask: gaussianMask),
                   groups: (grid.tilesX, grid.tilesY, 1))
        r.barrier()
    }
}
