import SplatCore

/// Overlay primitives as overlay.comp's word buffer (its header comment gives the layout), for one
/// image size and byte order: bounds clipped to the image, colours in the pixels' byte order, and
/// the list of 8×8 tiles any item touches (the dispatch covers only those).
struct OverlayEncoding: Equatable {
    static let tileSize = 8
    static let itemWords = 12
    static let headerWords = 6
    let words: [UInt32]
    let tileCount: Int
    let tilesX: Int
    /// The pixel rows any item touches, merged into ascending, disjoint ranges: the rows kept
    /// clean (copied aside) before the overlay is drawn over them.
    let rows: [Range<Int>]

    /// nil when no primitive touches the image.
    init?(_ primitives: [OverlayPrimitive], width: Int, height: Int, order: SwapchainPixelOrder) {
        let t = OverlayEncoding.tileSize
        let tilesX = (width + t - 1) / t, tilesY = (height + t - 1) / t
        var items: [UInt32] = [], chars: [UInt32] = []
        var touched = [Bool](repeating: false, count: tilesX * tilesY)
        var touchedRows = [Bool](repeating: false, count: height)
        for primitive in primitives {
            let b = primitive.bounds
            let x0 = max(0, b.x), y0 = max(0, b.y), x1 = min(width, b.x + b.width), y1 = min(height, b.y + b.height)
            guard x0 < x1, y0 < y1 else { continue }
            for y in y0..<y1 { touchedRows[y] = true }
            for ty in (y0 / t)...((y1 - 1) / t) {
                for tx in (x0 / t)...((x1 - 1) / t) { touched[ty * tilesX + tx] = true }
            }
            let c = primitive.color
            let (first, third) = order == .bgra ? (c.b, c.r) : (c.r, c.b)
            let colour = UInt32(first) | UInt32(c.g) << 8 | UInt32(third) << 16 | UInt32(c.a) << 24
            var kind: UInt32 = 0, scale: UInt32 = 1, firstChar = UInt32(chars.count), charCount: UInt32 = 0
            if case let .text(string, _, _, s, _) = primitive {
                kind = 1
                scale = UInt32(max(1, s))
                let codes = string.unicodeScalars.map { UInt32(OverlayFont.code(for: $0)) }
                firstChar = UInt32(chars.count)
                charCount = UInt32(codes.count)
                chars += codes
            }
            items += [UInt32(x0), UInt32(y0), UInt32(x1), UInt32(y1), colour, kind, scale, firstChar, charCount,
                      UInt32(bitPattern: Int32(clamping: b.x)), UInt32(bitPattern: Int32(clamping: b.y)), 0]
        }
        let tiles = touched.indices.filter { touched[$0] }.map { UInt32($0) }
        guard !tiles.isEmpty else { return nil }
        let font = OverlayFont.rows.map { UInt32($0) }
        let itemsAt = OverlayEncoding.headerWords, tilesAt = itemsAt + items.count
        let fontAt = tilesAt + tiles.count, charsAt = fontAt + font.count
        words = [UInt32(items.count / OverlayEncoding.itemWords), UInt32(itemsAt), UInt32(tilesAt), UInt32(fontAt), UInt32(charsAt),
                 UInt32(tiles.count)]
            + items + tiles + font + chars
        tileCount = tiles.count
        self.tilesX = tilesX
        var rows: [Range<Int>] = []
        for y in 0..<height where touchedRows[y] {
            if let last = rows.last, last.upperBound == y { rows[rows.count - 1] = last.lowerBound..<y + 1 } else { rows.append(y..<y + 1) }
        }
        self.rows = rows
    }
}

/// The pass of Shaders/overlay.comp: blends the overlay over packed 8-bit pixels in place.
/// Owns the host-visible buffer its words are uploaded to (rewritten each frame: one frame in flight).
final class OverlayPass {
    let pipeline: ComputePipeline
    private var words: GPUBuffer?

    init(device: GPUDevice) throws {
        pipeline = try ComputePipeline(device: device, kernel: Kernels.overlay)
    }

    /// Workgroups for `tiles` listed tiles: rows of at most 65535 (Vulkan's guaranteed
    /// maxComputeWorkGroupCount[0]); the shader skips the padding past the last tile.
    static func groups(tiles: Int) -> (Int, Int, Int) {
        let width = min(tiles, 65535)
        return (width, width == 0 ? 0 : (tiles + width - 1) / width, 1)
    }

    /// Records copying the rows the overlay touches from `pixels` to the same places in `clean`,
    /// then drawing the overlay over `pixels` in place: the window shows `pixels`, and `pixels`
    /// with `clean`'s rows put back is the frame alone.
    func record(_ r: CommandRecorder, encoding: OverlayEncoding, pixels: BufferRange, keepingRowsIn clean: BufferRange,
                width: Int, height: Int) throws {
        r.barrier()  // to_swapchain's writes → the copy's reads
        for rows in encoding.rows {
            let offset = rows.lowerBound * width * 4
            r.copy(from: pixels.buffer, to: clean.buffer, size: rows.count * width * 4, sourceOffset: pixels.offset + offset,
                   destinationOffset: clean.offset + offset)
        }
        r.barrier()  // the copy's reads → the overlay's writes
        try record(r, encoding: encoding, pixels: pixels, width: width, height: height)
    }

    /// Uploads `encoding` and records its dispatch over `pixels` (width·height packed words).
    func record(_ r: CommandRecorder, encoding: OverlayEncoding, pixels: BufferRange, width: Int, height: Int) throws {
        let bytes = encoding.words.count * 4
        if (words?.size ?? 0) < bytes {
            words = nil
            words = try GPUBuffer(device: pipeline.device, size: max(bytes, 64 * 1024), usage: .readback, label: "overlay")
        }
        try words!.upload(encoding.words)
        r.dispatch(pipeline, [.overlay: BufferRange(words!, size: bytes), .pixels: pixels],
                   push: OverlayPush(imageSize: SIMD2(UInt32(width), UInt32(height)), tilesX: UInt32(encoding.tilesX)),
                   groups: OverlayPass.groups(tiles: encoding.tileCount))
    }
}
