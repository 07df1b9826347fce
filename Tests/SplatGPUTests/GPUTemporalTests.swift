import Foundation
import XCTest
@testable import SplatCore
import SplatFormats
@testable import SplatGPU
import SplatTestSupport

/// The GPU time slice (preprocess.comp with PREPROCESS_FLAG_TEMPORAL) against its CPU twins,
/// TemporalCloud.state/slice(at:) then Preprocess.project, and whole frames of the bundled dynamic
/// scenes against ReferenceRasterizer on scene.slice(at: t) (DESIGN.md §4–§6). Skips without a
/// Vulkan device; fails on any validation message (GPUTestCase).
final class GPUTemporalTests: GPUTestCase {
    // MARK: fixtures

    /// A random cloud with every polynomial term: cubic motion, angular velocity, time scales from
    /// short to infinite (no falloff), SH degree `degree`.
    static func polynomialCloud(count: Int, degree: Int, seed: UInt64, camera: Camera) -> TemporalCloud {
        let base = Fixtures.randomCloud(count: count, degree: degree, seed: seed, camera: camera)
        var rng = SplitMix64(seed: seed &+ 1000)
        var centers: [Float] = [], scales: [Float] = [], v: [SIMD3<Float>] = [], a: [SIMD3<Float>] = []
        var j: [SIMD3<Float>] = [], w: [SIMD4<Float>] = []
        for i in 0..<count {
            centers.append(rng.uniform(0, 1))
            scales.append(i % 10 == 0 ? .infinity : rng.uniform(0.05, 0.6))
            v.append(rng.pointInBall() * 1.5)
            a.append(rng.pointInBall() * 2)
            j.append(rng.pointInBall() * 4)
            w.append(SIMD4(rng.pointInBall(), rng.uniform(-1, 1)) * 2)
        }
        return TemporalCloud(positions: base.positions, scales: base.scales, rotations: base.rotations,
                             opacities: base.opacities, shDegree: degree, sh: base.sh,
                             motion: .init(timeCenters: centers, velocities: v, accelerations: a, jerks: j,
                                           angularVelocities: w, timeScales: scales, falloffCutoff: 0))
    }

    /// Random native 4D Gaussians written as a 4D PLY and loaded back through SceneLoader.
    /// With `degreeT` > 0 (degree 3), the file carries time-varying colour (TemporalSH) over
    /// time_duration 0...1.
    static func fourDCloud(count: Int, degree: Int, seed: UInt64, convention: Gaussian4D.RotationConvention,
                           degreeT: Int? = nil) throws -> TemporalCloud {
        var rng = SplitMix64(seed: seed)
        var raws: [Gaussian4D] = [], opacities: [Float] = [], sh: [Float] = []
        func quaternion() -> SIMD4<Double> {
            SIMD4<Double>(SIMD4<Float>(rng.rotation()))
        }
        for _ in 0..<count {
            let p = rng.pointInBall() * 2.5
            raws.append(Gaussian4D(
                mean: SIMD4(Double(p.x), Double(p.y), Double(p.z), Double(rng.uniform(0, 1))),
                logScale: SIMD4(Double(rng.uniform(-4.5, -1)), Double(rng.uniform(-4.5, -1)), Double(rng.uniform(-4.5, -1)),
                                Double(rng.uniform(-3, -0.5))),
                left: quaternion(), right: quaternion()))
            opacities.append(rng.uniform(0.02, 1))
            for _ in 0..<(SplatCloud.coefficientCount(degree: degree) * 3) { sh.append(rng.uniform(-0.8, 0.8)) }
        }
        let colour = degreeT.map { d in
            TemporalSH(degreeT: d, duration: 0...1,
                       coefficients: (0..<(count * TemporalSH.stride(degreeT: d))).map { _ in rng.uniform(-0.5, 0.5) })
        }
        let data = Gaussian4DPLY.write(raws, opacities: opacities, shDegree: degree, sh: sh, timeRange: 0...1,
                                       convention: convention, colour: colour)
        let loaded = try SceneLoader.load(data: data, path: "random.4d.ply")
        XCTAssertEqual(loaded.format, .gaussian4DPLY)
        return loaded.scene
    }

    struct TemporalComparison {
        var active = 0, visible = 0
    }

    /// GPU preprocess of `scene` at `t` against the CPU: Gaussian i is visible on the GPU iff
    /// state(i, at: t) != nil and Preprocess.project of its slice row is visible; the visible ones
    /// then match as in GPUPreprocessTests (means 1e-3 px, conics 1e-4 relative, radii exact or ±1
    /// on < 0.1 %, tile rects exact).
    @discardableResult
    func compareTemporal(_ scene: TemporalCloud, uploaded: GPUScene, at t: Float, camera: Camera, _ what: String,
                         file: StaticString = #filePath, line: UInt = #line) throws -> TemporalComparison {
        let gpu = try probe.preprocess(scene: uploaded, time: t, camera: camera, settings: RenderSettings())
        XCTAssertEqual(gpu.splats.count, scene.count, file: file, line: line)
        let grid = TileGrid(width: camera.width, height: camera.height)
        let active = (0..<scene.count).filter { scene.state($0, at: t) != nil }
        let slice = scene.slice(at: t)
        XCTAssertEqual(slice.count, active.count, "\(what): slice size", file: file, line: line)
        var mismatches: [String] = []
        var isActive = [Bool](repeating: false, count: scene.count)
        for i in active { isActive[i] = true }
        for i in 0..<scene.count where !isActive[i] && gpu.tileCounts[i] != 0 {
            mismatches.append("#\(i) is dropped at t = \(t) on the CPU but the GPU counts \(gpu.tileCounts[i]) tiles")
        }
        var c = TemporalComparison(active: active.count)
        for (row, i) in active.enumerated() {
            // Visible: projected with a radius, and some tile of its rect within reach of α = 1/255
            // (TileCulling, the GPU's test).
            let cpu = Preprocess.project(slice, index: row, camera: camera, grid: grid, settings: RenderSettings())
            let tiles = TileCulling.tiles(of: cpu, grid: grid).count
            if tiles > 0 { c.visible += 1 }
            if (tiles > 0) != (gpu.tileCounts[i] > 0) {
                mismatches.append("#\(i) at t = \(t): CPU radius \(cpu.radius) and \(tiles) tiles, GPU tile count \(gpu.tileCounts[i])")
            }
        }
        for m in mismatches.prefix(10) { XCTFail("\(what): \(m)", file: file, line: line) }
        XCTAssertEqual(mismatches.count, 0, "\(what): Gaussians whose visibility differs", file: file, line: line)
        comparePreprocess((splats: active.map { gpu.splats[$0] }, tileCounts: active.map { gpu.tileCounts[$0] },
                           depthKeys: active.map { gpu.depthKeys[$0] }),
                          slice, camera: camera, "\(what) t = \(t)", file: file, line: line)
        return c
    }

    // MARK: preprocess parity

    /// 4DGS time-varying colour: the GPU folds the time terms and looks from the canonical mean
    /// as TemporalCloud.states does (colours within comparePreprocess's tolerance).
    func testTimeVaryingColourPreprocessMatchesCPU() throws {
        let camera = Fixtures.camera(width: 97, height: 61)
        for degreeT in [0, 1, 2] {
            let scene = try Self.fourDCloud(count: 1200, degree: 3, seed: 610 + UInt64(degreeT), convention: .flipped,
                                            degreeT: degreeT)
            XCTAssertEqual(scene.motion?.colour?.degreeT, degreeT)
            let uploaded = try rasterizer.upload(scene)
            XCTAssertEqual(uploaded.shTimeTerms, degreeT)
            var visible = 0
            for t: Float in [0.1, 0.45, 0.8] {
                visible += try compareTemporal(scene, uploaded: uploaded, at: t, camera: camera, "sh_degree_t \(degreeT)").visible
            }
            XCTAssertGreaterThan(visible, 100, "sh_degree_t \(degreeT): too few visible Gaussians to compare")
        }
    }

    func testPolynomialCloudPreprocessMatchesCPU() throws {
        let camera = Fixtures.camera(width: 97, height: 61)
        for (degree, seed) in [(0, UInt64(501)), (3, 502)] {
            let scene = Self.polynomialCloud(count: 1500, degree: degree, seed: seed, camera: camera)
            let uploaded = try rasterizer.upload(scene)
            XCTAssertTrue(uploaded.isTemporal)
            var total = TemporalComparison()
            for t: Float in [0, 0.3, 0.55, 1] {
                let c = try compareTemporal(scene, uploaded: uploaded, at: t, camera: camera, "polynomial degree \(degree)")
                XCTAssertGreaterThan(c.active, 300, "t = \(t)")
                XCTAssertLessThan(c.active, 1500, "t = \(t)")
                total.active += c.active
                total.visible += c.visible
            }
            XCTAssertGreaterThan(total.visible, 1000)
        }
    }

    func testNative4DCloudPreprocessMatchesCPU() throws {
        let camera = Fixtures.camera(width: 97, height: 61)
        for (degree, convention) in [(1, Gaussian4D.RotationConvention.flipped), (3, .unflipped)] {
            let scene = try Self.fourDCloud(count: 1500, degree: degree, seed: 600 + UInt64(degree), convention: convention)
            XCTAssertEqual(scene.motion?.falloffCutoff, 0.05)
            let uploaded = try rasterizer.upload(scene)
            for t: Float in [0, 0.35, 0.6, 1] {
                let c = try compareTemporal(scene, uploaded: uploaded, at: t, camera: camera,
                                            "4D \(convention.rawValue) degree \(degree)")
                XCTAssertGreaterThan(c.active, 200, "t = \(t)")
                XCTAssertLessThan(c.active, 1500, "t = \(t)")
                XCTAssertGreaterThan(c.visible, 100, "t = \(t)")
            }
        }
    }

    // MARK: end to end

    static let maxDifference: Float = 2 / 255

    @discardableResult
    func compareFrames(_ scene: TemporalCloud, uploaded: GPUScene, at t: Float, camera: Camera,
                       settings: RenderSettings = RenderSettings(), _ what: String,
                       file: StaticString = #filePath, line: UInt = #line) throws -> RenderedFrame {
        let gpu = try rasterizer.render(uploaded, time: t, camera: camera, settings: settings)
        let cpu = try ReferenceRasterizer().render(scene.slice(at: t), camera: camera, settings: settings)
        XCTAssertTrue(ImageMetrics.sameShape(gpu.colour, cpu.colour), file: file, line: line)
        guard ImageMetrics.sameShape(gpu.colour, cpu.colour), ImageMetrics.sameShape(gpu.alpha, cpu.alpha) else { return gpu }
        let psnr = ImageMetrics.psnr(gpu.colour, cpu.colour)
        let colourDiff = maxAbsDifference(gpu.colour, cpu.colour), alphaDiff = maxAbsDifference(gpu.alpha, cpu.alpha)
        XCTAssertGreaterThanOrEqual(psnr, 50, "\(what) t = \(t): PSNR", file: file, line: line)
        XCTAssertLessThanOrEqual(colourDiff, Self.maxDifference, "\(what) t = \(t): colour max difference", file: file, line: line)
        XCTAssertLessThanOrEqual(alphaDiff, Self.maxDifference, "\(what) t = \(t): alpha max difference", file: file, line: line)
        // Statistics: the whole cloud, and the visible Gaussians and tile instances of the CPU twin
        // with tile culling (the GPU sorts only tiles a splat can reach; the plain oracle above draws
        // whole rectangles, with the same pixels).
        let grid = TileGrid(width: camera.width, height: camera.height)
        let counts = TileSort.tileCounts(Preprocess.run(scene.slice(at: t), camera: camera, grid: grid, settings: settings),
                                         grid: grid, cullTiles: true)
        XCTAssertEqual(gpu.statistics, FrameStatistics(gaussians: scene.count, visibleGaussians: counts.filter { $0 > 0 }.count,
                                                       tileInstances: counts.reduce(0) { $0 + Int($1) }),
                       "\(what) t = \(t): statistics", file: file, line: line)
        XCTAssertEqual(gpu.statistics.visibleGaussians, cpu.statistics.visibleGaussians, "\(what) t = \(t): visible",
                       file: file, line: line)
        print("temporal render \(what) t = \(t): PSNR \(psnr) dB, max |Δ| colour \(colourDiff * 255)/255, "
              + "alpha \(alphaDiff * 255)/255; \(scene.activeCount(at: t)) active, \(gpu.statistics)")
        return gpu
    }

    static let sceneCamera = Camera.lookAt(eye: [0, 0, -3], target: [0, 0, 0], up: [0, -1, 0], fovY: 50, width: 160, height: 120)!

    func renderBundled(_ name: String, format: SceneFormatID, times: [Float], settings: RenderSettings) throws {
        let loaded = try SceneLoader.load(path: TestPaths.scene(name))
        XCTAssertEqual(loaded.format, format)
        let scene = loaded.scene
        XCTAssertFalse(scene.isStatic)
        let uploaded = try rasterizer.upload(scene)
        var frames: [RenderedFrame] = []
        for t in times {
            frames.append(try compareFrames(scene, uploaded: uploaded, at: t, camera: Self.sceneCamera, settings: settings, name))
        }
        // Time reaches the GPU: the performance moves between the sampled times.
        for k in 1..<frames.count {
            XCTAssertGreaterThan(maxAbsDifference(frames[k - 1].colour, frames[k].colour), 0.2,
                                 "\(name): frames at \(times[k - 1]) and \(times[k]) should differ")
        }
    }

    func testBundledSpacetimeDancer() throws {
        try renderBundled("dancer.stg.ply", format: .spacetimePLY, times: [0.1, 0.37, 0.62, 0.9], settings: RenderSettings())
    }

    func testBundled4DDancer() throws {
        try renderBundled("dancer.4d.ply", format: .gaussian4DPLY, times: [0.2, 0.75, 1.3, 1.9],
                          settings: RenderSettings(background: [0.1, 0.2, 0.3]))
    }

    // MARK: a Gaussian outside its life is dropped

    func assertBackground(_ frame: RenderedFrame, _ background: SIMD3<Float>, _ what: String,
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(frame.statistics.visibleGaussians, 0, "\(what): visible", file: file, line: line)
        XCTAssertEqual(frame.statistics.tileInstances, 0, "\(what): tile instances", file: file, line: line)
        let bad = (0..<(frame.colour.width * frame.colour.height)).filter { p in
            (0..<3).contains { frame.colour.pixels[p * 3 + $0] != background[$0] } || frame.alpha.pixels[p] != 0
        }
        XCTAssertTrue(bad.isEmpty, "\(what): \(bad.count) pixels are not the background", file: file, line: line)
    }

    func assertDrawn(_ frame: RenderedFrame, _ background: SIMD3<Float>, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(frame.statistics.visibleGaussians, 1, "\(what): visible", file: file, line: line)
        let centre = (frame.colour.height / 2) * frame.colour.width + frame.colour.width / 2
        XCTAssertGreaterThan(frame.alpha.pixels[centre], 0.5, "\(what): alpha at the centre", file: file, line: line)
    }

    func testOneGaussianOutsideItsLifeRendersTheBackground() throws {
        let background: SIMD3<Float> = [0.2, 0.3, 0.4]
        let settings = RenderSettings(background: background)
        let camera = Self.sceneCamera

        // Polynomial (STG): centre 0.5, time scale 0.1, moving; α(t) < 1/255 once |Δt| > 0.1·√ln(0.9·255) ≈ 0.233.
        let stg = TemporalCloud(positions: [[0, 0, 0]], scales: [[0.3, 0.3, 0.3]], rotations: [[1, 0, 0, 0]], opacities: [0.9],
                                shDegree: 0, sh: [1, 0.5, -0.5],
                                motion: .init(timeCenters: [0.5], velocities: [[0.2, 0, 0]], accelerations: [.zero], jerks: [.zero],
                                              angularVelocities: [[0, 0.3, 0, 0]], timeScales: [0.1], falloffCutoff: 0))
        let uploadedSTG = try rasterizer.upload(stg)
        let edge = 0.1 * Float(log(0.9 * 255.0).squareRoot())
        assertDrawn(try compareFrames(stg, uploaded: uploadedSTG, at: 0.5, camera: camera, settings: settings, "one STG"),
                    background, "STG at its centre")
        let justInside = try rasterizer.render(uploadedSTG, time: 0.5 + edge * 0.98, camera: camera, settings: settings)
        XCTAssertEqual(justInside.statistics.visibleGaussians, 1, "STG just inside its life (α ≈ 0.0049)")
        for t in [0.5 + edge * 1.02, 0.5 - edge * 1.02, 5, -5, 1e6] {
            assertBackground(try rasterizer.render(uploadedSTG, time: t, camera: camera, settings: settings), background,
                             "STG at t = \(t)")
        }
        XCTAssertEqual(stg.activeCount(at: 5), 0)

        // Native 4D: centre 1, σ_t = 0.1 (identity rotations); the factor reaches 0.05 at
        // Δt = √(2 ln 20)·0.1 ≈ 0.245.
        let raw = Gaussian4D(mean: [0, 0, 0, 1], logScale: SIMD4(log(0.3), log(0.3), log(0.3), log(0.1)),
                                    left: [1, 0, 0, 0], right: [1, 0, 0, 0])
        let fourD = try SceneLoader.load(data: Gaussian4DPLY.write([raw], opacities: [0.9], shDegree: 0, sh: [1, 0.5, -0.5],
                                                                   timeRange: 0...2), path: "one.4d.ply").scene
        let uploaded4D = try rasterizer.upload(fourD)
        let reach = Float((2 * log(20.0)).squareRoot() * 0.1)
        assertDrawn(try compareFrames(fourD, uploaded: uploaded4D, at: 1, camera: camera, settings: settings, "one 4D"),
                    background, "4D at its centre")
        let inside = try rasterizer.render(uploaded4D, time: 1 + reach * 0.98, camera: camera, settings: settings)
        XCTAssertEqual(inside.statistics.visibleGaussians, 1, "4D just inside its life")
        for t in [1 + reach * 1.02, 1 - reach * 1.02, 3, -3] {
            assertBackground(try rasterizer.render(uploaded4D, time: t, camera: camera, settings: settings), background,
                             "4D at t = \(t)")
        }
        // The CPU reference agrees at a far time (an empty slice renders the background too).
        assertBackground(try compareFrames(fourD, uploaded: uploaded4D, at: 3, camera: camera, settings: settings, "one 4D far"),
                         background, "4D at t = 3 (checked against the CPU)")
    }
}
