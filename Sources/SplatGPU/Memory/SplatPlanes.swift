/// A frame's projected splats on the GPU: one vec4 per Gaussian in each of four planes of one
/// buffer (means, conics, colours, packed tile rectangles with the kept-tile mask; common.glsl),
/// each plane bound on its own.
/// A plane needs 16 bytes per Gaussian, so a device that binds at most 128 MiB (lavapipe) draws
/// clouds of up to 8M Gaussians instead of the 2M a 64-byte record would allow.
struct SplatPlanes {
    static let bytesPerGaussian = 4 * planeStride
    static let planeStride = MemoryLayout<SIMD4<Float>>.stride

    let buffer: GPUBuffer
    /// Gaussians each plane holds (the buffer holds four planes of this many).
    let capacity: Int

    /// - Parameter capacity: Gaussians per plane; `capacity(for:offsetAlignment:)` of the device,
    ///   so that every plane starts at an offset the device can bind.
    init(buffer: GPUBuffer, capacity: Int) {
        precondition(buffer.size >= max(1, capacity) * SplatPlanes.bytesPerGaussian, "splat planes: buffer too small")
        precondition((max(1, capacity) * SplatPlanes.planeStride) % buffer.device.info.bindingOffsetAlignment == 0,
                     "splat planes: planes must start at the device's binding offset alignment")
        self.buffer = buffer
        self.capacity = capacity
    }

    /// Gaussians per plane for `count` Gaussians: rounded up so that each plane's offset is a
    /// multiple of the device's bindingOffsetAlignment (the storage and texel-buffer offset
    /// alignments: 16 bytes on lavapipe, up to 256 on GPUs).
    static func capacity(for count: Int, offsetAlignment: Int) -> Int {
        let perAlignment = max(1, offsetAlignment / planeStride)
        return (max(count, 1) + perAlignment - 1) / perAlignment * perAlignment
    }

    private func plane(_ index: Int) -> BufferRange {
        let size = max(1, capacity) * SplatPlanes.planeStride
        return BufferRange(buffer, offset: index * size, size: size)
    }

    var means: BufferRange { plane(0) }
    var conics: BufferRange { plane(1) }
    var colours: BufferRange { plane(2) }
    var rects: BufferRange { plane(3) }

    /// The first `count` splats, assembled from the planes.
    func read(_ count: Int) throws -> [GPUProjectedSplat] {
        guard count > 0 else { return [] }
        let means = try buffer.read(SIMD4<Float>.self, count: count, offset: self.means.offset)
        let conics = try buffer.read(SIMD4<Float>.self, count: count, offset: self.conics.offset)
        let colours = try buffer.read(SIMD4<Float>.self, count: count, offset: self.colours.offset)
        let rects = try buffer.read(SIMD4<UInt32>.self, count: count, offset: self.rects.offset)
        return (0..<count).map {
            GPUProjectedSplat(meanDepthOpacity: means[$0], conicRadius: conics[$0], colour: colours[$0],
                              tileRect: SplatPlanes.unpackedRect(rects[$0]))
        }
    }

    /// unpackedRect of common.glsl: (min x | min y << 16, max x | max y << 16, …) → (min x, min y, max x, max y).
    static func unpackedRect(_ packed: SIMD4<UInt32>) -> SIMD4<Int32> {
        SIMD4(Int32(packed.x & 0xFFFF), Int32(packed.x >> 16), Int32(packed.y & 0xFFFF), Int32(packed.y >> 16))
    }
}
