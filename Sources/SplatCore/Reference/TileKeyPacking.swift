/// How the tile sort stores its (tile, Gaussian) pairs. When the tile index and the Gaussian
/// index fit one 32-bit word together, each pair is one word, `tile << gaussianBits | gaussian`,
/// and the sort moves keys only, ordered by the tile bits above `gaussianBits`: emission writes
/// one word instead of two, and each sort pass reads and writes one instead of two (on lavapipe
/// every storage access is a loop over the lanes; BENCHMARKS.md, "Issue 15"). Otherwise the pairs
/// are two words, tile key and Gaussian index. Either way the sorted order is the same: the stable
/// sort by tile of pairs emitted in depth order. CPU twin of what emit_keys.comp, the keys-only
/// sort, tile_ranges.comp and blend.comp do with packed words.
public struct TileKeyPacking: Equatable, Sendable {
    /// Bits below the tile index holding the Gaussian index; nil when the pairs are two words.
    public let gaussianBits: Int?

    /// The packing for a frame of `gaussians` Gaussians over `grid`'s tiles.
    public init(gaussians: Int, grid: TileGrid) {
        self.init(gaussians: gaussians, tileBits: grid.tileIndexBits)
    }

    public init(gaussians: Int, tileBits: Int) {
        var bits = 1
        while (1 << bits) < gaussians { bits += 1 }
        gaussianBits = bits + tileBits <= 32 ? bits : nil
    }

    private init(gaussianBits: Int?) { self.gaussianBits = gaussianBits }

    /// Two words per pair, whatever the counts (what frames too large to pack use).
    public static let twoWords = TileKeyPacking(gaussianBits: nil)

    public var isPacked: Bool { gaussianBits != nil }

    /// Where the tile index starts in a stored key (0 when unpacked: the key is the tile).
    public var tileShift: Int { gaussianBits ?? 0 }

    /// What selects the Gaussian index from a word of the sorted list the blend reads (the packed
    /// key, or the separate value).
    public var gaussianMask: UInt32 { gaussianBits.map { (1 << UInt32($0)) - 1 } ?? .max }

    public func pack(tile: UInt32, gaussian: UInt32) -> UInt32 {
        precondition(isPacked, "pairs of this frame do not fit one word")
        return tile << UInt32(tileShift) | gaussian
    }

    /// The (tile keys, values) pairs that packed words stand for.
    public func unpack(_ words: [UInt32]) -> (tileKeys: [UInt32], values: [UInt32]) {
        (words.map { $0 >> UInt32(tileShift) }, words.map { $0 & gaussianMask })
    }
}
