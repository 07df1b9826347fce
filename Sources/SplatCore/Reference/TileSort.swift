/// The stages between preprocess and blend: exclusive scan of tile counts, key emission,
/// a stable radix sort of (key, Gaussian) pairs, and per-tile ranges. CPU twins of the GPU passes.
public enum TileSort {
    /// Exclusive prefix sum: out[i] = Σ counts[0..<i]. Returns the offsets and the total.
    public static func exclusiveScan(_ counts: [UInt32]) -> (offsets: [UInt32], total: Int) {
        var offsets = [UInt32](repeating: 0, count: counts.count)
        var running = 0
        for i in 0..<counts.count {
            offsets[i] = UInt32(truncatingIfNeeded: running)
            running += Int(counts[i])
        }
        return (offsets, running)
    }

    /// The sort key of a (tile, Gaussian) pair: tile index in the high 32 bits, the IEEE bits of the
    /// (positive) view depth in the low 32 bits, so integer order is tile order, then depth order.
    @inline(__always) public static func key(tile: Int, depth: Float) -> UInt64 {
        UInt64(tile) << 32 | UInt64(depth.bitPattern)
    }

    /// Emits one (key, Gaussian index) pair per tile each splat touches, at the splat's scanned
    /// offset, so the unsorted list is in Gaussian order (what makes the stable sort deterministic).
    /// With `cullTiles`, only the tiles TileCulling keeps (the GPU's emission); else the whole rect.
    public static func emitKeys(_ splats: [ProjectedSplat], offsets: [UInt32], total: Int,
                                grid: TileGrid, cullTiles: Bool = false) -> (keys: [UInt64], values: [UInt32]) {
        var keys = [UInt64](repeating: 0, count: total)
        var values = [UInt32](repeating: 0, count: total)
        keys.withUnsafeMutableBufferPointer { kb in
            values.withUnsafeMutableBufferPointer { vb in
                let keyOut = UnsafeSendableBuffer(kb), valueOut = UnsafeSendableBuffer(vb)
                Parallel.forEachChunk(count: splats.count, chunk: 8192) { range in
                    for i in range where splats[i].radius > 0 {
                        let s = splats[i]
                        var slot = Int(offsets[i])
                        for ty in s.tileMin.y..<s.tileMax.y {
                            for tx in s.tileMin.x..<s.tileMax.x {
                                if cullTiles, !TileCulling.touches(s, tileX: tx, tileY: ty) { continue }
                                keyOut.base[slot] = key(tile: Int(ty) * grid.tilesX + Int(tx), depth: s.depth)
                                valueOut.base[slot] = UInt32(i)
                                slot += 1
                            }
                        }
                    }
                }
            }
        }
        return (keys, values)
    }

    /// Tiles each splat emits: its rect's area, or with `cullTiles` the tiles TileCulling keeps.
    public static func tileCounts(_ splats: [ProjectedSplat], grid: TileGrid, cullTiles: Bool = false) -> [UInt32] {
        splats.map { s in
            guard s.radius > 0 else { return 0 }
            return UInt32(cullTiles ? TileCulling.tiles(of: s, grid: grid).count : s.tilesTouched)
        }
    }

    /// The digits a radix sort of `keyBits`-bit keys uses, least significant first: as few passes
    /// of at most 8 bits as cover the key, the bits split evenly (12 bits: two 6-bit digits, whose
    /// 64 buckets are cheaper to count and scan than 256). Shared by the GPU sort and its twin.
    public static func radixDigits(keyBits: Int) -> [(shift: Int, width: Int)] {
        guard keyBits > 0 else { return [] }
        let passes = (keyBits + 7) / 8
        var digits: [(shift: Int, width: Int)] = []
        var shift = 0
        for pass in 0..<passes {
            let width = keyBits / passes + (pass < keyBits % passes ? 1 : 0)
            digits.append((shift, width))
            shift += width
        }
        return digits
    }

    /// Stable least-significant-digit radix sort of (key, value) pairs over `radixDigits`,
    /// touching only the low `keyBits` bits (the rest must be zero). CPU twin of GPURadixSort.
    public static func radixSort<Key: FixedWidthInteger & UnsignedInteger>(keys: inout [Key], values: inout [UInt32],
                                                                           keyBits: Int) {
        precondition(keys.count == values.count)
        let n = keys.count
        guard n > 1 else { return }
        var keyScratch = [Key](repeating: 0, count: n)
        var valueScratch = [UInt32](repeating: 0, count: n)
        for (shift, width) in radixDigits(keyBits: keyBits) {
            let mask = (1 << width) - 1
            var next = digitStarts(keys, shift: shift, width: width)
            for i in 0..<n {
                let d = Int(truncatingIfNeeded: keys[i] >> shift) & mask
                keyScratch[next[d]] = keys[i]
                valueScratch[next[d]] = values[i]
                next[d] += 1
            }
            swap(&keys, &keyScratch)
            swap(&values, &valueScratch)
        }
    }

    /// Stable least-significant-digit radix sort of keys alone by their bits `lowBit ..< lowBit +
    /// keyBits` (the digits of `radixDigits(keyBits:)` moved up by `lowBit`); bits outside do not
    /// order, so keys equal there keep their input order. CPU twin of GPURadixSort's keys-only
    /// sort of packed tile keys (TileKeyPacking).
    public static func radixSortKeys(_ keys: inout [UInt32], keyBits: Int, lowBit: Int) {
        precondition(lowBit >= 0 && lowBit + keyBits <= 32, "digits outside the key")
        let n = keys.count
        guard n > 1 else { return }
        var scratch = [UInt32](repeating: 0, count: n)
        for (shift, width) in radixDigits(keyBits: keyBits) {
            let mask = (1 << width) - 1, at = lowBit + shift
            var next = digitStarts(keys, shift: at, width: width)
            for k in keys {
                let d = Int(k >> UInt32(at)) & mask
                scratch[next[d]] = k
                next[d] += 1
            }
            swap(&keys, &scratch)
        }
    }

    /// Where each value of the `width`-bit digit at `shift` starts in a stable scatter of `keys`:
    /// the exclusive scan of the digit's histogram.
    private static func digitStarts<Key: BinaryInteger>(_ keys: [Key], shift: Int, width: Int) -> [Int] {
        let mask = (1 << width) - 1
        var histogram = [Int](repeating: 0, count: 1 << width)
        for k in keys { histogram[Int(truncatingIfNeeded: k >> shift) & mask] += 1 }
        var sum = 0
        for d in histogram.indices {
            let c = histogram[d]
            histogram[d] = sum
            sum += c
        }
        return histogram
    }

    /// For each tile, the half-open range of the sorted list holding its pairs (empty: start == end).
    public static func tileRanges(sortedKeys keys: [UInt64], tileCount: Int) -> [Range<Int>] {
        var starts = [Int](repeating: 0, count: tileCount)
        var ends = [Int](repeating: 0, count: tileCount)
        for i in 0..<keys.count {
            let tile = Int(keys[i] >> 32)
            if i == 0 || Int(keys[i - 1] >> 32) != tile { starts[tile] = i }
            if i == keys.count - 1 || Int(keys[i + 1] >> 32) != tile { ends[tile] = i + 1 }
        }
        return (0..<tileCount).map { starts[$0]..<ends[$0] }
    }
}
