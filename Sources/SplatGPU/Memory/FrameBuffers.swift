/// Per-frame GPU buffers, sized from what a frame needs and grown (by half again) when a frame
/// needs more; never reallocated while they suffice.
final class FrameBuffers {
    /// A buffer that grows to a requested element count.
    final class Growable {
        let device: GPUDevice
        let label: String
        let stride: Int
        let usage: GPUBuffer.Usage
        private(set) var buffer: GPUBuffer!
        private(set) var capacity = -1

        init(device: GPUDevice, label: String, stride: Int, usage: GPUBuffer.Usage = .storage) {
            self.device = device
            self.label = label
            self.stride = stride
            self.usage = usage
        }

        func reserve(_ count: Int, exact: Bool = false) throws {
            guard count > capacity else { return }
            // Grow by half again, but never past what one storage binding can see (the whole
            // buffer is bound, in whole 16-byte vectors as GPUBuffer rounds it); the caller has
            // checked that `count` itself fits.
            let bindable = Int(min(device.info.maxStorageBufferRange, UInt64(Int.max))) / 16 * 16
            let target = exact ? count : min(max(count, capacity * 3 / 2), max(count, bindable / stride))
            buffer = nil  // free the old one first: peak memory matters for large scenes
            buffer = try GPUBuffer(device: device, size: max(1, target) * stride, usage: usage, label: label)
            capacity = target
        }

        var range: BufferRange { BufferRange(buffer) }
    }

    let splats, tileCounts, depthKeys, visibleSlots: Growable
    let visibleKeys, visibleIndices, visibleKeysAlt, visibleIndicesAlt, orderedCounts, instanceOffsets: Growable
    let wideRects, wideDispatch: Growable
    let tileKeys, values, tileKeysAlt, valuesAlt: Growable
    let ranges, blendTiles, blendDispatch, colour, depth: Growable
    let activeFlags, activeSlots, activeIndices: Growable
    let projectionTotals: Growable

    init(device: GPUDevice) {
        func make(_ label: String, _ stride: Int = 4, _ usage: GPUBuffer.Usage = .storage) -> Growable {
            Growable(device: device, label: label, stride: stride, usage: usage)
        }
        splats = make("projected splats", SplatPlanes.bytesPerGaussian)
        tileCounts = make("tile counts")
        depthKeys = make("depth keys")
        visibleSlots = make("visible slots")
        visibleKeys = make("visible depth keys")
        visibleIndices = make("visible indices")
        visibleKeysAlt = make("visible depth keys (ping-pong)")
        visibleIndicesAlt = make("visible indices (ping-pong)")
        orderedCounts = make("tile counts in depth order")
        instanceOffsets = make("instance offsets")
        wideRects = make("wide rects (depth-order positions)")
        wideDispatch = make("wide rect key emission dispatch", 16)  // VkDispatchIndirectCommand (x, y, z), padded
        tileKeys = make("tile keys")
        values = make("tile values")
        tileKeysAlt = make("tile keys (ping-pong)")
        valuesAlt = make("tile values (ping-pong)")
        projectionTotals = make("projection totals (depth key range, tile instances)", 12)
        activeFlags = make("temporal activity flags")
        activeSlots = make("active slots")
        activeIndices = make("active indices")
        ranges = make("tile ranges", 8)
        blendTiles = make("tiles to blend")
        blendDispatch = make("blend dispatch", 16)  // VkDispatchIndirectCommand (x, y, z), padded
        // Written by the blend and read by the host: host-visible, so no copy is needed.
        colour = make("colour and alpha", 16, .readback)
        depth = make("expected depth", 4, .readback)
    }

    /// The projected splats' planes (each as long as the buffer's capacity).
    var splatPlanes: SplatPlanes { SplatPlanes(buffer: splats.buffer, capacity: splats.capacity) }

    func reservePerGaussian(_ n: Int) throws {
        try projectionTotals.reserve(1, exact: true)
        try splats.reserve(SplatPlanes.capacity(for: n, offsetAlignment: splats.device.info.bindingOffsetAlignment), exact: true)
        try tileCounts.reserve(n, exact: true)
        try depthKeys.reserve(n, exact: true)
        try visibleSlots.reserve(n + 1, exact: true)
    }

    func reserveTemporal(_ n: Int) throws {
        try activeFlags.reserve(n, exact: true)
        try activeSlots.reserve(n + 1, exact: true)
        try activeIndices.reserve(n, exact: true)
    }

    func reservePerVisible(_ v: Int) throws {
        for b in [visibleKeys, visibleIndices, visibleKeysAlt, visibleIndicesAlt, orderedCounts] { try b.reserve(v) }
        try instanceOffsets.reserve(v + 1)
        try wideRects.reserve(v)
        try wideDispatch.reserve(1, exact: true)
    }

    /// - Parameter values: whether the frame's tile pairs need value buffers (unpacked keys).
    func reservePerInstance(_ i: Int, values needsValues: Bool) throws {
        for b in [tileKeys, tileKeysAlt] { try b.reserve(i) }
        if needsValues { for b in [values, valuesAlt] { try b.reserve(i) } }
    }

    func reservePerPixel(width: Int, height: Int, tiles: Int) throws {
        try ranges.reserve(tiles)
        try blendTiles.reserve(tiles)
        try blendDispatch.reserve(1, exact: true)
        try colour.reserve(width * height)
        try depth.reserve(width * height)
    }
}
