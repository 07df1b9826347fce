import Foundation
import SplatFormats
import SplatTestSupport
import XCTest

final class TrainerConfigTests: XCTestCase {
    func write(_ text: String) throws -> String {
        let path = try TestPaths.temporaryFolder(for: self).appendingPathComponent("config.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The layout of the trainer's configs/dynerf/*.yaml.
    func testTimeDurationAndFrameRatio() throws {
        let plain = try write("gaussian_dim: 4\ntime_duration: [0.0, 10.0]  # seconds\nnum_pts: 300_000\n\nModelParams:\n  sh_degree: 3\n")
        XCTAssertEqual(try TrainerConfig.timeDuration(path: plain), 0...10)
        let ratio = try write("time_duration: [-0.5, 0.5]\nModelParams:\n  frame_ratio: 2\n")
        XCTAssertEqual(try TrainerConfig.timeDuration(path: ratio), -0.25...0.25)
    }

    func testMissingOrBadValuesAreOneLine() throws {
        let none = try write("ModelParams:\n  sh_degree: 3\n")
        XCTAssertThrowsError(try TrainerConfig.timeDuration(path: none)) { XCTAssertEqual("\($0)", "\(none): no time_duration in the config") }
        let bad = try write("time_duration: [3, 1]\n")
        XCTAssertThrowsError(try TrainerConfig.timeDuration(path: bad)) {
            XCTAssertEqual("\($0)", "\(bad): time_duration must be [T0, T1] with T0 < T1, got '[3, 1]'")
        }
    }
}
