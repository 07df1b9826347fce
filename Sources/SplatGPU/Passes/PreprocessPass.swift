import SplatCore

/// Records the preprocess pass: one dispatch per chunk of the uploaded scene, each binding the
/// chunk's window of the geometry, SH and motion buffers and the whole-cloud outputs.
struct PreprocessPass {
    let pipelines: Pipelines

    struct Outputs {
        var splats: SplatPlanes
        var tileCounts: BufferRange
        var depthKeys: BufferRange
        /// Three uints, started by `resetTotals` before the pass: the visible depth keys' min and
        /// max, and the tile instances of all the Gaussians.
        var totals: BufferRange
    }

    /// Starts the totals at (~0, 0, 0): no depth key yet, no instances. Once per frame, before
    /// the first chunk's dispatch (the chunks accumulate into them).
    static func resetTotals(_ r: CommandRecorder, _ totals: BufferRange) {
        r.fill(totals.buffer, value: UInt32.max, offset: totals.offset, size: 4)
        r.fill(totals.buffer, value: 0, offset: totals.offset + 4, size: 8)
    }

    /// With `blendWith`, the scene and `blendWith` are two keyframes with the same Gaussians and
    /// `time` is the weight of the second.
    /// With `active` (single-chunk temporal scenes), only those Gaussians are projected; the
    /// caller has zeroed the tile counts of the rest.
    func record(_ r: CommandRecorder, scene: GPUScene, time: Float, camera: Camera, settings: RenderSettings,
                outputs: Outputs, blendWith second: GPUScene? = nil, active: (indices: BufferRange, count: Int)? = nil) throws {
        precondition(active == nil || scene.chunks.count == 1, "indirect preprocess needs a single-chunk scene")
        let grid = TileGrid(width: camera.width, height: camera.height)
        let shStride = scene.shStride
        for chunk in scene.chunks {
            var push = PreprocessPush(camera: camera, grid: grid, settings: settings, scene: scene, time: time,
                                      count: chunk.count, first: chunk.lowerBound)
            if second != nil { push.flags |= UInt32(ShaderContract.PREPROCESS_FLAG_KEYFRAMES) }
            if let active {
                push.flags |= UInt32(ShaderContract.PREPROCESS_FLAG_INDIRECT)
                push.count = UInt32(active.count)
            }
            func window(_ buffer: GPUBuffer, _ stride: Int) -> BufferRange {
                BufferRange(buffer, offset: chunk.lowerBound * stride, size: chunk.count * stride)
            }
            // SH is read as vec4s: its window covers whole ones (the buffer is padded to 16 bytes).
            let sh = window(scene.sh, shStride)
            let shVectors = BufferRange(scene.sh, offset: sh.offset, size: min(GPUBuffer.wholeVectors(sh.size), scene.sh.size - sh.offset))
            var bindings: [BufferRole: BufferRange] = [
                .geometry: window(scene.geometry, GPUScene.geometryStride), .sh: shVectors,
                .splatMeans: outputs.splats.means, .splatConics: outputs.splats.conics,
                .splatColours: outputs.splats.colours, .splatRects: outputs.splats.rects, .tileCounts: outputs.tileCounts, .depthKeys: outputs.depthKeys,
                .projectionTotals: outputs.totals]
            bindings[.motion] = scene.motion.map { window($0, GPUScene.motionStride) }
            bindings[.nextGeometry] = second.map { window($0.geometry, GPUScene.geometryStride) }
            bindings[.nextSH] = second.map { window($0.sh, shStride) }
            bindings[.activeIndices] = active?.indices
            let pipeline = try pipelines.preprocess(PreprocessVariant(shDegree: scene.shDegree, flags: push.flags))
            try r.dispatch(pipeline, bindings, push: push, groups: pipeline.kernel.linearGroups(active?.count ?? chunk.count))
        }
        r.barrier()
    }
}

extension PreprocessPush {
    init(camera: Camera, grid: TileGrid, settings: RenderSettings, scene: GPUScene, time: Float, count: Int, first: Int) {
        let r = camera.rotation, t = camera.translation
        self.init(view0: SIMD4(r.r0, t.x), view1: SIMD4(r.r1, t.y), view2: SIMD4(r.r2, t.z),
                  cameraPosition: SIMD4(camera.position, 0),
                  intrinsics: SIMD4(camera.fx, camera.fy, camera.cx, camera.cy),
                  tanHalfFov: SIMD2(camera.tanHalfFovX, camera.tanHalfFovY),
                  imageSize: SIMD2(UInt32(grid.width), UInt32(grid.height)),
                  tileGrid: SIMD2(UInt32(grid.tilesX), UInt32(grid.tilesY)),
                  count: UInt32(count), firstGaussian: UInt32(first), shDegree: UInt32(scene.shDegree),
                  flags: UInt32((settings.antialiased ? ShaderContract.PREPROCESS_FLAG_ANTIALIASED : 0)
                                | (scene.isTemporal ? ShaderContract.PREPROCESS_FLAG_TEMPORAL : 0)
                                | (scene.canonicalView ? ShaderContract.PREPROCESS_FLAG_CANONICAL_VIEW : 0)
                                | (scene.shTimeTerms > 0 ? ShaderContract.PREPROCESS_FLAG_SH_T1 : 0)
                                | (scene.shTimeTerms > 1 ? ShaderContract.PREPROCESS_FLAG_SH_T2 : 0)),
                  time: time, falloffCutoff: scene.falloffCutoff)
    }
}
