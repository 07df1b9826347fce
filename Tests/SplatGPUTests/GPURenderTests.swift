import XCTest
@testable import SplatCore
import SplatFormats
@testable import SplatGPU
import SplatTestSupport

/// End to end: VulkanRasterizer against ReferenceRasterizer (DESIGN.md §6): PSNR ≥ 50 dB on colour
/// and no channel of colour or alpha off by more than 2/255 (against the plain oracle: whole 3σ
/// rectangles, so GPU tile culling must not change a pixel); expected depth within 1e-3 relative;
/// statistics equal to the CPU twin with TileCulling.
final class GPURenderTests: GPUTestCase {
    static let maxDifference: Float = 2 / 255

    @discardableResult
    func compare(_ cloud: SplatCloud, camera: Camera, settings: RenderSettings = RenderSettings(), _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) throws -> (gpu: RenderedFrame, cpu: RenderedFrame) {
        let gpu = try rasterizer.render(cloud, camera: camera, settings: settings)
        let cpu = try ReferenceRasterizer().render(cloud, camera: camera, settings: settings)
        XCTAssertTrue(ImageMetrics.sameShape(gpu.colour, cpu.colour), "\(what): colour shape", file: file, line: line)
        XCTAssertTrue(ImageMetrics.sameShape(gpu.alpha, cpu.alpha), "\(what): alpha shape", file: file, line: line)
        guard ImageMetrics.sameShape(gpu.colour, cpu.colour), ImageMetrics.sameShape(gpu.alpha, cpu.alpha) else { return (gpu, cpu) }
        let psnr = ImageMetrics.psnr(gpu.colour, cpu.colour)
        let colourDiff = maxAbsDifference(gpu.colour, cpu.colour), alphaDiff = maxAbsDifference(gpu.alpha, cpu.alpha)
        XCTAssertGreaterThanOrEqual(psnr, 50, "\(what): PSNR", file: file, line: line)
        XCTAssertLessThanOrEqual(colourDiff, GPURenderTests.maxDifference, "\(what): colour max difference", file: file, line: line)
        XCTAssertLessThanOrEqual(alphaDiff, GPURenderTests.maxDifference, "\(what): alpha max difference", file: file, line: line)
        // The GPU sorts only the tiles a splat can draw into (TileCulling); the plain oracle sorts
        // whole rectangles, with the same pixels. Statistics come from the CPU twin with culling.
        let grid = TileGrid(width: camera.width, height: camera.height)
        let counts = TileSort.tileCounts(Preprocess.run(cloud, camera: camera, grid: grid, settings: settings), grid: grid, cullTiles: true)
        XCTAssertEqual(gpu.statistics, FrameStatistics(gaussians: cloud.count, visibleGaussians: counts.filter { $0 > 0 }.count,
                                                       tileInstances: counts.reduce(0) { $0 + Int($1) }),
                       "\(what): statistics", file: file, line: line)
        XCTAssertLessThanOrEqual(gpu.statistics.tileInstances, cpu.statistics.tileInstances, "\(what): culled instances", file: file, line: line)
        let depthDiff = maxAbsDifference(gpu.depth, cpu.depth)
        // Expected depth Σdᵢwᵢ/Σwᵢ: the same weights, so relative agreement like the colour's.
        let badDepth = gpu.depth.pixels.indices.filter {
            !(abs(gpu.depth.pixels[$0] - cpu.depth.pixels[$0]) <= 1e-3 * (1 + abs(cpu.depth.pixels[$0])))
        }
        XCTAssertTrue(badDepth.isEmpty, "\(what): expected depth differs at \(badDepth.count) pixels, first \(badDepth.first ?? 0): "
                      + "GPU \(badDepth.first.map { gpu.depth.pixels[$0] } ?? 0), CPU \(badDepth.first.map { cpu.depth.pixels[$0] } ?? 0)",
                      file: file, line: line)
        print("render \(what) \(camera.width)×\(camera.height): PSNR \(psnr) dB, max |Δ| colour \(colourDiff * 255)/255, "
              + "alpha \(alphaDiff * 255)/255, depth \(depthDiff); \(cpu.statistics)")
        return (gpu, cpu)
    }

    func testSHDegrees() throws {
        for degree in 0...3 {
            let camera = Fixtures.camera(width: 64, height: 48)
            let cloud = Fixtures.randomCloud(count: 800, degree: degree, seed: UInt64(100 + degree), camera: camera,
                                             mix: [.ordinary])
            try compare(cloud, camera: camera, "SH degree \(degree)")
        }
    }

    /// Every edge case mixed in (behind, crossing the near plane, off-screen, huge, tiny, needles).
    func testMixedEdgeCases() throws {
        let camera = Fixtures.camera(width: 97, height: 61)
        try compare(Fixtures.randomCloud(count: 1500, degree: 3, seed: 111, camera: camera), camera: camera, "mixed")
    }

    /// Hundreds of Gaussians stacked over one pixel, faint enough that most of them blend, some
    /// at equal depths; then opaque ones, so that the early stop decides.
    func testDenseOverlap() throws {
        let camera = Fixtures.axisCamera(width: 33, height: 29, focal: 30)
        var rng = SplitMix64(seed: 5)
        for (opacity, label) in [(Float(0.03), "faint"), (0.6, "opaque")] {
            var b = SplatCloudBuilder(degree: 1)
            for i in 0..<400 {
                let z: Float = i % 4 == 0 ? 2 : rng.uniform(1, 6)
                b.add([rng.uniform(-0.02, 0.02) * z, rng.uniform(-0.02, 0.02) * z, z],
                      scale: SIMD3(rng.uniform(0.02, 0.2), rng.uniform(0.02, 0.2), rng.uniform(0.02, 0.2)),
                      opacity: opacity * rng.uniform(0.5, 1), colour: [rng.unit(), rng.unit(), rng.unit()],
                      rotation: rng.rotation(), higherOrder: [[0.1, -0.2, 0.3], [0, 0.2, 0], [-0.3, 0, 0.1]])
            }
            try compare(b.cloud, camera: camera, "dense overlap, \(label)")
        }
    }

    func testNearPlaneCrossing() throws {
        let camera = Fixtures.camera(width: 64, height: 48)
        let cloud = Fixtures.randomCloud(count: 600, degree: 0, seed: 121, camera: camera,
                                         mix: [.crossingNearPlane, .crossingNearPlane, .ordinary])
        try compare(cloud, camera: camera, "near plane")
    }

    func testOffScreenAndHuge() throws {
        let camera = Fixtures.camera(width: 64, height: 48)
        let cloud = Fixtures.randomCloud(count: 400, degree: 2, seed: 131, camera: camera, mix: [.offScreen, .huge, .ordinary])
        try compare(cloud, camera: camera, "off-screen and huge")
    }

    func testEmptyScene() throws {
        for background in [SIMD3<Float>(0, 0, 0), SIMD3(0.2, 0.5, 1)] {
            let camera = Fixtures.camera(width: 37, height: 21)
            let (gpu, _) = try compare(.empty, camera: camera, settings: RenderSettings(background: background), "empty")
            XCTAssertEqual(gpu.colour.pixels, (0..<(37 * 21)).flatMap { _ in [background.x, background.y, background.z] })
            XCTAssertEqual(gpu.alpha.pixels.max(), 0)
        }
        // Nothing visible (all behind the camera) takes the same path with zero instances.
        let camera = Fixtures.camera(width: 20, height: 20)
        let cloud = Fixtures.randomCloud(count: 100, degree: 0, seed: 141, camera: camera, mix: [.behindCamera])
        try compare(cloud, camera: camera, settings: RenderSettings(background: [1, 0, 0]), "all culled")
    }

    /// Image sizes that are not multiples of the tile size (partial tiles on the right and bottom).
    func testOddImageSizes() throws {
        for (w, h) in [(97, 61), (1, 1), (17, 300), (300, 17), (15, 16)] {
            let camera = Fixtures.camera(width: w, height: h)
            let cloud = Fixtures.randomCloud(count: 500, degree: 1, seed: UInt64(w * 1000 + h), camera: camera,
                                             mix: [.ordinary, .ordinary, .huge])
            try compare(cloud, camera: camera, "\(w)×\(h)")
        }
    }

    func testAntialiased() throws {
        let camera = Fixtures.camera(width: 64, height: 48)
        let cloud = Fixtures.randomCloud(count: 800, degree: 1, seed: 151, camera: camera)
        try compare(cloud, camera: camera, settings: RenderSettings(antialiased: true), "antialiased")
    }

    /// The blend runs only over the tiles the triage lists; every other tile gets the background
    /// from the triage, also a tile that held splats the frame before (no stale pixels).
    func testTilesThatEmptyShowTheBackgroundNextFrame() throws {
        let camera = Fixtures.camera(width: 64, height: 48)
        let settings = RenderSettings(background: [0.25, 0.5, 1])
        let covered = try compare(Fixtures.randomCloud(count: 600, degree: 1, seed: 171, camera: camera, mix: [.ordinary, .huge]),
                                  camera: camera, settings: settings, "covering")
        XCTAssertGreaterThan(covered.gpu.alpha.pixels.filter { $0 > 0.5 }.count, 64 * 48 / 2, "most pixels covered first")
        // Then one splat in the top-left tile only: the other tiles held splats and now hold none.
        var b = SplatCloudBuilder(degree: 0)
        let z: Float = 3  // view space at pixel (4, 4): mean = f·x/z + c − ½
        let view = SIMD3((4.5 - camera.cx) * z / camera.fx, (4.5 - camera.cy) * z / camera.fy, z)
        let corner = camera.rotation.transposed * view + camera.position
        b.add(corner, scale: [0.01, 0.01, 0.01], opacity: 0.9, colour: [1, 0, 0])
        let (gpu, _) = try compare(b.cloud, camera: camera, settings: settings, "one corner splat")
        for y in 16..<48 {
            for x in 16..<64 {
                let p = y * 64 + x
                XCTAssertEqual(Array(gpu.colour.pixels[3 * p..<3 * p + 3]), [0.25, 0.5, 1], "pixel (\(x), \(y))")
                XCTAssertEqual(gpu.alpha.pixels[p], 0, "alpha at (\(x), \(y))")
                XCTAssertEqual(gpu.depth.pixels[p], 0, "depth at (\(x), \(y))")
            }
        }
        XCTAssertGreaterThan(gpu.alpha.pixels[4 * 64 + 4], 0.5, "the corner splat is drawn")
    }

    func testBackground() throws {
        let camera = Fixtures.camera(width: 64, height: 48)
        let cloud = Fixtures.randomCloud(count: 600, degree: 2, seed: 161, camera: camera)
        try compare(cloud, camera: camera, settings: RenderSettings(background: [0.25, 0.5, 1]), "background")
    }

    func testBundledSyntheticScene() throws {
        let cloud = try SceneLoader.load(path: TestPaths.scene("synthetic.ply")).cloud
        let camera = Camera.framing(cloud, width: 200, height: 150)
        try compare(cloud, camera: camera, "synthetic.ply")
    }

    /// 113 648 Gaussians at 512×512 (the CPU reference takes ~24 s of this suite in a debug build).
    func testBundledPlantScene() throws {
        let cloud = try SceneLoader.load(path: TestPaths.scene("plant.splat")).cloud
        let camera = try XCTUnwrap(CameraFile.load(path: TestPaths.scene("plant.cameras.json")).first)
        XCTAssertEqual(camera.width, 512)
        try compare(cloud, camera: camera, "plant.splat")
    }

    /// The same frame twice (and on a fresh upload) gives identical floats.
    func testDeterminism() throws {
        let camera = Fixtures.camera(width: 64, height: 48)
        let cloud = Fixtures.randomCloud(count: 1500, degree: 3, seed: 171, camera: camera)
        let scene = try rasterizer.upload(cloud)
        let a = try rasterizer.render(scene, camera: camera, settings: RenderSettings())
        let b = try rasterizer.render(scene, camera: camera, settings: RenderSettings())
        let c = try rasterizer.render(cloud, camera: camera, settings: RenderSettings())
        XCTAssertEqual(a.colour.pixels, b.colour.pixels)
        XCTAssertEqual(a.alpha.pixels, b.alpha.pixels)
        XCTAssertEqual(a.depth.pixels, b.depth.pixels)
        XCTAssertEqual(a.colour.pixels, c.colour.pixels)
    }
}
