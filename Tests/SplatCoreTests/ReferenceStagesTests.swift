import XCTest
@testable import SplatCore
import SplatTestSupport

/// Each GPU-shaped stage of the CPU reference on small hand-made inputs, with exact outputs.
final class ReferenceStagesTests: XCTestCase {
    /// A polynomial cloud of still Gaussians at the origin with the given peak opacities, time
    /// centres and time scales.
    private func stillCloud(opacities: [Float], centers: [Float], timeScales: [Float], cutoff: Float = 0) -> TemporalCloud {
        let n = opacities.count
        let zero3 = [SIMD3<Float>](repeating: .zero, count: n)
        return TemporalCloud(positions: .init(repeating: [0, 0, 2], count: n), scales: .init(repeating: [0.1, 0.1, 0.1], count: n),
                             rotations: .init(repeating: [1, 0, 0, 0], count: n), opacities: opacities, shDegree: 0,
                             sh: .init(repeating: 0, count: n * 3),
                             motion: .init(timeCenters: centers, velocities: zero3, accelerations: zero3, jerks: zero3,
                                           angularVelocities: .init(repeating: .zero, count: n), timeScales: timeScales,
                                           falloffCutoff: cutoff))
    }

    func testActiveFlagsAtTheEdgeOfTheVisibleWindow() {
        let edge: Float = 1 / 255
        // No falloff (time scale ∞): α(t) is the peak opacity, active exactly from 1/255 up.
        let scene = stillCloud(opacities: [edge, edge.nextDown, 0.9, 0.9], centers: [0, 0, 0, 10],
                               timeScales: [.infinity, .infinity, .infinity, 1])
        XCTAssertEqual(ReferenceStages.activeFlags(scene, time: 0), [1, 0, 1, 0])
        XCTAssertEqual(ReferenceStages.compact(ReferenceStages.activeFlags(scene, time: 0)), [0, 2])
        // Peak 1 with time scale 1: α(t) = exp(−t²) ≥ 1/255 while t² ≤ ln 255.
        let fading = stillCloud(opacities: [1], centers: [0], timeScales: [1])
        let reach = log(Float(255)).squareRoot()
        XCTAssertEqual(ReferenceStages.activeFlags(fading, time: reach * 0.999), [1])
        XCTAssertEqual(ReferenceStages.activeFlags(fading, time: reach * 1.001), [0])
        // A factor at the cut-off drops the Gaussian even when α(t) is large.
        let cut = stillCloud(opacities: [1, 1], centers: [0, 0], timeScales: [.infinity, 1], cutoff: exp(-0.25))
        XCTAssertEqual(ReferenceStages.activeFlags(cut, time: 0.5), [1, 0])
        XCTAssertEqual(ReferenceStages.activeFlags(cut, time: 0.4), [1, 1])
    }

    func testCompactionKeepsIndexOrder() {
        XCTAssertEqual(ReferenceStages.compact([]), [])
        XCTAssertEqual(ReferenceStages.compact([0, 7, 0, 1, 1]), [1, 3, 4])
        XCTAssertEqual(ReferenceStages.visibleIndices(tileCounts: [0, 3, 0, 1]), [1, 3])
    }

    func testPreprocessOfActiveGaussiansKeepsTheSceneIndices() {
        let scene = stillCloud(opacities: [0.8, 0.8, 0.8], centers: [0, 5, 0], timeScales: [1, 1, 1])
        let camera = Fixtures.axisCamera(width: 32, height: 32, focal: 32)
        let active = ReferenceStages.compact(ReferenceStages.activeFlags(scene, time: 0))
        XCTAssertEqual(active, [0, 2])
        let splats = ReferenceStages.preprocess(scene, time: 0, activeIndices: active, camera: camera, settings: RenderSettings())
        XCTAssertEqual(splats.count, 3)
        XCTAssertEqual(splats[1], .culled)
        let grid = TileGrid(width: 32, height: 32)
        let slice = scene.slice(at: 0)
        XCTAssertEqual(splats[0], Preprocess.project(slice, index: 0, camera: camera, grid: grid, settings: RenderSettings()))
        XCTAssertEqual(splats[2], Preprocess.project(slice, index: 1, camera: camera, grid: grid, settings: RenderSettings()))
        XCTAssertGreaterThan(splats[0].radius, 0)
    }

    /// A splat of σ = 1 px at (8, 8) (inside tile 0) whose rectangle spans 2 × 2 tiles.
    private func smallSplat(opacity: Float = 1) -> ProjectedSplat {
        ProjectedSplat(mean: [8, 8], depth: 1, conic: [1, 0, 1], opacity: opacity, colour: [1, 0, 0], radius: 3,
                       tileMin: [0, 0], tileMax: [2, 2])
    }

    func testTileCountsPlainAndOpacityAware() {
        let grid = TileGrid(width: 32, height: 32)
        let splats = [smallSplat(), .culled, smallSplat(opacity: 0.5)]
        XCTAssertEqual(ReferenceStages.tileCounts(splats, grid: grid, cullTiles: false), [4, 0, 4])
        // The next tile starts 8 px from the mean: q = 64 > 2·ln(255), so only tile 0 is kept.
        XCTAssertEqual(ReferenceStages.tileCounts(splats, grid: grid), [1, 0, 1])
        // A splat too faint to reach 1/255 anywhere emits no tile at all.
        XCTAssertEqual(ReferenceStages.tileCounts([smallSplat(opacity: 0.5 / 255)], grid: grid), [0])
    }

    func testDepthOrderIsStable() {
        var splats = [ProjectedSplat](repeating: smallSplat(), count: 5)
        for (i, depth) in [Float(2), 1, 2, 0.5, 1].enumerated() { splats[i].depth = depth }
        XCTAssertEqual(ReferenceStages.depthOrder(visibleIndices: [0, 1, 2, 3, 4], splats: splats), [3, 1, 4, 0, 2])
        XCTAssertEqual(ReferenceStages.depthOrder(visibleIndices: [0, 2, 4], splats: splats), [4, 0, 2])
        XCTAssertEqual(ReferenceStages.depthOrder(visibleIndices: [], splats: splats), [])
        // Depths far apart need all the key bits.
        splats[0].depth = 1e6
        splats[1].depth = 0.25
        XCTAssertEqual(ReferenceStages.depthOrder(visibleIndices: [0, 1], splats: splats), [1, 0])
    }

    func testOrderedCountsAndTheirScan() {
        let ordered = ReferenceStages.orderedCounts(tileCounts: [3, 0, 2, 5], depthOrder: [3, 0, 2])
        XCTAssertEqual(ordered, [5, 3, 2])
        let (offsets, total) = ReferenceStages.exclusiveScan(ordered)
        XCTAssertEqual(offsets, [0, 5, 8])
        XCTAssertEqual(total, 10)
        XCTAssertEqual(ReferenceStages.exclusiveScan([]).total, 0)
    }

    func testKeyEmissionFollowsDepthOrder() {
        let grid = TileGrid(width: 48, height: 32)  // 3 × 2 tiles
        var far = ProjectedSplat.culled
        far.radius = 1; far.depth = 2; far.tileMin = [1, 0]; far.tileMax = [3, 2]
        var near = ProjectedSplat.culled
        near.radius = 1; near.depth = 1; near.tileMin = [0, 1]; near.tileMax = [1, 2]
        let splats = [far, .culled, near]
        let counts = ReferenceStages.tileCounts(splats, grid: grid, cullTiles: false)
        let order = ReferenceStages.depthOrder(visibleIndices: ReferenceStages.visibleIndices(tileCounts: counts), splats: splats)
        XCTAssertEqual(order, [2, 0])
        let (offsets, total) = ReferenceStages.exclusiveScan(ReferenceStages.orderedCounts(tileCounts: counts, depthOrder: order))
        XCTAssertEqual(offsets, [0, 1])
        let keys = ReferenceStages.emitKeys(splats: splats, depthOrder: order, offsets: offsets, total: total, grid: grid,
                                            cullTiles: false)
        XCTAssertEqual(keys.tileKeys, [3, 1, 2, 4, 5])
        XCTAssertEqual(keys.values, [2, 0, 0, 0, 0])
    }

    func testTileSortIsStableOverEveryTileBit() {
        let small = TileGrid(width: 48, height: 16)  // 3 tiles
        let sorted = ReferenceStages.sortByTile(tileKeys: [2, 0, 2, 1, 0], values: [10, 11, 12, 13, 14], grid: small)
        XCTAssertEqual(sorted.tileKeys, [0, 0, 1, 2, 2])
        XCTAssertEqual(sorted.values, [11, 14, 13, 10, 12])
        let large = TileGrid(width: 1024, height: 1024)  // 4096 tiles: a second 8-bit digit
        let wide = ReferenceStages.sortByTile(tileKeys: [4095, 256, 255, 256], values: [0, 1, 2, 3], grid: large)
        XCTAssertEqual(wide.tileKeys, [255, 256, 256, 4095])
        XCTAssertEqual(wide.values, [2, 1, 3, 0])
    }

    func testTileRanges() {
        XCTAssertEqual(ReferenceStages.tileRanges(sortedTileKeys: [0, 0, 2, 3, 3], tileCount: 5),
                       [[0, 2], [0, 0], [2, 3], [3, 5], [0, 0]])
        XCTAssertEqual(ReferenceStages.tileRanges(sortedTileKeys: [], tileCount: 2), [[0, 0], [0, 0]])
    }

    func testBlendOfOneSplat() {
        let grid = TileGrid(width: 16, height: 16)
        let splat = smallSplat(opacity: 0.5)
        let background: SIMD3<Float> = [0, 0, 1]
        let image = ReferenceStages.blend(splats: [splat], sortedValues: [0], ranges: [[0, 1]], grid: grid,
                                          background: background)
        let centre = 8 * 16 + 8
        // At the mean power = 0: α = 0.5 over a blue background.
        XCTAssertEqual(Array(image.colour.pixels[centre * 3..<centre * 3 + 3]), [0.5, 0, 0.5])
        XCTAssertEqual(image.alpha.pixels[centre], 0.5)
        XCTAssertEqual(image.depth.pixels[centre], 1)
        // 8 px away α = 0.5·e^−32 < 1/255: the background alone.
        XCTAssertEqual(Array(image.colour.pixels[0..<3]), [0, 0, 1])
        XCTAssertEqual(image.alpha.pixels[0], 0)
        // An empty range leaves the tile to the background.
        let empty = ReferenceStages.blend(splats: [splat], sortedValues: [0], ranges: [[0, 0]], grid: grid,
                                          background: background)
        XCTAssertEqual(Array(empty.colour.pixels[centre * 3..<centre * 3 + 3]), [0, 0, 1])
    }
}

/// `ReferenceStages.run` against the renderer and the literal 64-bit key order of DESIGN.md §3.
final class ReferenceStagesFrameTests: XCTestCase {
    private let camera = Camera.lookAt(eye: [0.3, -0.2, -4], target: .zero, up: [0, -1, 0], fovY: 45, width: 131, height: 77)!

    func testRunDrawsTheRasterizersImageByteForByte() throws {
        let cloud = SceneGenerator.benchmarkBall(count: 2000, seed: 4, shDegree: 1)
        for cullTiles in [false, true] {
            let stages = ReferenceStages.run(scene: TemporalCloud(static: cloud), time: 0, camera: camera,
                                             settings: RenderSettings(), cullTiles: cullTiles)
            let frame = try ReferenceRasterizer(cullTiles: cullTiles).render(cloud, camera: camera, settings: RenderSettings())
            XCTAssertNil(stages.activeFlags)
            XCTAssertEqual(stages.frame.colour.pixels, frame.colour.pixels)
            XCTAssertEqual(stages.frame.alpha.pixels, frame.alpha.pixels)
            XCTAssertEqual(stages.frame.depth.pixels, frame.depth.pixels)
            XCTAssertEqual(stages.frame.statistics, frame.statistics)
            XCTAssertGreaterThan(frame.statistics.tileInstances, 0)
        }
    }

    func testRunOfAPerformanceDrawsItsSlice() throws {
        let scene = PerformanceGenerator.dancer()
        let dancerCamera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0], fovY: 50,
                                                       width: 96, height: 80))
        for t: Float in [0, 0.37, 1] {
            let stages = ReferenceStages.run(scene: scene, time: t, camera: dancerCamera, settings: RenderSettings())
            let flags = try XCTUnwrap(stages.activeFlags)
            XCTAssertEqual(flags.count, scene.count)
            XCTAssertEqual(stages.activeIndices?.count, scene.activeCount(at: t))
            XCTAssertEqual(stages.splats.count, scene.count)
            // Inactive Gaussians keep their slot, culled, and are never visible.
            for i in flags.indices where flags[i] == 0 { XCTAssertEqual(stages.tileCounts[i], 0) }
            let frame = try ReferenceRasterizer(cullTiles: true).render(scene.slice(at: t), camera: dancerCamera,
                                                                        settings: RenderSettings())
            XCTAssertEqual(stages.frame.colour.pixels, frame.colour.pixels, "t = \(t)")
            XCTAssertEqual(stages.frame.alpha.pixels, frame.alpha.pixels, "t = \(t)")
            XCTAssertEqual(stages.frame.statistics.visibleGaussians, frame.statistics.visibleGaussians)
            XCTAssertEqual(stages.frame.statistics.tileInstances, frame.statistics.tileInstances)
        }
    }

    func testRunOfKeyframesBlendsThemAsTheSliceDoes() throws {
        let frames = PerformanceGenerator.dancerFrames(frameCount: 3)
        let scene = TemporalCloud(keyframes: Keyframes(times: [0, 1, 2], frames: frames), metadata: SceneMetadata())
        let stages = ReferenceStages.run(scene: scene, time: 1.4, camera: camera, settings: RenderSettings())
        XCTAssertNil(stages.activeFlags)
        let frame = try ReferenceRasterizer().render(scene.slice(at: 1.4), camera: camera, settings: RenderSettings())
        XCTAssertEqual(stages.frame.colour.pixels, frame.colour.pixels)
    }

    /// Depth order, then emission in depth order, then a stable tile sort: the same pairs in the
    /// same order as one stable sort of the (tile << 32 | depth bits) keys emitted in index order.
    func testStagesGiveTheOrderOfTheDesignsSortKey() {
        let cloud = SceneGenerator.benchmarkBall(count: 1500, seed: 8, shDegree: 0)
        let stages = ReferenceStages.run(cloud, camera: camera, settings: RenderSettings())
        let grid = TileGrid(width: camera.width, height: camera.height)
        let (offsets, total) = TileSort.exclusiveScan(stages.tileCounts)
        var (keys, values) = TileSort.emitKeys(stages.splats, offsets: offsets, total: total, grid: grid, cullTiles: true)
        TileSort.radixSort(keys: &keys, values: &values, keyBits: 32 + grid.tileIndexBits)
        XCTAssertEqual(stages.sortedValues, values)
        XCTAssertEqual(stages.sortedTileKeys, keys.map { UInt32($0 >> 32) })
        XCTAssertEqual(stages.ranges.map { Int($0.x)..<Int($0.y) }.filter { !$0.isEmpty },
                       TileSort.tileRanges(sortedKeys: keys, tileCount: grid.tileCount).filter { !$0.isEmpty })
        XCTAssertEqual(stages.instanceOffsets.count, stages.depthOrder.count)
        XCTAssertEqual(Set(stages.depthOrder), Set(stages.visibleIndices))
    }
}
