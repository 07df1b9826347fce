import Foundation
import SplatCore

/// GPU time of each stage of one frame, in milliseconds.
public struct StageTimings: Sendable, Equatable {
    public static let stageNames = ["deform", "preprocess", "scan", "keys", "sort", "ranges", "blend", "readback"]
    public var milliseconds: [String: Double] = [:]
    /// Wall-clock time of the whole render call on the host.
    public var frameMilliseconds: Double = 0
}

/// The Vulkan compute renderer: the fast twin of ReferenceRasterizer (DESIGN.md §5). It owns the
/// passes and the per-frame buffers, and sequences the passes in three submissions: temporal
/// activity (time-varying scenes), projection and counting, then depth order to blend.
public final class VulkanRasterizer {
    public let device: GPUDevice
    let pipelines: Pipelines
    let passes: FramePasses
    let scan: GPUScan
    let sort: GPURadixSort
    let buffers: FrameBuffers
    let timestamps: TimestampPool?
    /// Timings of the most recent frame (GPU timestamps when the queue has them).
    public private(set) var lastTimings = StageTimings()
    /// Copy each frame into host images (the frame's colour, alpha and depth). A presenter that
    /// reads the colour buffer on the GPU turns this off; frames then carry 0×0 images.
    public var readsBackFrames = true
    /// Size of the most recent frame, in the colour buffer whether or not it was read back.
    public private(set) var lastFrameSize = (width: 0, height: 0)
    /// Where the last frame's sorts left their results (the ping-pong buffers), for stage capture.
    private(set) var lastDepthOrderInAlternate = false
    private(set) var lastTileOrderInAlternate = false
    /// How the last frame stored its tile pairs (packed keys: no values buffer).
    private(set) var lastTilePacking = TileKeyPacking.twoWords
    /// Pack tile pairs into one word when they fit (TileKeyPacking). Tests turn it off to run the
    /// two-word path, which otherwise only frames of more than 2^(32 − tile bits) Gaussians take.
    var packsTileKeys = true

    public init(device: GPUDevice) throws {
        self.device = device
        pipelines = try Pipelines(device: device)
        passes = FramePasses(pipelines)
        scan = GPUScan(device: device, pipelines: pipelines)
        sort = GPURadixSort(device: device, pipelines: pipelines, scan: scan)
        buffers = FrameBuffers(device: device)
        timestamps = device.info.timestampsSupported ? try TimestampPool(device: device, count: Mark.allCases.count) : nil
    }

    public convenience init(preference: String? = nil) throws {
        try self.init(device: try GPUDevice(preference: preference))
    }

    /// Uploads a cloud once, for many frames.
    public func upload(_ cloud: SplatCloud) throws -> GPUScene { try GPUScene(device: device, cloud: cloud) }

    /// Uploads a time-varying cloud once; frames then pass only the time and the camera.
    public func upload(_ scene: TemporalCloud, deformationPass: GPUScene.DeformationPlacement = .automatic) throws -> GPUScene {
        try GPUScene(device: device, scene: scene, deformationPass: deformationPass)
    }

    /// Uploads `scene` into `old`'s buffers when it has the same shape (a streamed sequence's next
    /// window, whose keyframes are frames `indices`: a frame `old` holds under its index is kept;
    /// see GPUScene.refill), else releases `old` first and uploads a new scene.
    public func upload(_ scene: TemporalCloud, frames indices: [Int]? = nil, reusing old: inout GPUScene?) throws -> GPUScene {
        if let reused = old, try reused.refill(with: scene, frames: indices) { return reused }
        old = nil
        let uploaded = try upload(scene)
        uploaded.frameIndices = indices
        return uploaded
    }

    public func render(_ cloud: SplatCloud, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        try render(try upload(cloud), camera: camera, settings: settings)
    }

    /// Timestamp positions within a frame.
    enum Mark: Int, CaseIterable {
        case start, preprocessed, counted, resumed, compacted, depthSorted, scanned, emitted, tileSorted, ranged, blended
    }

    /// Renders the uploaded scene at `time` (ignored by static scenes).
    public func render(_ scene: GPUScene, time: Float = 0, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        try render(scene, time: time, camera: camera, settings: settings, capture: nil)
    }

    /// Keyframed scenes blend the two keyframes around `time`; deformation-field scenes are
    /// deformed at `time` (deform_hexplane.comp, or on the CPU beyond its limits); others render as they are.
    func render(_ scene: GPUScene, time: Float, camera: Camera, settings: RenderSettings,
                capture: FrameStageCapture?) throws -> RenderedFrame {
        if let deformation = scene.deformation {
            // Its own submission: the pass rewrites the scene's geometry and SH, then the frame is static.
            let start = DispatchTime.now().uptimeNanoseconds
            try device.submitAndWait { r in try passes.deform.record(r, scene: scene, deformation: deformation, time: time) }
            let deformMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            let frame = try render(scene, time: 0, blendWith: nil, camera: camera, settings: settings, capture: capture)
            // The deformation's wall time (its own submission) counts in the frame.
            lastTimings.milliseconds["deform"] = deformMilliseconds
            lastTimings.frameMilliseconds += deformMilliseconds
            return frame
        }
        if scene.deformed != nil {
            let start = DispatchTime.now().uptimeNanoseconds
            let deformed = try scene.deformedScene(at: time)
            let deformMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            let frame = try render(deformed, time: 0, blendWith: nil, camera: camera, settings: settings, capture: capture)
            // The CPU deformation and its upload count in the frame.
            lastTimings.milliseconds["deform"] = deformMilliseconds
            lastTimings.frameMilliseconds += deformMilliseconds
            return frame
        }
        guard let keyframes = scene.keyframes else {
            return try render(scene, time: time, blendWith: nil, camera: camera, settings: settings, capture: capture)
        }
        let bracket = keyframes.bracket(at: time)
        let first = try scene.keyframe(bracket.first)
        if bracket.weight == 0 || bracket.first == bracket.second {
            return try render(first, time: 0, blendWith: nil, camera: camera, settings: settings, capture: capture)
        }
        return try render(first, time: bracket.weight, blendWith: try scene.keyframe(bracket.second), camera: camera,
                          settings: settings, capture: capture)
    }

    /// What the projection submission counted, and how the depth sort should read the keys.
    struct ProjectionCounts {
        var visible: Int
        var instances: Int
        /// Depth keys are sorted minus `keyBase`, over the `depthBits` their spread needs.
        var keyBase: UInt32
        var depthBits: Int
    }

    private func render(_ scene: GPUScene, time: Float, blendWith second: GPUScene?, camera: Camera,
                        settings: RenderSettings, capture: FrameStageCapture?) throws -> RenderedFrame {
        let wallStart = DispatchTime.now().uptimeNanoseconds
        let grid = TileGrid(width: camera.width, height: camera.height)
        let n = scene.count
        try checkBindings(gaussians: n, instances: 0, grid: grid)
        try buffers.reservePerGaussian(n)
        try buffers.reservePerPixel(width: grid.width, height: grid.height, tiles: grid.tileCount)
        try scan.reserve(n)

        // Time-varying single-chunk scenes: find the active Gaussians first (cheap), so that
        // preprocess projects only those (most of a long performance is inactive at any t).
        var active: (indices: BufferRange, count: Int)?
        if scene.isTemporal, second == nil, scene.chunks.count == 1, n > 0 {
            active = try findActiveGaussians(scene, time: time)
        }
        capture?.activeCount = active?.count
        let counts = try project(scene, time: time, blendWith: second, camera: camera, settings: settings, active: active)
        try buffers.reservePerVisible(counts.visible)
        let packing = packsTileKeys ? TileKeyPacking(gaussians: n, grid: grid) : .twoWords
        try buffers.reservePerInstance(counts.instances, values: !packing.isPacked)
        try sort.reserve(max(counts.visible, counts.instances))
        try scan.reserve(counts.visible)
        try checkBindings(gaussians: n, instances: counts.instances, grid: grid)
        // A frame read back gets its empty tiles' pixels from the host (readBack); one the window
        // reads on the GPU gets them from the triage.
        let readsBack = readsBackFrames || capture != nil
        try drawTiles(gaussians: n, counts: counts, packing: packing, grid: grid, settings: settings, fillsBackground: !readsBack,
                      capture: capture)

        let readbackStart = DispatchTime.now().uptimeNanoseconds
        let statistics = FrameStatistics(gaussians: n, visibleGaussians: counts.visible, tileInstances: counts.instances)
        lastFrameSize = (grid.width, grid.height)
        let frame = readsBack ? try readBack(grid: grid, statistics: statistics, background: settings.background)
            : RenderedFrame(colour: Image(width: 0, height: 0, channels: 3), alpha: Image(width: 0, height: 0, channels: 1),
                            depth: Image(width: 0, height: 0, channels: 1), statistics: statistics)
        let end = DispatchTime.now().uptimeNanoseconds
        lastTimings = try timings(readbackNs: Double(end - readbackStart), frameNs: Double(end - wallStart))
        return frame
    }

    /// Submission 0 (time-varying scenes): flags the Gaussians active at `time` and compacts
    /// their indices; returns them and how many there are.
    private func findActiveGaussians(_ scene: GPUScene, time: Float) throws -> (indices: BufferRange, count: Int) {
        let n = scene.count
        try buffers.reserveTemporal(n)
        try device.submitAndWait { r in
            if let timestamps { r.reset(timestamps) }
            mark(r, .start)
            try passes.temporalActivity.record(r, scene: scene, time: time, activeFlags: buffers.activeFlags.range)
            try scan.record(r, input: buffers.activeFlags.range, output: buffers.activeSlots.range, count: n, flagsOnly: true)
            try passes.compactIndices.record(r, activeFlags: buffers.activeFlags.range, activeSlots: buffers.activeSlots.range,
                                         activeIndices: buffers.activeIndices.range, count: n)
        }
        return (buffers.activeIndices.range, Int(try buffers.activeSlots.buffer.read(UInt32.self, count: 1, offset: n * 4)[0]))
    }

    /// Submission 1: preprocess, then count the visible Gaussians and their tile instances.
    private func project(_ scene: GPUScene, time: Float, blendWith second: GPUScene?, camera: Camera, settings: RenderSettings,
                         active: (indices: BufferRange, count: Int)?) throws -> ProjectionCounts {
        let n = scene.count
        try device.submitAndWait { r in
            if active == nil {
                if let timestamps { r.reset(timestamps) }
                mark(r, .start)
            } else {
                // Inactive Gaussians are not visited: their tile counts must read 0.
                r.fill(buffers.tileCounts.buffer, value: 0, size: n * 4)
            }
            PreprocessPass.resetTotals(r, buffers.projectionTotals.range)
            r.barrier()
            try passes.preprocess.record(r, scene: scene, time: time, camera: camera, settings: settings,
                                     outputs: .init(splats: buffers.splatPlanes, tileCounts: buffers.tileCounts.range,
                                                    depthKeys: buffers.depthKeys.range, totals: buffers.projectionTotals.range),
                                     blendWith: second, active: active)
            mark(r, .preprocessed)
            try scan.record(r, input: buffers.tileCounts.range, output: buffers.visibleSlots.range, count: n, flagsOnly: true)
            mark(r, .counted)
        }
        let visible = Int(try buffers.visibleSlots.buffer.read(UInt32.self, count: 1, offset: n * 4)[0])
        // Sort depth keys minus the smallest, over only the bits their spread needs: the same
        // order as all 32 bits, in fewer passes (keys are positive floats, so order = value order).
        let totals = try buffers.projectionTotals.buffer.read(UInt32.self, count: 3)
        let range = totals[0...1], instances = Int(totals[2])
        return ProjectionCounts(visible: visible, instances: instances, keyBase: visible > 0 ? range[0] : 0,
                                depthBits: visible > 1 ? UInt32.bitWidth - (range[1] - range[0]).leadingZeroBitCount : 0)
    }

    /// Submission 2: depth order, tile keys, tile sort, ranges, blend. With `capture`, the
    /// buffers the sorts overwrite are copied aside first (nothing extra otherwise).
    private func drawTiles(gaussians n: Int, counts: ProjectionCounts, packing: TileKeyPacking, grid: TileGrid,
                           settings: RenderSettings, fillsBackground: Bool, capture: FrameStageCapture?) throws {
        let visible = counts.visible, instances = counts.instances
        try device.submitAndWait { r in
            mark(r, .resumed)
            try passes.compact.record(r, tileCounts: buffers.tileCounts.range, depthKeys: buffers.depthKeys.range,
                                  visibleSlots: buffers.visibleSlots.range, visibleKeys: buffers.visibleKeys.range,
                                  visibleIndices: buffers.visibleIndices.range, count: n, keyBase: counts.keyBase)
            try capture?.copyCompaction(r, buffers: buffers, visible: visible)
            mark(r, .compacted)
            let depthInAlt = try sort.record(r, keys: buffers.visibleKeys.buffer, values: buffers.visibleIndices.buffer,
                                             altKeys: buffers.visibleKeysAlt.buffer, altValues: buffers.visibleIndicesAlt.buffer,
                                             count: visible, bits: counts.depthBits)
            lastDepthOrderInAlternate = depthInAlt
            mark(r, .depthSorted)
            let depthOrder = depthInAlt ? buffers.visibleIndicesAlt.range : buffers.visibleIndices.range
            try passes.gatherCounts.record(r, tileCounts: buffers.tileCounts.range, depthOrder: depthOrder,
                                       orderedCounts: buffers.orderedCounts.range, count: visible)
            try scan.record(r, input: buffers.orderedCounts.range, output: buffers.instanceOffsets.range, count: visible)
            mark(r, .scanned)
            let packed = packing.isPacked
            try passes.emitKeys.record(r, splats: buffers.splatPlanes, depthOrder: depthOrder,
                                   instanceOffsets: buffers.instanceOffsets.range, tileKeys: buffers.tileKeys.range,
                                   values: packed ? nil : buffers.values.range, wideRects: buffers.wideRects.range,
                                   wideDispatch: buffers.wideDispatch.range, packing: packing, count: visible, grid: grid)
            try capture?.copyEmission(r, buffers: buffers, instances: instances, packing: packing)
            mark(r, .emitted)
            let tilesInAlt = try sort.record(r, keys: buffers.tileKeys.buffer, values: packed ? nil : buffers.values.buffer,
                                             altKeys: buffers.tileKeysAlt.buffer, altValues: packed ? nil : buffers.valuesAlt.buffer,
                                             count: instances, bits: grid.tileIndexBits, lowBit: packing.tileShift)
            lastTileOrderInAlternate = tilesInAlt
            lastTilePacking = packing
            mark(r, .tileSorted)
            let sortedTileKeys = tilesInAlt ? buffers.tileKeysAlt.range : buffers.tileKeys.range
            // Packed keys are their own values: the blend masks out the tile bits.
            let sortedValues = packed ? sortedTileKeys : tilesInAlt ? buffers.valuesAlt.range : buffers.values.range
            try passes.tileRanges.record(r, sortedTileKeys: sortedTileKeys, ranges: buffers.ranges.range, instances: instances, grid: grid,
                                     tileShift: packing.tileShift)
            mark(r, .ranged)
            try passes.blend.record(r, splats: buffers.splatPlanes, sortedValues: sortedValues, gaussianMask: packing.gaussianMask,
                                ranges: buffers.ranges.range, blendTiles: buffers.blendTiles.range,
                                blendDispatch: buffers.blendDispatch.range, colour: buffers.colour.range, depth: buffers.depth.range, grid: grid,
                                background: settings.background, fillsBackground: fillsBackground)
            mark(r, .blended)
        }
    }

    private func mark(_ recorder: CommandRecorder, _ mark: Mark) {
        if let timestamps { recorder.writeTimestamp(timestamps, index: mark.rawValue) }
    }

    private func timings(readbackNs: Double, frameNs: Double) throws -> StageTimings {
        var t = StageTimings()
        t.frameMilliseconds = frameNs / 1e6
        t.milliseconds["readback"] = readbackNs / 1e6
        guard let timestamps else { return t }
        let ns = try timestamps.read(Mark.allCases.count)
        func span(_ a: Mark, _ b: Mark) -> Double { (ns[b.rawValue] - ns[a.rawValue]) / 1e6 }
        t.milliseconds["preprocess"] = span(.start, .preprocessed)
        t.milliseconds["scan"] = span(.preprocessed, .counted) + span(.depthSorted, .scanned)
        t.milliseconds["sort"] = span(.compacted, .depthSorted) + span(.emitted, .tileSorted)
        t.milliseconds["keys"] = span(.resumed, .compacted) + span(.scanned, .emitted)
        t.milliseconds["ranges"] = span(.tileSorted, .ranged)
        t.milliseconds["blend"] = span(.ranged, .blended)
        return t
    }

    /// Every binding must fit the device's maxStorageBufferRange, and what the blend fetches as
    /// texels its maxTexelBufferElements; say which scene size does not.
    private func checkBindings(gaussians: Int, instances: Int, grid: TileGrid) throws {
        // blend.comp's listSlot multiplies a workgroup index by a stride of ~4k in 32 bits.
        let maxTiles = 1 << 20
        guard grid.tileCount <= maxTiles else {
            throw GPUError("a \(grid.width)×\(grid.height) image has \(grid.tileCount) tiles, more than the blend's \(maxTiles); render a smaller image")
        }
        let limit = device.info.maxStorageBufferRange
        let needs: [(String, Int)] = [("projected splats of \(gaussians) Gaussians", gaussians * SplatPlanes.planeStride),
                                      ("\(instances) tile instances", instances * 4),
                                      ("the colour of a \(grid.width)×\(grid.height) image", grid.width * grid.height * 16)]
        for (what, bytes) in needs where UInt64(bytes) > limit {
            throw GPUError("\(what): \(bytes >> 20) MiB in one storage binding, more than this device's \(limit >> 20) MiB; render a smaller image or scene")
        }
        let texels = device.info.maxTexelBufferElements
        for (what, count) in [("projected splats of \(gaussians) Gaussians", gaussians), ("\(instances) tile instances", instances)]
        where UInt64(count) > texels {
            throw GPUError("\(what): \(count) texels in one texel buffer, more than this device's \(texels); render a smaller image or scene")
        }
    }

    /// The frame from the blend's buffers, on all cores, into arrays left unfilled until written
    /// (a zero fill first would double the stores): each tile row of pixels as FrameRows says.
    private func readBack(grid: TileGrid, statistics: FrameStatistics, background: SIMD3<Float>) throws -> RenderedFrame {
        let pixels = grid.width * grid.height
        let blended = try blendedTiles(grid)
        var colour: [Float] = [], alpha: [Float] = [], depth: [Float] = []
        try buffers.colour.buffer.withContents(SIMD4<Float>.self, count: pixels) { mappedColour in
            try buffers.depth.buffer.withContents(Float.self, count: pixels) { mappedDepth in
                colour = [Float](unsafeUninitializedCapacity: pixels * 3) { c, colourInitialized in
                    alpha = [Float](unsafeUninitializedCapacity: pixels) { a, alphaInitialized in
                        depth = [Float](unsafeUninitializedCapacity: pixels) { d, depthInitialized in
                            let rows = FrameRows(grid: grid, blended: blended, background: background,
                                                 rgba: UnsafeSendableReadBuffer(mappedColour), depth: UnsafeSendableReadBuffer(mappedDepth),
                                                 colourOut: UnsafeSendableBuffer(c), alphaOut: UnsafeSendableBuffer(a),
                                                 depthOut: UnsafeSendableBuffer(d))
                            Parallel.forEachChunk(count: grid.tilesY, chunk: 1) { tileRows in
                                for tileRow in tileRows { rows.write(tileRow: tileRow) }
                            }
                            depthInitialized = pixels
                        }
                        alphaInitialized = pixels
                    }
                    colourInitialized = pixels * 3
                }
            }
        }
        return RenderedFrame(colour: Image(width: grid.width, height: grid.height, channels: 3, pixels: colour),
                             alpha: Image(width: grid.width, height: grid.height, channels: 1, pixels: alpha),
                             depth: Image(width: grid.width, height: grid.height, channels: 1, pixels: depth),
                             statistics: statistics)
    }

    /// Per tile, whether the triage listed it for the blend (it holds splats).
    func blendedTiles(_ grid: TileGrid) throws -> [Bool] {
        var listed = [Bool](repeating: false, count: grid.tileCount)
        try withListedTiles(grid) { tiles in
            for tile in tiles { listed[Int(tile)] = true }
        }
        return listed
    }

    /// Calls `body` with the tiles the triage listed for the blend, in the order it appended them.
    func withListedTiles<R>(_ grid: TileGrid, _ body: (UnsafeBufferPointer<UInt32>) throws -> R) throws -> R {
        let count = min(grid.tileCount, Int(try buffers.blendDispatch.buffer.read(UInt32.self, count: 1)[0]))
        return try buffers.blendTiles.buffer.withContents(UInt32.self, count: count, body)
    }
}

/// Writes one tile row of a frame read back: the pixels of tiles the triage listed are split from
/// the blend's RGBA (colour, alpha) and copied (depth); the other tiles hold no splat and were not
/// written on the GPU, so their pixels are the background, α 0 and depth 0.
private struct FrameRows: Sendable {
    let grid: TileGrid
    let blended: [Bool]
    let rgba: UnsafeSendableReadBuffer<SIMD4<Float>>
    let depth: UnsafeSendableReadBuffer<Float>
    let colourOut: UnsafeSendableBuffer<Float>
    let alphaOut: UnsafeSendableBuffer<Float>
    let depthOut: UnsafeSendableBuffer<Float>
    /// A tile's width of background colour, copied whole into an empty tile's row.
    let backgroundRow: [Float]

    init(grid: TileGrid, blended: [Bool], background: SIMD3<Float>, rgba: UnsafeSendableReadBuffer<SIMD4<Float>>,
         depth: UnsafeSendableReadBuffer<Float>, colourOut: UnsafeSendableBuffer<Float>, alphaOut: UnsafeSendableBuffer<Float>,
         depthOut: UnsafeSendableBuffer<Float>) {
        self.grid = grid
        self.blended = blended
        self.rgba = rgba
        self.depth = depth
        self.colourOut = colourOut
        self.alphaOut = alphaOut
        self.depthOut = depthOut
        backgroundRow = (0..<TileGrid.tileSize).flatMap { _ in [background.x, background.y, background.z] }
    }

    func write(tileRow: Int) {
        let size = TileGrid.tileSize
        for y in tileRow * size..<min(tileRow * size + size, grid.height) {
            for tileX in 0..<grid.tilesX {
                let first = y * grid.width + tileX * size
                let pixels = first..<min(first + size, (y + 1) * grid.width)
                if blended[tileRow * grid.tilesX + tileX] { copy(pixels) } else { fill(pixels) }
            }
        }
    }

    private func copy(_ pixels: Range<Int>) {
        for p in pixels {
            let v = rgba.base[p]
            colourOut.base[p * 3] = v.x
            colourOut.base[p * 3 + 1] = v.y
            colourOut.base[p * 3 + 2] = v.z
            alphaOut.base[p] = v.w
            depthOut.base[p] = depth.base[p]
        }
    }

    private func fill(_ pixels: Range<Int>) {
        backgroundRow.withUnsafeBufferPointer { row in
            (colourOut.base.baseAddress! + pixels.lowerBound * 3).initialize(from: row.baseAddress!, count: pixels.count * 3)
        }
        (alphaOut.base.baseAddress! + pixels.lowerBound).initialize(repeating: 0, count: pixels.count)
        (depthOut.base.baseAddress! + pixels.lowerBound).initialize(repeating: 0, count: pixels.count)
    }
}
