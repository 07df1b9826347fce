import XCTest
@testable import SplatCore
@testable import SplatGPU
import SplatFormats
import SplatTestSupport

/// Every GPU stage against its CPU twin, buffer by buffer: `VulkanRasterizer.captureStages` against
/// `ReferenceStages.run` on the same scene, time and camera. A mismatch names the first stage that
/// differs, instead of a blurred image at the end.
///
/// Integer stages (activity, compactions, counts, orders, keys, ranges) must be equal exactly.
/// Projected splats are compared where the GPU keeps them (a tile count above 0: it writes nothing
/// for the others) within a float tolerance, and the blended frame within the renderer's PSNR
/// bound, since GPU and CPU may round transcendental functions differently.
final class GPUStageParityTests: GPUTestCase {
    func testStaticSceneStagesEqualTheCPUsStages() throws {
        let camera = Fixtures.camera(width: 320, height: 240)
        let cloud = Fixtures.randomCloud(count: 1500, degree: 1, seed: 23, camera: camera)
        let gpu = try rasterizer.captureStages(cloud, camera: camera, settings: RenderSettings())
        let cpu = ReferenceStages.run(cloud, camera: camera, settings: RenderSettings())
        try assertSameStages(gpu, cpu, "static 1500 Gaussians")
    }

    func testTimeVaryingSceneStagesEqualTheCPUsStages() throws {
        let cloud = PerformanceGenerator.benchmarkBall4D(count: 3000, activeFraction: 0.3, seed: 5)
        let scene = try rasterizer.upload(cloud)
        let camera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -6], target: .zero, up: [0, -1, 0], fovY: 45,
                                                 width: 96, height: 64))
        for t: Float in [0.2, 0.5, 0.9] {
            let gpu = try rasterizer.captureStages(scene, time: t, camera: camera, settings: RenderSettings())
            let cpu = ReferenceStages.run(scene: cloud, time: t, camera: camera, settings: RenderSettings())
            XCTAssertNotNil(cpu.activeFlags)
            try assertSameStages(gpu, cpu, "4D ball at t = \(t)")
        }
    }

    /// Native 4DGS with time-varying colour (sh_degree_t 2): the folded SH and the canonical view
    /// direction on both sides.
    func testTimeVaryingColourStagesEqualTheCPUsStages() throws {
        let cloud = try GPUTemporalTests.fourDCloud(count: 2000, degree: 3, seed: 77, convention: .flipped, degreeT: 2)
        let scene = try rasterizer.upload(cloud)
        let camera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -7], target: .zero, up: [0, -1, 0], fovY: 45,
                                                 width: 96, height: 64))
        for t: Float in [0.15, 0.6] {
            let gpu = try rasterizer.captureStages(scene, time: t, camera: camera, settings: RenderSettings())
            let cpu = ReferenceStages.run(scene: cloud, time: t, camera: camera, settings: RenderSettings())
            try assertSameStages(gpu, cpu, "4DGS sh_degree_t 2 at t = \(t)")
        }
    }

    func testKeyframedSceneStagesEqualTheCPUsStages() throws {
        let frames = PerformanceGenerator.dancerFrames(seed: 9, frameCount: 3, gaussiansPerLimb: 12)
        let cloud = TemporalCloud(keyframes: Keyframes(times: [0, 1, 2], frames: frames),
                                  metadata: SceneMetadata(timeRange: 0...2, timeUnit: "frames"))
        let scene = try rasterizer.upload(cloud)
        let camera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0], fovY: 50,
                                                 width: 80, height: 80))
        for t: Float in [0, 1.5] {
            let gpu = try rasterizer.captureStages(scene, time: t, camera: camera, settings: RenderSettings())
            let cpu = ReferenceStages.run(scene: cloud, time: t, camera: camera, settings: RenderSettings())
            try assertSameStages(gpu, cpu, "keyframes at t = \(t)")
        }
    }

    /// 4DGaussians deformation fields (the trainer's dnerf, dynerf and options models): the deform
    /// pass's Gaussians against FieldMotion, then every later stage.
    func testDeformationFieldStagesEqualTheCPUsStages() throws {
        for model in ["dnerf", "dynerf", "options"] {
            let path = TestPaths.fixtures.appendingPathComponent("4dgaussians/\(model)").path
            let cloud = try SceneLoader.load(path: path).scene
            let scene = try rasterizer.upload(cloud, deformationPass: .device)
            XCTAssertNotNil(scene.deformation, "\(model): the network fits the shader")
            // On lavapipe the automatic choice deforms on the CPU (faster there); on a GPU, the pass.
            let automatic = try rasterizer.upload(cloud)
            XCTAssertEqual(automatic.deformation == nil, rasterizer.device.info.kind == .cpu, model)
            let camera = try XCTUnwrap(Camera.lookAt(eye: [0, 0, -4], target: .zero, up: [0, -1, 0], fovY: 50, width: 96, height: 64))
            for t: Float in [0, 0.45] {
                let gpu = try rasterizer.captureStages(scene, time: t, camera: camera, settings: RenderSettings())
                let cpu = ReferenceStages.run(scene: cloud, time: t, camera: camera, settings: RenderSettings())
                XCTAssertNotNil(cpu.deformed)
                try assertSameStages(gpu, cpu, "4DGaussians \(model) at t = \(t)")
            }
        }
    }

    /// The parity check must see a one-entry difference in any stage (a check that cannot fail
    /// would pass anything).
    func testAChangedStageIsNamed() throws {
        let camera = Fixtures.camera(width: 64, height: 48)
        let cloud = Fixtures.randomCloud(count: 300, degree: 0, seed: 4, camera: camera)
        let cpu = ReferenceStages.run(cloud, camera: camera, settings: RenderSettings())
        var changed = cpu
        changed.sortedValues[0] ^= 1
        XCTAssertEqual(StageComparison.firstDifference(changed, cpu), "sortedValues: entry 0 differs")
        changed = cpu
        let visible = try XCTUnwrap(cpu.tileCounts.firstIndex { $0 > 0 })
        changed.splats[visible].colour.x += 0.01
        XCTAssertEqual(StageComparison.firstDifference(changed, cpu), "splats: Gaussian \(visible) differs")
        XCTAssertNil(StageComparison.firstDifference(cpu, cpu))
    }

    func assertSameStages(_ gpu: FrameStages, _ cpu: FrameStages, _ what: String,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertGreaterThan(cpu.frame.statistics.tileInstances, 0, "\(what): the scene draws nothing", file: file, line: line)
        if let difference = StageComparison.firstDifference(gpu, cpu) {
            XCTFail("\(what): \(difference)", file: file, line: line)
        }
        let psnr = ImageMetrics.psnr(gpu.frame.colour, cpu.frame.colour)
        print("stage parity \(what): \(cpu.sortedValues.count) pairs equal, frame PSNR \(psnr) dB")
        XCTAssertGreaterThanOrEqual(psnr, 50, "\(what): frame PSNR", file: file, line: line)
        XCTAssertEqual(gpu.frame.statistics, cpu.frame.statistics, "\(what): statistics", file: file, line: line)
    }
}

/// Compares two frames' stages in pipeline order and describes the first difference.
enum StageComparison {
    static func firstDifference(_ a: FrameStages, _ b: FrameStages) -> String? {
        if let d = compareDeformed(a.deformed, b.deformed) { return d }
        if let d = compare("activeFlags", a.activeFlags ?? [], b.activeFlags ?? []) { return d }
        if let d = compare("activeIndices", a.activeIndices ?? [], b.activeIndices ?? []) { return d }
        if let d = compare("tileCounts", a.tileCounts, b.tileCounts) { return d }
        for i in a.tileCounts.indices where i < a.splats.count && i < b.splats.count && a.tileCounts[i] > 0 {
            if !close(a.splats[i], b.splats[i]) { return "splats: Gaussian \(i) differs" }
        }
        let integerStages: [(String, [UInt32], [UInt32])] = [
            ("visibleIndices", a.visibleIndices, b.visibleIndices), ("depthOrder", a.depthOrder, b.depthOrder),
            ("orderedCounts", a.orderedCounts, b.orderedCounts), ("instanceOffsets", a.instanceOffsets, b.instanceOffsets),
            ("tileKeys", a.tileKeys, b.tileKeys), ("values", a.values, b.values),
            ("sortedTileKeys", a.sortedTileKeys, b.sortedTileKeys), ("sortedValues", a.sortedValues, b.sortedValues),
            ("ranges.start", a.ranges.map(\.x), b.ranges.map(\.x)), ("ranges.end", a.ranges.map(\.y), b.ranges.map(\.y)),
            ("blendTiles", a.blendTiles, b.blendTiles),
        ]
        for (name, x, y) in integerStages {
            if let d = compare(name, x, y) { return d }
        }
        return nil
    }

    /// Deformed Gaussians: every parameter within 1e-5 relative (to max(1, |value|)).
    private static func compareDeformed(_ a: SplatCloud?, _ b: SplatCloud?) -> String? {
        guard let a, let b else { return a == nil && b == nil ? nil : "deformed: present on one side only" }
        guard a.count == b.count, a.sh.count == b.sh.count else { return "deformed: \(a.count) Gaussians, expected \(b.count)" }
        func near(_ x: Float, _ y: Float) -> Bool { abs(x - y) <= 1e-5 * max(1, abs(x), abs(y)) }
        for i in 0..<a.count {
            var x: [Float] = [a.opacities[i]], y: [Float] = [b.opacities[i]]
            for k in 0..<3 { x += [a.positions[i][k], a.scales[i][k]]; y += [b.positions[i][k], b.scales[i][k]] }
            for k in 0..<4 { x.append(a.rotations[i][k]); y.append(b.rotations[i][k]) }
            if !zip(x, y).allSatisfy(near) { return "deformed: Gaussian \(i) differs" }
        }
        if let k = a.sh.indices.first(where: { !near(a.sh[$0], b.sh[$0]) }) { return "deformed: SH value \(k) differs" }
        return nil
    }

    private static func compare(_ name: String, _ a: [UInt32], _ b: [UInt32]) -> String? {
        if a.count != b.count { return "\(name): \(a.count) entries, expected \(b.count)" }
        guard let i = a.indices.first(where: { a[$0] != b[$0] }) else { return nil }
        return "\(name): entry \(i) differs"
    }

    /// Equal integers (radius, tile rectangle), floats within 1e-5 relative, and the conic within
    /// 1e-4 of its largest entry widened by its condition number κ as GPUPreprocessTests explains
    /// (the inverse of a needle-like covariance moves by ~κ·ε for a one-ulp change of its inputs).
    private static func close(_ a: ProjectedSplat, _ b: ProjectedSplat) -> Bool {
        func near(_ x: Float, _ y: Float) -> Bool { abs(x - y) <= 1e-5 * max(1, abs(x), abs(y)) }
        let floats: [(Float, Float)] = [
            (a.mean.x, b.mean.x), (a.mean.y, b.mean.y), (a.depth, b.depth), (a.opacity, b.opacity),
            (a.colour.x, b.colour.x), (a.colour.y, b.colour.y), (a.colour.z, b.colour.z),
        ]
        let c = b.conic, scale = max(abs(c.x), abs(c.y), abs(c.z))
        let mid = (c.x + c.z) / 2, root = ((c.x - c.z) * (c.x - c.z) / 4 + c.y * c.y).squareRoot()
        let kappa = (mid + root) / max(mid - root, .leastNormalMagnitude)
        let conicTolerance = max(1e-4, 32 * kappa * Float.ulpOfOne) * scale + 1e-12
        let conicClose = (0..<3).allSatisfy { abs(a.conic[$0] - c[$0]) <= conicTolerance }
        return a.radius == b.radius && a.tileMin == b.tileMin && a.tileMax == b.tileMax
            && floats.allSatisfy(near) && conicClose
    }
}
