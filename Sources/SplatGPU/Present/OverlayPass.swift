import SplatCore

/// Overlay primitives as overlay.comp needs them, for one image size and byte order: one push
/// block per item that touches the image (bounds clipped, colour in the pixels' byte order), the
/// words of the font and the text, and the pixel rows the items cover.
struct OverlayEncoding {
    /// Font rows, then each text item's character codes.
    let words: [UInt32]
    /// One per item, in drawing order.
    let items: [OverlayPush]
    /// The pixel rows any item touches, merged into ascending, disjoint ranges: the rows kept
    /// clean (copied aside) before the overlay is drawn over them.
    let rows: [Range<Int>]

    /// nil when no primitive touches the image.
    init?(_ primitives: [OverlayPrimitive], width: Int, height: Int, order: SwapchainPixelOrder) {
        var items: [OverlayPush] = []
        var words = OverlayFont.rows.map { UInt32($0) }
        var touchedRows = [Bool](repeating: false, count: height)
        for primitive in primitives {
            let b = primitive.bounds
            let x0 = max(0, b.x), y0 = max(0, b.y), x1 = min(width, b.x + b.width), y1 = min(height, b.y + b.height)
            guard x0 < x1, y0 < y1 else { continue }
            for y in y0..<y1 { touchedRows[y] = true }
            let c = primitive.color
            let (first, third) = order == .bgra ? (c.b, c.r) : (c.r, c.b)
            var item = OverlayPush(bounds: SIMD4(Int32(x0), Int32(y0), Int32(x1), Int32(y1)),
                                   origin: SIMD2(Int32(clamping: b.x), Int32(clamping: b.y)), imageWidth: UInt32(width),
                                   colour: UInt32(first) | UInt32(c.g) << 8 | UInt32(third) << 16 | UInt32(c.a) << 24)
            if case let .text(string, _, _, scale, _) = primitive {
                let codes = string.unicodeScalars.map { UInt32(OverlayFont.code(for: $0)) }
                item.kind = 1
                item.scale = UInt32(max(1, scale))
                item.firstChar = UInt32(words.count)
                item.charCount = UInt32(codes.count)
                words += codes
            }
            items.append(item)
        }
        guard !items.isEmpty else { return nil }
        self.items = items
        self.words = words
        var rows: [Range<Int>] = []
        for y in 0..<height where touchedRows[y] {
            if let last = rows.last, last.upperBound == y { rows[rows.count - 1] = last.lowerBound..<y + 1 } else { rows.append(y..<y + 1) }
        }
        self.rows = rows
    }
}

/// The pass of Shaders/overlay.comp: blends the overlay over packed 8-bit pixels in place, one
/// dispatch per item. Owns the host-visible buffer its words are uploaded to (rewritten each
/// frame: one frame in flight).
final class OverlayPass {
    /// Invocations per workgroup along x (the shader's local_size_x) and rows each walks.
    static let workgroupWidth = Kernels.overlay.workgroupSize.size.x
    static let rowsPerInvocation = 32
    let pipeline: ComputePipeline
    private var words: GPUBuffer?

    init(device: GPUDevice) throws {
        pipeline = try ComputePipeline(device: device, kernel: Kernels.overlay)
    }

    /// Workgroups covering an item's bounds.
    static func groups(_ item: OverlayPush) -> (Int, Int, Int) {
        let width = Int(item.bounds.z - item.bounds.x), height = Int(item.bounds.w - item.bounds.y)
        return (SplatGPU.groups(width, workgroupWidth), SplatGPU.groups(height, rowsPerInvocation), 1)
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
        try record(r, encoding: encoding, pixels: pixels)
    }

    /// Uploads `encoding`'s words and records one dispatch per item over `pixels`, each after a
    /// barrier (an item blends over the ones before it).
    func record(_ r: CommandRecorder, encoding: OverlayEncoding, pixels: BufferRange) throws {
        let bytes = encoding.words.count * 4
        if (words?.size ?? 0) < bytes {
            words = nil
            words = try GPUBuffer(device: pipeline.device, size: max(bytes, 16 * 1024), usage: .readback, label: "overlay")
        }
        try words!.upload(encoding.words)
        for item in encoding.items {
            r.barrier()
            try r.dispatch(pipeline, [.overlay: BufferRange(words!, size: bytes), .pixels: pixels], push: item, groups: OverlayPass.groups(item))
        }
    }
}
