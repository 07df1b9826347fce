import XCTest
@testable import SplatCore
@testable import SplatGPU
import SplatTestSupport

/// Stage parity of preprocess, shared by the preprocess and chunking tests.
extension GPUTestCase {
    struct PreprocessComparison {
        var visible = 0, culled = 0
        /// Gaussians whose radius differs by one (a float tie in ceil(3·sqrt(λ)) between the two
        /// implementations); their tile rectangles may then differ too.
        var radiusTies = 0
        var worst: [String: Double] = [:]
        mutating func note(_ what: String, _ value: Double) { worst[what] = max(worst[what] ?? 0, value) }
    }

    /// |a − b| ≤ abs + rel·max(|a|, |b|).
    func close(_ a: Float, _ b: Float, rel: Float, abs absolute: Float = 0) -> Bool {
        abs(a - b) <= absolute + rel * max(abs(a), abs(b))
    }

    /// Runs the probe's preprocess on `cloud` and compares it with the CPU.
    @discardableResult
    func comparePreprocess(_ cloud: SplatCloud, camera: Camera, settings: RenderSettings = RenderSettings(), _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) throws -> PreprocessComparison {
        comparePreprocess(try probe.preprocess(cloud: cloud, camera: camera, settings: settings), cloud, camera: camera,
                    settings: settings, what, file: file, line: line)
    }

    /// Compares a GPU preprocess result with Preprocess.project, Gaussian by Gaussian.
    @discardableResult
    func comparePreprocess(_ gpu: (splats: [GPUProjectedSplat], tileCounts: [UInt32], depthKeys: [UInt32]), _ cloud: SplatCloud,
                 camera: Camera, settings: RenderSettings = RenderSettings(), _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) -> PreprocessComparison {
        let grid = TileGrid(width: camera.width, height: camera.height)
        XCTAssertEqual(gpu.splats.count, cloud.count)
        var c = PreprocessComparison()
        var failures: [String] = []
        func fail(_ i: Int, _ message: String) { failures.append("\(what) #\(i): \(message)") }
        for i in 0..<cloud.count {
            let cpu = Preprocess.project(cloud, index: i, camera: camera, grid: grid, settings: settings)
            let g = gpu.splats[i], count = gpu.tileCounts[i]
            // The GPU counts only the tiles of the rect the splat can draw into (TileCulling).
            let cpuTiles = TileCulling.tiles(of: cpu, grid: grid).count
            guard cpu.radius > 0, cpuTiles > 0 else {
                c.culled += 1
                if count != 0 {
                    fail(i, "culled on the CPU (radius \(cpu.radius), \(cpuTiles) tiles) but the GPU counts \(count) tiles (GPU radius \(g.conicRadius.w))")
                }
                continue
            }
            c.visible += 1
            let radius = Int32(g.conicRadius.w)
            if radius != cpu.radius {
                if abs(radius - cpu.radius) == 1 { c.radiusTies += 1; continue }
                fail(i, "radius GPU \(g.conicRadius.w), CPU \(cpu.radius)")
                continue
            }
            let rect = g.tileRect
            if SIMD2(rect.x, rect.y) != cpu.tileMin || SIMD2(rect.z, rect.w) != cpu.tileMax {
                fail(i, "tile rect GPU \(rect), CPU \(cpu.tileMin)..<\(cpu.tileMax)")
            }
            if Int(count) != cpuTiles { fail(i, "tile count GPU \(count), CPU \(cpuTiles) (rect \(cpu.tilesTouched))") }
            let mean = SIMD2(g.meanDepthOpacity.x, g.meanDepthOpacity.y)
            let meanError = max(abs(mean.x - cpu.mean.x), abs(mean.y - cpu.mean.y))
            c.note("mean px", Double(meanError))
            if !(meanError <= 1e-3) { fail(i, "mean GPU \(mean), CPU \(cpu.mean)") }
            let depth = g.meanDepthOpacity.z
            c.note("depth rel", Double(abs(depth - cpu.depth) / cpu.depth))
            if !close(depth, cpu.depth, rel: 1e-5) { fail(i, "depth GPU \(depth), CPU \(cpu.depth)") }
            if gpu.depthKeys[i] != depth.bitPattern { fail(i, "depth key \(gpu.depthKeys[i]) is not the bits of \(depth)") }
            let opacity = g.meanDepthOpacity.w
            c.note("opacity rel", Double(abs(opacity - cpu.opacity) / max(cpu.opacity, 1e-30)))
            if !close(opacity, cpu.opacity, rel: 1e-5, abs: 1e-7) { fail(i, "opacity GPU \(opacity), CPU \(cpu.opacity)") }
            // Conic: 1e-4 relative to its largest entry (so the tiny off-diagonal term of an
            // axis-aligned splat need not match to 1e-4 of itself), widened for ill-conditioned
            // splats: the inverse of a 2D covariance with condition number κ (needles: κ ~ 10³–10⁴)
            // moves by ~κ·ε when its inputs move by one ulp (the GPU normalises the quaternion,
            // the CPU uses it as stored), and the measured error stays below 7·κ·ε.
            let conic = SIMD3(g.conicRadius.x, g.conicRadius.y, g.conicRadius.z)
            let scale = max(abs(cpu.conic.x), abs(cpu.conic.y), abs(cpu.conic.z))
            let mid = (cpu.conic.x + cpu.conic.z) / 2
            let root = ((cpu.conic.x - cpu.conic.z) * (cpu.conic.x - cpu.conic.z) / 4 + cpu.conic.y * cpu.conic.y).squareRoot()
            let kappa = (mid + root) / max(mid - root, .leastNormalMagnitude)
            let tolerance = max(1e-4, 32 * kappa * Float.ulpOfOne)
            for k in 0..<3 {
                let error = abs(conic[k] - cpu.conic[k])
                c.note("conic rel", Double(error / scale))
                c.note("conic rel / κε", Double(error / scale / kappa / Float.ulpOfOne))
                if !(error <= tolerance * scale + 1e-12) { fail(i, "conic[\(k)] GPU \(conic), CPU \(cpu.conic), κ \(kappa)") }
            }
            let colour = SIMD3(g.colour.x, g.colour.y, g.colour.z)
            for k in 0..<3 {
                c.note("colour abs", Double(abs(colour[k] - cpu.colour[k])))
                if !close(colour[k], cpu.colour[k], rel: 1e-5, abs: 1e-5) { fail(i, "colour GPU \(colour), CPU \(cpu.colour)") }
            }
        }
        for f in failures.prefix(10) { XCTFail(f, file: file, line: line) }
        XCTAssertEqual(failures.count, 0, "\(what): Gaussians that differ", file: file, line: line)
        XCTAssertLessThan(Double(c.radiusTies), max(1, 0.001 * Double(c.visible)),
                          "\(what): too many radius ties (\(c.radiusTies) of \(c.visible))", file: file, line: line)
        print("preprocess \(what): \(c.visible) visible, \(c.culled) culled, \(c.radiusTies) radius ties; worst "
              + c.worst.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        return c
    }
}

/// The preprocess pass against Preprocess.project + TileCulling, Gaussian by Gaussian, on valid
/// entries (radius > 0 and some tile kept on the CPU); culled ones must have a GPU tile count of 0.
final class GPUPreprocessTests: GPUTestCase {
    func testRandomCloudsEverySHDegree() throws {
        for degree in 0...3 {
            let camera = Fixtures.camera(width: 97, height: 61)
            let cloud = Fixtures.randomCloud(count: 1500, degree: degree, seed: UInt64(10 + degree), camera: camera)
            let c = try comparePreprocess(cloud, camera: camera, "SH degree \(degree)")
            XCTAssertGreaterThan(c.visible, 700)
            XCTAssertGreaterThan(c.culled, 200)
        }
    }

    func testAntialiasedMode() throws {
        let camera = Fixtures.camera(width: 64, height: 48)
        let cloud = Fixtures.randomCloud(count: 1000, degree: 1, seed: 21, camera: camera)
        try comparePreprocess(cloud, camera: camera, settings: RenderSettings(antialiased: true), "antialiased")
    }

    /// A rotated, off-centre camera with non-square pixels and a principal point off the centre.
    func testGeneralCamera() throws {
        var camera = Fixtures.camera(width: 80, height: 50, fovY: 45)
        camera.fx *= 1.3
        camera.cx = 35.25
        camera.cy = 27.75
        let cloud = Fixtures.randomCloud(count: 1000, degree: 3, seed: 31, camera: camera)
        try comparePreprocess(cloud, camera: camera, "general camera")
    }

    /// Exact cases: the near plane (just in front, on, just behind), a Gaussian whose radius is
    /// clamped to 2³⁰, and a degenerate (zero-scale) Gaussian that only the low-pass keeps.
    func testEdgeCases() throws {
        var b = SplatCloudBuilder(degree: 0)
        let camera = Fixtures.axisCamera(width: 40, height: 24)
        b.add([0, 0, 0.21], scale: [0.01, 0.01, 0.01], opacity: 0.5, colour: [1, 0, 0])
        b.add([0, 0, 0.2], scale: [0.01, 0.01, 0.01], opacity: 0.5, colour: [1, 0, 0])
        b.add([0, 0, 0.19], scale: [0.01, 0.01, 0.01], opacity: 0.5, colour: [1, 0, 0])
        b.add([0, 0, -1], scale: [1, 1, 1], opacity: 0.5, colour: [1, 0, 0])
        b.add([0.1, 0.2, 5], scale: [2e8, 2e8, 2e8], opacity: 0.5, colour: [0, 1, 0])
        b.add([0.1, 0.2, 3], scale: [0, 0, 0], opacity: 0.9, colour: [0, 0, 1])
        b.add([200, 0, 3], scale: [0.1, 0.1, 0.1], opacity: 0.9, colour: [0, 0, 1])
        let cloud = b.cloud
        let c = try comparePreprocess(cloud, camera: camera, "edge cases")
        XCTAssertEqual(c.visible, 3)
        let gpu = try probe.preprocess(cloud: cloud, camera: camera, settings: RenderSettings())
        // 3×2 tiles: the near one's rect is 2×2 around the centre, of which it can draw into 3
        // (TileCulling); the huge one covers all, the zero-scale one 1.
        XCTAssertEqual(gpu.tileCounts, [3, 0, 0, 0, 6, 1, 0])
        XCTAssertEqual(gpu.splats[4].conicRadius.w, Float(1 << 30), "radius clamp")
    }

    func testEmptyCloud() throws {
        let gpu = try probe.preprocess(cloud: .empty, camera: Fixtures.camera(), settings: RenderSettings())
        XCTAssertTrue(gpu.splats.isEmpty && gpu.tileCounts.isEmpty && gpu.depthKeys.isEmpty)
    }

    /// The probe records the pass as the renderer does: a frame leaves the same splats behind.
    func testProbeMatchesTheRenderersPreprocess() throws {
        let camera = Fixtures.camera(width: 48, height: 40)
        let cloud = Fixtures.randomCloud(count: 600, degree: 2, seed: 41, camera: camera)
        let stages = try rasterizer.captureStages(cloud, camera: camera, settings: RenderSettings())
        let probed = try probe.preprocess(cloud: cloud, camera: camera, settings: RenderSettings())
        XCTAssertEqual(stages.tileCounts, probed.tileCounts)
        for i in 0..<cloud.count where probed.tileCounts[i] > 0 {
            XCTAssertEqual(stages.splats[i], probed.splats[i].asProjectedSplat(tileCount: 1),
                           "Gaussian \(i)")
        }
    }
}
