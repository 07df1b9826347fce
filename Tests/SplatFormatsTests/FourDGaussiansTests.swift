import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats
import SplatTestSupport

/// 4DGaussians model folders against the trainer's own network (Tests/Fixtures/4dgaussians, made by
/// tools/make_4dgaussians_fixtures.py): the deformed, activated Gaussians at several times.
final class FourDGaussiansTests: XCTestCase {
    let folder = TestPaths.fixtures.appendingPathComponent("4dgaussians")

    func npy(_ model: String, _ name: String) throws -> NPYArray {
        let url = folder.appendingPathComponent(model).appendingPathComponent(name)
        return try NPYArray.parse(Array(try Data(contentsOf: url)), name: name, path: url.path)
    }

    /// Every deformed parameter within 1e-5 of the trainer's, relative to max(|value|, 1).
    func assertMatchesTrainer(_ model: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let loaded = try SceneLoader.load(path: folder.appendingPathComponent(model).path)
        XCTAssertEqual(loaded.format, .fourDGaussians, file: file, line: line)
        XCTAssertEqual(loaded.scene.metadata.timeRange, 0...1, file: file, line: line)
        let times = try npy(model, "times.npy").values, expected = try npy(model, "expected.npy")
        XCTAssertEqual(expected.shape, [times.count, 64, 59], file: file, line: line)
        var worst: Float = 0
        for (f, t) in times.enumerated() {
            let cloud = loaded.scene.slice(at: t)
            XCTAssertEqual(cloud.count, 64, file: file, line: line)
            XCTAssertEqual(cloud.shDegree, 3, file: file, line: line)
            for i in 0..<cloud.count {
                var mine = [Float]()
                mine += [cloud.positions[i].x, cloud.positions[i].y, cloud.positions[i].z]
                mine += [cloud.scales[i].x, cloud.scales[i].y, cloud.scales[i].z]
                mine += [cloud.rotations[i][0], cloud.rotations[i][1], cloud.rotations[i][2], cloud.rotations[i][3]]
                mine += [cloud.opacities[i]]
                mine += cloud.sh[(i * 48)..<((i + 1) * 48)]
                let theirs = expected.values[((f * 64 + i) * 59)..<((f * 64 + i + 1) * 59)]
                for (a, b) in zip(mine, theirs) { worst = max(worst, abs(a - b) / max(abs(b), 1)) }
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-5, "\(model): worst relative difference", file: file, line: line)
        print("4dgaussians \(model): worst relative difference \(worst)")
    }

    func testDNeRFConfigMatchesTheTrainer() throws { try assertMatchesTrainer("dnerf") }
    func testDyNeRFConfigMatchesTheTrainer() throws { try assertMatchesTrainer("dynerf") }
    func testApplyRotationStaticMLPAndGridPEMatchTheTrainer() throws { try assertMatchesTrainer("options") }

    func testArchitectureComesFromTheStateDictAndOptionsFromCfgArgs() throws {
        let dnerf = try XCTUnwrap(SceneLoader.load(path: folder.appendingPathComponent("dnerf").path).scene.field?.field)
        XCTAssertEqual(dnerf.levels.count, 2)
        XCTAssertEqual(dnerf.levels[1].map(\.width), [16, 16, 16, 16, 16, 16])
        XCTAssertEqual(dnerf.levels[1].map(\.height), [16, 16, 5, 16, 5, 5])
        XCTAssertEqual(dnerf.gridFeatures, 64)
        XCTAssertEqual(dnerf.width, 64)
        XCTAssertEqual(dnerf.depth, 1)
        XCTAssertEqual([dnerf.options.deformPosition, dnerf.options.deformScale, dnerf.options.deformRotation,
                        dnerf.options.deformOpacity, dnerf.options.deformSH], [true, true, true, false, false])
        let options = try XCTUnwrap(SceneLoader.load(path: folder.appendingPathComponent("options").path).scene.field?.field)
        XCTAssertEqual(options.depth, 2)
        XCTAssertEqual(options.options.gridPE, 2)
        XCTAssertTrue(options.options.applyRotation)
        XCTAssertNotNil(options.staticMask)
        let loaded = try SceneLoader.load(path: folder.appendingPathComponent("dynerf").path)
        XCTAssertEqual(loaded.formatDetail, "iteration 3000, HexPlane deformation network, deformation table marks 48 of 64")
        XCTAssertEqual(FourDGaussiansFolder.describe(try XCTUnwrap(loaded.scene.field?.field)), "HexPlane 2 levels x 6 planes, 16 channels, resolutions [6, 6, 6, 7] "
                       + "[12, 12, 12, 7], MLP width 128 depth 1, heads: position, scale, rotation, opacity, SH")
    }

    /// The iteration folder reads alone (cfg_args two levels up); --iteration picks a folder.
    func testIterationFolderAndIterationChoice() throws {
        let model = folder.appendingPathComponent("dnerf").path
        let it = folder.appendingPathComponent("dnerf/point_cloud/iteration_3000").path
        XCTAssertEqual(try SceneLoader.load(path: it).scene, try SceneLoader.load(path: model).scene)
        XCTAssertEqual(try SceneLoader.load(path: model, options: .init(iteration: 3000)).format, .fourDGaussians)
        assertFileProblem("has no iteration_7000 (it has iteration_3000)") {
            _ = try SceneLoader.load(path: model, options: .init(iteration: 7000))
        }
    }

    // MARK: Bad input

    /// A copy of a fixture folder to damage.
    func copy(_ model: String) throws -> URL {
        let dir = try TestPaths.temporaryFolder(for: self).appendingPathComponent(model)
        try FileManager.default.copyItem(at: folder.appendingPathComponent(model), to: dir)
        return dir
    }

    func testMissingDeformationIsOneLine() throws {
        let dir = try copy("dnerf")
        let it = dir.appendingPathComponent("point_cloud/iteration_3000")
        try FileManager.default.removeItem(at: it.appendingPathComponent("deformation.pth"))
        XCTAssertThrowsError(try SceneLoader.load(path: dir.path)) { error in
            XCTAssertEqual("\(error)", "\(it.path): has no deformation.pth: a 4DGaussians iteration folder holds the deformation "
                           + "network beside point_cloud.ply (a coarse-stage folder has none)")
        }
    }

    func testUnimplementedConfigFlagsAreRefusedByName() throws {
        let dir = try copy("dnerf")
        let cfg = dir.appendingPathComponent("cfg_args")
        let text = try String(contentsOf: cfg, encoding: .utf8)
        for (from, to, problem) in [("empty_voxel=False", "empty_voxel=True",
                                     "empty_voxel=True is not supported: the empty-voxel mask (DenseGrid) is not implemented"),
                                    ("no_grid=False", "no_grid=True", "no_grid=True is not supported: the grid-less network "
                                     + "(the trainer's own no_grid path does not run) is not implemented"),
                                    ("grid_pe=0", "grid_pe=1", "grid_pe=1 is not supported (the trainer's layer shapes do not match it)"),
                                    ("'grid_dimensions': 2", "'grid_dimensions': 3",
                                     "kplanes_config grid_dimensions=3 is not supported (planes only: 2)")] {
            try text.replacingOccurrences(of: from, with: to).write(to: cfg, atomically: true, encoding: .utf8)
            assertFileProblem(problem) { _ = try SceneLoader.load(path: dir.path) }
        }
        try FileManager.default.removeItem(at: cfg)
        assertFileProblem("is missing: the trainer writes cfg_args beside point_cloud/ and the deformation options "
                          + "(no_dx … apply_rotation) come from it") {
            _ = try SceneLoader.load(path: dir.appendingPathComponent("point_cloud/iteration_3000").path)
        }
    }

    /// grid_pe in cfg_args that the state dict was not built with: the first layer's width disagrees.
    func testStateDictThatDoesNotMatchTheConfigIsRefused() throws {
        let dir = try copy("dnerf")
        let cfg = dir.appendingPathComponent("cfg_args")
        try String(contentsOf: cfg, encoding: .utf8).replacingOccurrences(of: "grid_pe=0", with: "grid_pe=2")
            .write(to: cfg, atomically: true, encoding: .utf8)
        assertFileProblem("feature_out.0 takes 64 inputs but the grids give 192 (grid_pe 2) (unknown architecture, or cfg_args does not match)") {
            _ = try SceneLoader.load(path: dir.path)
        }
    }

    func testUnknownArchitectureIsOneLine() throws {
        let dir = try copy("dnerf")
        let it = dir.appendingPathComponent("point_cloud/iteration_3000")
        // A state dict of some other network (the table's tensor is no state dict; the accum file is a tensor too).
        try FileManager.default.removeItem(at: it.appendingPathComponent("deformation.pth"))
        try FileManager.default.copyItem(at: it.appendingPathComponent("deformation_accum.pth"), to: it.appendingPathComponent("deformation.pth"))
        assertFileProblem("holds a tensor, not a state dict (unknown architecture)") { _ = try SceneLoader.load(path: dir.path) }
        try FileManager.default.removeItem(at: it.appendingPathComponent("deformation.pth"))
        try Data(TorchWriter.archive(name: "x", root: .dict([PickleEntry(.string("layer.weight"), .none)], ordered: true), storages: [:]))
            .write(to: it.appendingPathComponent("deformation.pth"))
        assertFileProblem("has no tensor 'deformation_net.grid.aabb': not a 4DGaussians HexPlane deformation network (unknown architecture)") {
            _ = try SceneLoader.load(path: dir.path)
        }
    }

    func testTableOfTheWrongLengthIsRefused() throws {
        let dir = try copy("dnerf")
        let it = dir.appendingPathComponent("point_cloud/iteration_3000")
        try FileManager.default.removeItem(at: it.appendingPathComponent("deformation_table.pth"))
        var storages: [String: [UInt8]] = [:]
        let root = TorchWriter.float32([1, 0, 1], shape: [3], key: "0", storages: &storages)
        try TorchWriter.archive(name: "t", root: root, storages: storages).write(to: it.appendingPathComponent("deformation_table.pth"))
        assertFileProblem("has 3 flags but point_cloud.ply has 64 Gaussians") { _ = try SceneLoader.load(path: dir.path) }
    }

    func testCfgArgsLiterals() throws {
        let text = "Namespace(a='x\\'y', b=-1.5e-06, c=[1, (2, 3)], d={'k': {'r': [64, 25]}, 'n': None}, e=True, f=\"q\", g=-inf)"
        let ns = try PythonNamespace.parse(text) { SceneFileError(path: "cfg_args", problem: $0) }
        XCTAssertEqual(ns["a"], .string("x'y"))
        XCTAssertEqual(ns["b"], .float(-1.5e-06))
        XCTAssertEqual(ns["c"], .list([.int(1), .tuple([.int(2), .int(3)])]))
        XCTAssertEqual(ns["d"]?["k"]?["r"], .list([.int(64), .int(25)]))
        XCTAssertEqual(ns["d"]?["n"], PythonLiteral.none)
        XCTAssertEqual(ns["e"], .bool(true))
        XCTAssertEqual(ns["f"], .string("q"))
        XCTAssertEqual(ns["g"], .float(-.infinity))
        for (bad, problem) in [("Namespace(a=os.system('x'))", "'os' is not a literal (only strings, numbers, True, False, None, lists, tuples and dicts) at byte 14"),
                               ("Namespace(a=[1, 2", "expected ',' or ']' at byte 17"),
                               ("Namespace(a='x)", "unterminated string at byte 15")] {
            assertFileProblem(problem) { _ = try PythonNamespace.parse(bad) { SceneFileError(path: "cfg_args", problem: $0) } }
        }
    }

    func testFuzzSeedDeforms() throws {
        let format = FourDGaussiansFolder()
        for seed in try format.fuzzSeeds() { try format.fuzz(seed.data) }
    }
}
