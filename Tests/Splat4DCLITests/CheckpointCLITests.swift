import Foundation
import XCTest
import SplatTestSupport

/// PyTorch checkpoints through the CLI: `info` names the format, `render --time` draws the 4DGS
/// checkpoint exactly as the 4D PLY converted from it, other torch files fail with one line.
final class CheckpointCLITests: XCTestCase {
    let fixtures = TestPaths.fixtures.appendingPathComponent("torch")

    func testInfoNamesTheCheckpointFormat() throws {
        let result = try CLI.run(["info", fixtures.appendingPathComponent("chkpnt7000.pth").path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(info["format"] as? String, "4dgs-checkpoint")
        XCTAssertEqual(info["gaussians"] as? Int, 24)
    }

    func testRenderAtATimeMatchesTheConvertedPLY() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var pngs: [Data] = []
        for (name, extra) in [("chkpnt7000.pth", ["--time-duration", "0:10"]), ("chkpnt7000.t.4d.ply", [])] {
            let output = folder.appendingPathComponent("\(name).png").path
            let result = try CLI.run(["render", fixtures.appendingPathComponent(name).path, "--time", "0.5", "--output", output] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            pngs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
        }
        XCTAssertEqual(pngs[0], pngs[1])
        // Without the time duration the colour cannot be the trainer's: one line says what is needed.
        let path = fixtures.appendingPathComponent("chkpnt7000.pth").path
        let refused = try CLI.run(["render", path, "--output", folder.appendingPathComponent("no.png").path])
        XCTAssertEqual(refused.status, 64)
        XCTAssertEqual(refused.stderr, "splat4d: error: \(path): the colour varies with time (sh_degree_t 2) with the period of the "
                       + "training config's time_duration, which the checkpoint does not hold: give --time-duration T0:T1 or --config "
                       + "(the trainer's YAML)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("no.png").path))
    }

    func testOtherTorchFilesFailWithOneLine() throws {
        for (name, problem) in [("legacy.pth", "is a legacy (non-zip) PyTorch file"),
                                ("values.pth", "is a PyTorch file but not a 4DGS checkpoint")] {
            let path = fixtures.appendingPathComponent(name).path
            let result = try CLI.run(["info", path])
            XCTAssertEqual(result.status, 1, name)
            XCTAssertTrue(result.stderr.hasPrefix("splat4d: error: \(path): \(problem)"), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
    }

    /// The trainer's config gives the checkpoint its time-varying colour, as --time-duration does.
    func testTheTrainersConfigGivesTheTimeDuration() throws {
        let fixtures = TestPaths.fixtures.appendingPathComponent("torch")
        let folder = try TestPaths.temporaryFolder(for: self).path
        let config = folder + "/coffee.yaml"
        try "gaussian_dim: 4\ntime_duration: [0.0, 10.0]\nModelParams:\n  sh_degree: 3\n".write(toFile: config, atomically: true, encoding: .utf8)
        var pngs: [Data] = []
        for extra in [["--config", config], ["--time-duration", "0:10"]] {
            let output = folder + "/\(pngs.count).png"
            let result = try CLI.run(["render", fixtures.appendingPathComponent("chkpnt7000.pth").path, "--time", "0.5", "--backend", "cpu",
                                      "--width", "48", "--height", "32", "--output", output] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            pngs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
        }
        XCTAssertEqual(pngs[0], pngs[1])
        let both = try CLI.run(["render", fixtures.appendingPathComponent("chkpnt7000.pth").path, "--config", config,
                                "--time-duration", "0:1", "--output", folder + "/x.png"])
        XCTAssertEqual(both.status, 64)
        XCTAssert(both.stderr.contains("give --time-duration or --config, not both"), both.stderr)
    }
}
