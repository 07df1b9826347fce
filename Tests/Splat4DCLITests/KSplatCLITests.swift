import Foundation
import XCTest
import SplatTestSupport

/// .ksplat through the CLI: `info` names the format and its header, a damaged file fails with one
/// line and exit status 1, and nothing is written.
final class KSplatCLITests: XCTestCase {
    let fixtures = TestPaths.fixtures.appendingPathComponent("ksplat")

    func testInfoNamesTheFormatAndItsHeader() throws {
        let result = try CLI.run(["info", fixtures.appendingPathComponent("mode1.ksplat").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssert(result.stdout.contains("format:     ksplat (version 0.1, compression level 1, 3 sections)"), result.stdout)
        XCTAssert(result.stdout.contains("gaussians:  1000"), result.stdout)
        XCTAssert(result.stdout.contains("sh degree:  2"), result.stdout)
    }

    func testADamagedFileFailsWithOneLine() throws {
        let folder = try TestPaths.temporaryFolder(for: self)
        let damaged = folder.appendingPathComponent("cut.ksplat")
        try Data(try Data(contentsOf: fixtures.appendingPathComponent("mode2.ksplat")).prefix(6000)).write(to: damaged)
        let output = folder.appendingPathComponent("cut.png").path
        let result = try CLI.run(["render", damaged.path, "--output", output])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "splat4d: error: \(damaged.path): truncated .ksplat file: section 0 declares 1000 Gaussians "
                       + "and 23 buckets from byte 5120, past the file's 6000 bytes\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }
}
