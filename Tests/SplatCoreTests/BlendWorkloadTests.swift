import XCTest
@testable import SplatCore

/// BlendWorkload on frames small enough to count by hand.
final class BlendWorkloadTests: XCTestCase {
    func splat(at mean: SIMD2<Float>, conic: SIMD3<Float>, opacity: Float) -> ProjectedSplat {
        ProjectedSplat(mean: mean, depth: 1, conic: conic, opacity: opacity, colour: SIMD3(1, 0, 0), radius: 8,
                       tileMin: .zero, tileMax: SIMD2(1, 1))
    }

    /// One small splat at pixel (3, 2): σ = ½ px (conic 4, 0, 4), opacity 0.9, so it reaches
    /// α = 1/255 out to q = 2·ln(229.5) ≈ 10.87, i.e. 1.65 px: the 3×3 pixels around it.
    func testOneSmallSplat() {
        let grid = TileGrid(width: 32, height: 16)  // two tiles, the splat in the first
        let w = BlendWorkload.count(splats: [splat(at: SIMD2(3, 2), conic: SIMD3(4, 0, 4), opacity: 0.9)],
                                    sortedValues: [0], ranges: [SIMD2(0, 1), SIMD2(1, 1)], grid: grid, lanes: 8, rows: 4)
        XCTAssertEqual(w.tiles, 2)
        XCTAssertEqual(w.occupiedTiles, 1)
        XCTAssertEqual(w.instances, 1)
        XCTAssertEqual([w.instancesPerTileMedian, w.instancesPerTileP90, w.instancesPerTileMax], [1, 1, 1])
        XCTAssertEqual(w.pixels, 512)
        XCTAssertEqual(w.saturatedPixels, 0)
        XCTAssertEqual(w.walked, 256, "every pixel of the first tile looks at the one splat")
        XCTAssertEqual(w.contributing, 9)
        XCTAssertEqual(w.fetched, 8, "each of the tile's eight 8×4 groups fetches it")
        XCTAssertEqual(w.blendedSteps, 1, "only the group of pixels x 0…7, y 0…3 is within its reach")
        XCTAssertEqual(w.laneEvaluations, 32)
        XCTAssertEqual([w.groups, w.batches, w.emptyBatches], [8, 8, 7], "seven groups fetch a batch that does not reach them")
    }

    /// Four wide splats of opacity 0.98 over one tile: each pixel composites two (T ≈ 4e-4 after
    /// them) and saturates at the third, so its groups stop after one batch of four.
    func testSaturation() {
        let wide = splat(at: SIMD2(8, 8), conic: SIMD3(1e-4, 0, 1e-4), opacity: 0.98)
        let w = BlendWorkload.count(splats: Array(repeating: wide, count: 4), sortedValues: [0, 1, 2, 3],
                                    ranges: [SIMD2(0, 4)], grid: TileGrid(width: 16, height: 16), lanes: 8, rows: 4)
        XCTAssertEqual(w.saturatedPixels, 256)
        XCTAssertEqual(w.walked, 3 * 256)
        XCTAssertEqual(w.contributing, 2 * 256)
        XCTAssertEqual(w.fetched, 8 * 4)
        XCTAssertEqual(w.blendedSteps, 8 * 4)
        XCTAssertEqual([w.groups, w.batches, w.emptyBatches], [8, 8, 0])
    }

    /// Pixels past the image's edge have no groups of their own; a partial group still fetches.
    func testImageEdge() {
        let grid = TileGrid(width: 10, height: 5)  // one tile, mostly outside the image
        let w = BlendWorkload.count(splats: [splat(at: SIMD2(1, 1), conic: SIMD3(1, 0, 1), opacity: 0.5)],
                                    sortedValues: [0], ranges: [SIMD2(0, 1)], grid: grid, lanes: 8, rows: 4)
        XCTAssertEqual(w.pixels, 50)
        XCTAssertEqual(w.walked, 50)
        XCTAssertEqual(w.fetched, 4, "groups at x 0 and 8, rows 0…3 and 4")
        XCTAssertEqual([w.groups, w.batches, w.emptyBatches], [4, 4, 2],
                       "σ 1 px, opacity ½ reaches q ≤ 2·ln 127.5 ≈ 9.7 (3.1 px): the groups at x 0 (row 4 is 3 px away), not those at x 8 (7 px)")
    }
}
