import SplatCore
@testable import SplatRender
import XCTest

/// Straight alpha and 16-bit depth: exact values.
final class OutputEncodingTests: XCTestCase {
    private func frame(colour: [Float], alpha: [Float]) -> RenderedFrame {
        let n = alpha.count
        return RenderedFrame(colour: Image(width: n, height: 1, channels: 3, pixels: colour),
                             alpha: Image(width: n, height: 1, channels: 1, pixels: alpha),
                             depth: Image(width: n, height: 1, channels: 1, fill: 0),
                             statistics: FrameStatistics(gaussians: 0, visibleGaussians: 0, tileInstances: 0))
    }

    func testStraightAlphaDividesColourByAlpha() {
        let rendered = frame(colour: [0.25, 0.5, 0.125, 0.3, 0.3, 0.3, 0.8, 0.4, 0.2], alpha: [0.5, 0, 1])
        let rgba = StraightAlpha.image(of: rendered)
        XCTAssertEqual(rgba.channels, 4)
        XCTAssertEqual(rgba.pixels, [0.5, 1, 0.25, 0.5, 0, 0, 0, 0, 0.8, 0.4, 0.2, 1])
        XCTAssertEqual(FrameOutputs(straightAlpha: true).colour(of: rendered), rgba)
        XCTAssertEqual(FrameOutputs().colour(of: rendered), rendered.colour)
    }

    func testDepthIsRoundedAndClampedToSixteenBits() {
        let encoding = DepthEncoding(scale: 0.001)
        XCTAssertEqual(encoding.samples([0, 0.0014, 0.0016, 1.25, 65.535, 100, -1]), [0, 1, 2, 1250, 65535, 65535, 0])
        XCTAssertEqual(DepthEncoding(scale: 0.5).samples([0.2, 0.3, 10]), [0, 1, 20])
        XCTAssertEqual(encoding.textChunks.map(\.0), ["splat4d:depth_scale", "Description"])
        XCTAssertEqual(encoding.textChunks.map(\.1), ["0.001", "expected view depth = value × 0.001 scene units; 0 = empty"])
    }
}
