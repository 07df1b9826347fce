import Foundation
import XCTest
import SplatTestSupport

/// 4DGaussians model folders through the CLI: `info` shows the network and the trainer's time,
/// Vulkan renders what the CPU reference renders, bad folders fail in one line.
final class FourDGaussiansCLITests: XCTestCase {
    let fixtures = TestPaths.fixtures.appendingPathComponent("4dgaussians")

    func testInfoShowsTheArchitectureAndTheTrainersTime() throws {
        let result = try CLI.run(["info", fixtures.appendingPathComponent("dnerf").path, "--json", "--iteration", "3000"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(info["format"] as? String, "4dgaussians")
        XCTAssertEqual(info["gaussians"] as? Int, 64)
        XCTAssertEqual(info["time_range"] as? [Double], [0, 1])
        XCTAssertEqual(info["time_meaning"] as? String, "the trainer's time: 0 to 1 over the training frames")
        XCTAssertEqual(info["deformation"] as? String, "HexPlane 2 levels x 6 planes, 32 channels, resolutions [8, 8, 8, 5] "
                       + "[16, 16, 16, 5], MLP width 64 depth 1, heads: position, scale, rotation")
    }

    /// Vulkan (deforming on the CPU, uploading the result) draws the reference's frame.
    func testVulkanRendersTheReferenceFrame() throws {
        let folder = try TestPaths.temporaryFolder(for: self).path
        for model in ["dnerf", "dynerf"] {
            var outputs: [String] = []
            for backend in ["cpu", "vulkan"] {
                let output = folder + "/\(model)-\(backend).png"
                let result = try CLI.run(["render", fixtures.appendingPathComponent(model).path, "--time", "0.4", "--backend", backend,
                                          "--width", "64", "--height", "48", "--output", output])
                if backend == "vulkan", result.status != 0, result.stderr.contains("Vulkan") { throw XCTSkip("no Vulkan device") }
                XCTAssertEqual(result.status, 0, result.stderr)
                outputs.append(output)
            }
            let compare = try CLI.run(["compare", outputs[0], outputs[1], "--json", "--min-psnr", "50"])
            XCTAssertEqual(compare.status, 0, compare.stdout + compare.stderr)
        }
    }

    func testBadFoldersFailInOneLine() throws {
        let path = fixtures.appendingPathComponent("dnerf").path
        let result = try CLI.run(["render", path, "--iteration", "7000", "--output", try TestPaths.temporaryFolder(for: self).path + "/x.png"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "splat4d: error: \(path)/point_cloud: has no iteration_7000 (it has iteration_3000)\n")
    }
}
