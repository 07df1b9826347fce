import XCTest
@testable import SplatCore

final class TileSortTests: XCTestCase {
    func testExclusiveScan() {
        XCTAssertEqual(TileSort.exclusiveScan([]).total, 0)
        let (offsets, total) = TileSort.exclusiveScan([3, 0, 2, 5])
        XCTAssertEqual(offsets, [0, 3, 3, 5])
        XCTAssertEqual(total, 10)
    }

    func testKeyPutsTileAboveDepth() {
        XCTAssertEqual(TileSort.key(tile: 3, depth: 1), 3 << 32 | 0x3F80_0000)
        XCTAssertLessThan(TileSort.key(tile: 2, depth: 1000), TileSort.key(tile: 3, depth: 0.2))
        XCTAssertLessThan(TileSort.key(tile: 2, depth: 0.5), TileSort.key(tile: 2, depth: 0.75))
    }

    func testRadixSortIsStableAndExact() {
        var state: UInt64 = 42
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 20 }
        for n in [0, 1, 2, 255, 256, 257, 4097] {
            // Few distinct keys so that many are equal and stability matters.
            var keys = (0..<n).map { _ in (next() % 7) << 32 | (next() % 5) }
            var values = (0..<n).map { UInt32($0) }
            let expected = zip(keys, values).sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            TileSort.radixSort(keys: &keys, values: &values, keyBits: 35)
            XCTAssertEqual(keys, expected.map(\.0), "n = \(n)")
            XCTAssertEqual(values, expected.map(\.1), "n = \(n)")
        }
    }

    /// As few passes of at most 8 bits as cover the key, split evenly, low digits first.
    func testRadixDigits() {
        func widths(_ bits: Int) -> [Int] { TileSort.radixDigits(keyBits: bits).map(\.width) }
        XCTAssertEqual(widths(0), [])
        XCTAssertEqual(widths(1), [1])
        XCTAssertEqual(widths(8), [8])
        XCTAssertEqual(widths(9), [5, 4])
        XCTAssertEqual(widths(12), [6, 6])
        XCTAssertEqual(widths(23), [8, 8, 7])
        XCTAssertEqual(widths(32), [8, 8, 8, 8])
        XCTAssertEqual(widths(35), [7, 7, 7, 7, 7])
        XCTAssertEqual(TileSort.radixDigits(keyBits: 23).map(\.shift), [0, 8, 16])
    }

    func testRadixSortUsesAllBits() {
        var keys: [UInt64] = [UInt64.max, 0, 1 << 63, 1 << 32, 0xFFFF_FFFF]
        var values: [UInt32] = [0, 1, 2, 3, 4]
        TileSort.radixSort(keys: &keys, values: &values, keyBits: 64)
        XCTAssertEqual(values, [1, 4, 3, 2, 0])
    }

    func testTileRanges() {
        let keys: [UInt64] = [0 << 32 | 5, 0 << 32 | 9, 2 << 32 | 1, 3 << 32 | 4, 3 << 32 | 4]
        XCTAssertEqual(TileSort.tileRanges(sortedKeys: keys, tileCount: 5), [0..<2, 0..<0, 2..<3, 3..<5, 0..<0])
    }

    func testEmitKeysInGaussianOrder() {
        let grid = TileGrid(width: 48, height: 32)  // 3 × 2 tiles
        var a = ProjectedSplat.culled
        a.radius = 1; a.depth = 2; a.tileMin = [1, 0]; a.tileMax = [3, 2]
        var b = ProjectedSplat.culled
        b.radius = 1; b.depth = 1; b.tileMin = [0, 1]; b.tileMax = [1, 2]
        let splats = [a, .culled, b]
        let (offsets, total) = TileSort.exclusiveScan(splats.map { UInt32($0.tilesTouched) })
        let (keys, values) = TileSort.emitKeys(splats, offsets: offsets, total: total, grid: grid)
        XCTAssertEqual(values, [0, 0, 0, 0, 2])
        XCTAssertEqual(keys.map { $0 >> 32 }, [1, 2, 4, 5, 3])
    }

    func testTileRectClampsToTheGrid() {
        let grid = TileGrid(width: 40, height: 20)  // 3 × 2 tiles
        let (lo, hi) = Preprocess.tileRect(center: [-30, 10], radius: 5, grid: grid)
        XCTAssertEqual(lo, SIMD2(0, 0))
        XCTAssertEqual(hi, SIMD2(0, 1))  // empty in x: off-screen splats die here
        let (lo2, hi2) = Preprocess.tileRect(center: [20, 10], radius: 100, grid: grid)
        XCTAssertEqual(lo2, SIMD2(0, 0))
        XCTAssertEqual(hi2, SIMD2(3, 2))
        XCTAssertEqual(grid.tileIndexBits, 3)
    }
}
