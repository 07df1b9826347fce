import XCTest
@testable import SplatCore

final class TileKeyPackingTests: XCTestCase {
    /// Packed exactly when the Gaussian index bits and the tile bits fit 32.
    func testPacksWhenBothIndicesFitOneWord() {
        let grid720p = TileGrid(width: 1280, height: 720)  // 80 × 45 tiles: 12 bits
        XCTAssertEqual(grid720p.tileIndexBits, 12)
        XCTAssertEqual(TileKeyPacking(gaussians: 1 << 20, grid: grid720p).gaussianBits, 20)
        XCTAssertNil(TileKeyPacking(gaussians: (1 << 20) + 1, grid: grid720p).gaussianBits)
        XCTAssertEqual(TileKeyPacking(gaussians: 100_000, grid: grid720p).gaussianBits, 17)
        let grid4K = TileGrid(width: 3840, height: 2160)  // 240 × 135 tiles: 15 bits
        XCTAssertEqual(TileKeyPacking(gaussians: 1 << 17, grid: grid4K).gaussianBits, 17)
        XCTAssertFalse(TileKeyPacking(gaussians: (1 << 17) + 1, grid: grid4K).isPacked)
        // At least one Gaussian bit, even for 0 or 1 Gaussians.
        XCTAssertEqual(TileKeyPacking(gaussians: 0, tileBits: 1).gaussianBits, 1)
        XCTAssertEqual(TileKeyPacking(gaussians: 2, tileBits: 31).gaussianBits, 1)
        XCTAssertNil(TileKeyPacking(gaussians: 3, tileBits: 31).gaussianBits)
    }

    func testWordsAndMasks() {
        let packing = TileKeyPacking(gaussians: 100_000, tileBits: 12)
        XCTAssertEqual(packing.tileShift, 17)
        XCTAssertEqual(packing.gaussianMask, 0x1_FFFF)
        XCTAssertEqual(packing.pack(tile: 3599, gaussian: 99_999), 3599 << 17 | 99_999)
        let (tiles, gaussians) = packing.unpack([packing.pack(tile: 3599, gaussian: 99_999), packing.pack(tile: 0, gaussian: 7)])
        XCTAssertEqual(tiles, [3599, 0])
        XCTAssertEqual(gaussians, [99_999, 7])
        XCTAssertEqual(TileKeyPacking.twoWords.tileShift, 0)
        XCTAssertEqual(TileKeyPacking.twoWords.gaussianMask, .max)
        XCTAssertEqual(TileKeyPacking.twoWords.unpack([5, 9]).tileKeys, [5, 9])
    }

    /// Sorting packed words by their tile bits gives the stable pair sort by tile: same tiles,
    /// same Gaussian order within each tile.
    func testKeysOnlySortOfPackedWordsIsThePairSort() {
        var rng = SplitMix64(seed: 21)
        let grid = TileGrid(width: 200, height: 120)  // 13 × 8 tiles: 7 bits
        let packing = TileKeyPacking(gaussians: 5000, grid: grid)
        for n in [0, 1, 2, 300, 4097] {
            let tiles = (0..<n).map { _ in UInt32(rng.next() % UInt64(grid.tileCount)) }
            // Emission order: Gaussians in (made-up) depth order, not index order.
            let gaussians = (0..<n).map { _ in UInt32(rng.next() % 5000) }
            var words = zip(tiles, gaussians).map { packing.pack(tile: $0, gaussian: $1) }
            TileSort.radixSortKeys(&words, keyBits: grid.tileIndexBits, lowBit: packing.tileShift)
            var keys = tiles, values = gaussians
            TileSort.radixSort(keys: &keys, values: &values, keyBits: grid.tileIndexBits)
            let (sortedTiles, sortedGaussians) = packing.unpack(words)
            XCTAssertEqual(sortedTiles, keys, "n = \(n)")
            XCTAssertEqual(sortedGaussians, values, "n = \(n)")
        }
    }

    /// Bits below `lowBit` do not order: words equal above it keep their input order.
    func testKeysOnlySortIgnoresLowBits() {
        var words: [UInt32] = [0x30, 0x2F, 0x21, 0x10, 0x3F, 0x20]
        TileSort.radixSortKeys(&words, keyBits: 2, lowBit: 4)
        XCTAssertEqual(words, [0x10, 0x2F, 0x21, 0x20, 0x30, 0x3F])
    }
}
