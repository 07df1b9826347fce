import XCTest
@testable import SplatCore
@testable import SplatGPU
import SplatTestSupport

/// `VulkanRasterizer.captureStages`: every stage buffer of one frame, checked for internal
/// consistency with exact values (each stage follows from the one before by its definition), and
/// the captured frame equal to the normal render byte for byte.
final class GPUStageCaptureTests: GPUTestCase {
    func testStaticSceneStagesAreConsistent() throws {
        // 320×240 = 300 tiles: the tile sort takes two digit passes and overwrites the emitted
        // keys, which the capture must have copied aside first.
        let camera = Fixtures.camera(width: 320, height: 240)
        let scene = try rasterizer.upload(Fixtures.randomCloud(count: 1500, degree: 1, seed: 23, camera: camera))
        let normal = try rasterizer.render(scene, camera: camera, settings: RenderSettings())
        let stages = try rasterizer.captureStages(scene, camera: camera, settings: RenderSettings())
        XCTAssertNil(stages.activeFlags)
        XCTAssertNil(stages.activeIndices)
        try assertConsistent(stages, camera: camera, gaussians: 1500)
        assertSameFrame(stages.frame, normal)
        XCTAssertGreaterThan(TileGrid(width: 320, height: 240).tileIndexBits, 8)
    }

    func testTimeVaryingSceneStagesAreConsistent() throws {
        let cloud = PerformanceGenerator.benchmarkBall4D(count: 3000, activeFraction: 0.3, seed: 5)
        let scene = try rasterizer.upload(cloud)
        let camera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -6], target: .zero, up: [0, -1, 0], fovY: 45, width: 96, height: 64))
        for t: Float in [0.5, 0.2] {
            let normal = try rasterizer.render(scene, time: t, camera: camera, settings: RenderSettings())
            let stages = try rasterizer.captureStages(scene, time: t, camera: camera, settings: RenderSettings())
            let flags = try XCTUnwrap(stages.activeFlags, "t = \(t)")
            let active = try XCTUnwrap(stages.activeIndices, "t = \(t)")
            XCTAssertEqual(flags.count, cloud.count)
            XCTAssertEqual(Set(flags), [0, 1], "t = \(t)")
            XCTAssertEqual(active, flags.indices.filter { flags[$0] == 1 }.map(UInt32.init), "t = \(t)")
            XCTAssertEqual(active.count, cloud.activeCount(at: t), "t = \(t): the CPU's count of active Gaussians")
            for i in stages.tileCounts.indices where stages.tileCounts[i] > 0 {
                XCTAssertEqual(flags[i], 1, "t = \(t): inactive Gaussian \(i) is visible")
            }
            try assertConsistent(stages, camera: camera, gaussians: cloud.count)
            assertSameFrame(stages.frame, normal)
        }
    }

    /// Keyframed scenes take the preprocess blend path; their stages follow the same rules.
    func testKeyframedSceneStagesAreConsistent() throws {
        let frames = PerformanceGenerator.dancerFrames(seed: 9, frameCount: 3, gaussiansPerLimb: 12)
        let cloud = TemporalCloud(keyframes: Keyframes(times: [0, 1, 2], frames: frames),
                                  metadata: SceneMetadata(timeRange: 0...2, timeUnit: "frames"))
        let scene = try rasterizer.upload(cloud)
        let camera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0], fovY: 50, width: 80, height: 80))
        let normal = try rasterizer.render(scene, time: 1.5, camera: camera, settings: RenderSettings())
        let stages = try rasterizer.captureStages(scene, time: 1.5, camera: camera, settings: RenderSettings())
        XCTAssertNil(stages.activeFlags)
        try assertConsistent(stages, camera: camera, gaussians: cloud.count)
        assertSameFrame(stages.frame, normal)
    }

    /// Each stage is what its definition makes of the stages before it.
    func assertConsistent(_ s: FrameStages, camera: Camera, gaussians n: Int,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let grid = TileGrid(width: camera.width, height: camera.height)
        XCTAssertEqual(s.splats.count, n, file: file, line: line)
        XCTAssertEqual(s.tileCounts.count, n, file: file, line: line)
        for i in 0..<n {
            if s.tileCounts[i] == 0 {
                XCTAssertEqual(s.splats[i], .culled, "Gaussian \(i)", file: file, line: line)
            } else {
                XCTAssertGreaterThan(s.splats[i].radius, 0, "Gaussian \(i)", file: file, line: line)
                XCTAssertLessThanOrEqual(Int(s.tileCounts[i]), s.splats[i].tilesTouched, "Gaussian \(i)", file: file, line: line)
            }
        }
        // Compaction: the visible Gaussians in index order.
        let visible = (0..<n).filter { s.tileCounts[$0] > 0 }.map(UInt32.init)
        XCTAssertFalse(visible.isEmpty, "the scene draws nothing", file: file, line: line)
        XCTAssertEqual(s.visibleIndices, visible, "visible indices", file: file, line: line)
        XCTAssertEqual(s.frame.statistics.visibleGaussians, visible.count, file: file, line: line)
        // Depth order: stable by depth (the float's bits: depths are positive).
        let byDepth = visible.sorted { (s.splats[Int($0)].depth.bitPattern, $0) < (s.splats[Int($1)].depth.bitPattern, $1) }
        XCTAssertEqual(s.depthOrder, byDepth, "depth order", file: file, line: line)
        // Counts in depth order and their exclusive scan.
        XCTAssertEqual(s.orderedCounts, s.depthOrder.map { s.tileCounts[Int($0)] }, "ordered counts", file: file, line: line)
        var running: UInt32 = 0
        var offsets: [UInt32] = []
        for c in s.orderedCounts { offsets.append(running); running += c }
        XCTAssertEqual(s.instanceOffsets, offsets, "instance offsets", file: file, line: line)
        let instances = Int(running)
        XCTAssertEqual(s.frame.statistics.tileInstances, instances, file: file, line: line)
        XCTAssertEqual(s.tileKeys.count, instances, file: file, line: line)
        XCTAssertEqual(s.values.count, instances, file: file, line: line)
        // Emission: each Gaussian's run holds its index, with tiles in row-major order inside its rectangle.
        for (k, g) in s.depthOrder.enumerated() {
            let run = Int(s.instanceOffsets[k])..<Int(s.instanceOffsets[k] + s.orderedCounts[k])
            XCTAssertEqual(Set(s.values[run]), [g], "values of Gaussian \(g)", file: file, line: line)
            let tiles = Array(s.tileKeys[run])
            XCTAssertEqual(tiles, tiles.sorted(), "tiles of Gaussian \(g)", file: file, line: line)
            XCTAssertEqual(Set(tiles).count, tiles.count, "tiles of Gaussian \(g)", file: file, line: line)
            let splat = s.splats[Int(g)]
            for tile in tiles {
                let x = Int32(Int(tile) % grid.tilesX), y = Int32(Int(tile) / grid.tilesX)
                XCTAssertTrue(x >= splat.tileMin.x && x < splat.tileMax.x && y >= splat.tileMin.y && y < splat.tileMax.y,
                              "Gaussian \(g) emits tile \(tile) outside its rectangle", file: file, line: line)
            }
        }
        // Tile sort: the stable sort of the emitted pairs by tile.
        let order = s.tileKeys.indices.sorted { (s.tileKeys[$0], $0) < (s.tileKeys[$1], $1) }
        XCTAssertEqual(s.sortedTileKeys, order.map { s.tileKeys[$0] }, "sorted tile keys", file: file, line: line)
        XCTAssertEqual(s.sortedValues, order.map { s.values[$0] }, "sorted values", file: file, line: line)
        // Ranges: each tile's run of the sorted keys, empty tiles (0, 0); together they cover every pair.
        XCTAssertEqual(s.ranges.count, grid.tileCount, file: file, line: line)
        var expected = [SIMD2<UInt32>](repeating: .zero, count: grid.tileCount)
        for (i, tile) in s.sortedTileKeys.enumerated() {
            if i == 0 || s.sortedTileKeys[i - 1] != tile { expected[Int(tile)].x = UInt32(i) }
            expected[Int(tile)].y = UInt32(i + 1)
        }
        XCTAssertEqual(s.ranges, expected, "ranges", file: file, line: line)
        XCTAssertEqual(s.ranges.reduce(0) { $0 + Int($1.y - $1.x) }, instances, file: file, line: line)
        // Tile triage: exactly the tiles with pairs, each once.
        XCTAssertEqual(s.blendTiles, Array(Set(s.sortedTileKeys)).sorted(), "tiles listed for the blend", file: file, line: line)
    }
}
