import XCTest
@testable import SplatCore
@testable import SplatGPU
import SplatTestSupport

/// Keys, sort and ranges: after a VulkanRasterizer frame, the per-tile order of Gaussians in its
/// FrameBuffers equals the CPU pipeline's (TileSort.tileCounts + exclusiveScan + emitKeys +
/// radixSort + tileRanges, with TileCulling as the GPU does), exactly.
final class GPUTileOrderTests: GPUTestCase {
    struct CPUTileOrder {
        var counts: [UInt32]
        var keys: [UInt64]
        var values: [UInt32]
        var ranges: [Range<Int>]
    }

    func cpuTileOrder(_ splats: [ProjectedSplat], grid: TileGrid) -> CPUTileOrder {
        // The GPU emits only the tiles TileCulling keeps.
        let counts = TileSort.tileCounts(splats, grid: grid, cullTiles: true)
        let (offsets, total) = TileSort.exclusiveScan(counts)
        var (keys, values) = TileSort.emitKeys(splats, offsets: offsets, total: total, grid: grid, cullTiles: true)
        TileSort.radixSort(keys: &keys, values: &values, keyBits: 32 + grid.tileIndexBits)
        return CPUTileOrder(counts: counts, keys: keys, values: values,
                            ranges: TileSort.tileRanges(sortedKeys: keys, tileCount: grid.tileCount))
    }

    /// Both ways of storing the pairs (TileKeyPacking): packed keys, which these small scenes
    /// take, and two words, which frames too large to pack take; each must give the CPU's order,
    /// and the two the same image.
    func check(_ cloud: SplatCloud, camera: Camera, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        defer { rasterizer.packsTileKeys = true }
        var images: [Image] = []
        for packs in [true, false] {
            rasterizer.packsTileKeys = packs
            let how = packs ? "packed keys" : "two words"
            images.append(try check(cloud, camera: camera, "\(what), \(how)", file: file, line: line).frame.colour)
            XCTAssertEqual(rasterizer.lastTilePacking.isPacked, packs, "\(what), \(how)", file: file, line: line)
        }
        XCTAssertEqual(images[0], images[1], "\(what): packed keys and two words draw different images", file: file, line: line)
    }

    @discardableResult
    func check(_ cloud: SplatCloud, camera: Camera, _ what: String, file: StaticString, line: UInt) throws -> FrameStages {
        let grid = TileGrid(width: camera.width, height: camera.height)
        let gpu = try rasterizer.captureStages(cloud, camera: camera, settings: RenderSettings())
        let frame = gpu.frame

        // Stage parity: the CPU stages on the GPU's own preprocess output.
        let gpuSplats = gpu.splats
        let fromGPU = cpuTileOrder(gpuSplats, grid: grid)
        XCTAssertEqual(frame.statistics.tileInstances, fromGPU.keys.count, "\(what): instances", file: file, line: line)
        XCTAssertEqual(frame.statistics.visibleGaussians, fromGPU.counts.filter { $0 > 0 }.count, "\(what): visible", file: file, line: line)
        XCTAssertEqual(gpu.tileCounts, fromGPU.counts, "\(what): tile counts", file: file, line: line)

        // Depth order: visible Gaussians by (depth bits, index).
        let visible = gpuSplats.indices.filter { gpuSplats[$0].radius > 0 }
        let depthOrder = visible.sorted { (gpuSplats[$0].depth.bitPattern, $0) < (gpuSplats[$1].depth.bitPattern, $1) }
        XCTAssertEqual(gpu.depthOrder, depthOrder.map(UInt32.init), "\(what): depth order", file: file, line: line)

        XCTAssertEqual(gpu.sortedTileKeys, fromGPU.keys.map { UInt32($0 >> 32) }, "\(what): sorted tile keys", file: file, line: line)
        XCTAssertEqual(gpu.sortedValues, fromGPU.values, "\(what): sorted values", file: file, line: line)
        var rangeFailures = 0
        for tile in 0..<grid.tileCount {
            let r = gpu.ranges[tile], want = fromGPU.ranges[tile]
            // Empty tiles are 0..<0 in both (the GPU buffer starts zeroed).
            if Int(r.x) != want.lowerBound || Int(r.y) != want.upperBound {
                rangeFailures += 1
                if rangeFailures <= 5 { XCTFail("\(what): tile \(tile) range GPU \(r.x)..<\(r.y), CPU \(want)", file: file, line: line) }
            } else if !want.isEmpty, Array(gpu.sortedValues[want]) != Array(fromGPU.values[want]) {
                XCTFail("\(what): tile \(tile) order differs", file: file, line: line)
            }
        }

        // End to end: the CPU pipeline from the CPU preprocess gives the same per-tile order (the
        // preprocess is bit-exact on this device; see GPUPreprocessTests).
        let cpuSplats = Preprocess.run(cloud, camera: camera, grid: grid, settings: RenderSettings())
        let fromCPU = cpuTileOrder(cpuSplats, grid: grid)
        XCTAssertEqual(gpu.sortedValues, fromCPU.values, "\(what): values vs the CPU pipeline", file: file, line: line)
        XCTAssertEqual(gpu.sortedTileKeys, fromCPU.keys.map { UInt32($0 >> 32) }, "\(what): tiles vs the CPU pipeline", file: file, line: line)
        XCTAssertGreaterThan(fromGPU.keys.count, 0, "\(what): the scene draws nothing", file: file, line: line)
        return gpu
    }

    func testRandomClouds() throws {
        for degree in [0, 3] {
            let camera = Fixtures.camera(width: 97, height: 61)
            try check(Fixtures.randomCloud(count: 2000, degree: degree, seed: UInt64(50 + degree), camera: camera),
                      camera: camera, "random, degree \(degree)")
        }
    }

    /// Many equal depths: ties must keep Gaussian index order in every tile.
    func testEqualDepthsKeepIndexOrder() throws {
        let camera = Fixtures.axisCamera(width: 70, height: 45, focal: 40)
        var rng = SplitMix64(seed: 3)
        var b = SplatCloudBuilder(degree: 0)
        for i in 0..<1200 {
            let z: Float = [2, 3, 4][i % 3]
            b.add([rng.uniform(-1, 1) * z * 0.8, rng.uniform(-1, 1) * z * 0.5, z],
                  scale: SIMD3(repeating: rng.uniform(0.01, 0.3)), opacity: 0.5, colour: [0.5, 0.5, 0.5])
        }
        try check(b.cloud, camera: camera, "equal depths")
    }

    /// More than 256 tiles: the tile index needs 9 bits, two sort passes (the result lands in the
    /// primary buffers; with ≤ 256 tiles, one pass, it lands in the alternates).
    func testManyTiles() throws {
        let camera = Fixtures.camera(width: 320, height: 240)
        XCTAssertEqual(TileGrid(width: 320, height: 240).tileIndexBits, 9)
        try check(Fixtures.randomCloud(count: 1500, degree: 0, seed: 61, camera: camera), camera: camera, "320×240")
    }

    /// Rects of more than KEPT_TILE_MASK_TILES tiles, whose keys emit_wide_keys emits with a whole
    /// subgroup: rects wider than its eight lanes (a row takes several ballots), rects narrower
    /// (a ballot spans rows; near the image's edge), and needles and tilted ellipses, whose square
    /// rects hold many tiles the tile test drops (gaps in the ballots), among small splats that
    /// keep preprocess's mask.
    func testWideRects() throws {
        let camera = Fixtures.axisCamera(width: 320, height: 240, focal: 200)
        var rng = SplitMix64(seed: 83)
        var b = SplatCloudBuilder(degree: 0)
        for i in 0..<600 {
            let z = rng.uniform(2, 6)
            let position: SIMD3<Float> = [rng.uniform(-1.2, 1.2) * z, rng.uniform(-0.9, 0.9) * z, z]  // the frustum test keeps |x| < 1.25 z
            let colour: SIMD3<Float> = [rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 1)]
            let angle = rng.uniform(0, .pi)
            let tilt: SIMD4<Float> = [cos(angle / 2), 0, 0, sin(angle / 2)]  // about the view axis
            switch i % 6 {
            case 0: b.add(position, scale: SIMD3(repeating: rng.uniform(0.06, 0.15) * z), opacity: 0.9, colour: colour)  // round, wide
            case 1: b.add(position, scale: [0.001 * z, 0.12 * z, 0.001], opacity: 0.8, colour: colour)                  // vertical needle
            case 2: b.add(position, scale: [0.12 * z, 0.001 * z, 0.001], opacity: 0.8, colour: colour)                  // horizontal needle
            case 3: b.add(position, scale: [0.12 * z, 0.004 * z, 0.001], opacity: 0.7, colour: colour, rotation: tilt)  // tilted
            default: b.add(position, scale: SIMD3(repeating: rng.uniform(0.001, 0.004) * z), opacity: 0.6, colour: colour)
            }
        }
        try check(b.cloud, camera: camera, "wide rects")
        let stages = try rasterizer.captureStages(b.cloud, camera: camera, settings: RenderSettings())
        let visible = stages.splats.indices.filter { stages.tileCounts[$0] > 0 }
        let width = { (i: Int) in Int(stages.splats[i].tileMax.x - stages.splats[i].tileMin.x) }
        let area = { (i: Int) in width(i) * Int(stages.splats[i].tileMax.y - stages.splats[i].tileMin.y) }
        let wide = visible.filter { area($0) > ShaderContract.KEPT_TILE_MASK_TILES }
        XCTAssertGreaterThan(wide.count, 150, "the scene must exercise the wide-rect emission")
        XCTAssertGreaterThan(visible.count - wide.count, 100, "and the kept-mask emission beside it")
        XCTAssert(wide.contains { width($0) > 8 }, "a wide rect wider than a subgroup")
        XCTAssert(wide.contains { width($0) < 8 }, "a wide rect narrower than a subgroup")
        XCTAssert(wide.contains { Int(stages.tileCounts[$0]) < area($0) / 2 }, "a rect whose tile test drops most of its tiles")
    }

    /// One tile: zero tile-index bits beyond the minimum, the whole image in one range.
    func testSingleTile() throws {
        let camera = Fixtures.camera(width: 16, height: 16)
        try check(Fixtures.randomCloud(count: 400, degree: 1, seed: 71, camera: camera), camera: camera, "16×16")
    }
}
