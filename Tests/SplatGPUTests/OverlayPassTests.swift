import XCTest
import SplatCore
@testable import SplatGPU
import SplatTestSupport

/// overlay.comp against its CPU twin, OverlayCompositor, byte for byte, on a rendered frame.
final class OverlayPassTests: GPUTestCase {
    static let primitives: [OverlayPrimitive] = [
        .rectangle(x: -4, y: 60, width: 200, height: 20, color: OverlayColor(0, 0, 0, 160)),
        .rectangle(x: 10, y: 70, width: 50, height: 4, color: OverlayColor(90, 90, 90)),
        .rectangle(x: 33, y: 64, width: 3, height: 14, color: OverlayColor(255, 255, 255)),
        .text("t 1.250 s  [0.000 - 3.000] ~{|}", x: 3, y: 62, scale: 1, color: OverlayColor(235, 200, 30, 230)),
        .text("Hi", x: 70, y: 2, scale: 3, color: OverlayColor(20, 240, 128, 77)),
        .text("clipped é", x: 90, y: -3, scale: 2, color: OverlayColor(255, 0, 0)),
        .rectangle(x: 500, y: 500, width: 10, height: 10, color: OverlayColor(255, 0, 0)),  // off the image
    ]

    func testOverlayOnARenderedFrameEqualsTheCPUTwin() throws {
        let camera = Fixtures.camera(width: 101, height: 77)
        let cloud = Fixtures.randomCloud(count: 300, degree: 1, seed: 16, camera: camera)
        let frame = try rasterizer.render(cloud, camera: camera, settings: RenderSettings())
        let colour = frame.colour
        let colours = (0..<colour.width * colour.height).map { i in
            SIMD4(colour.pixels[i * 3], colour.pixels[i * 3 + 1], colour.pixels[i * 3 + 2], 1)
        }
        let presenter = try SwapchainPresenter(device: device)
        let expected = OverlayCompositor.composited(colour, with: OverlayPassTests.primitives).quantized8()
        for order in [SwapchainPixelOrder.rgba, .bgra] {
            let words = try presenter.quantize(colours, width: colour.width, height: colour.height, order: order,
                                               overlay: OverlayPassTests.primitives)
            let rgb = SwapchainPresenter.rgb(fromPacked: words, order: order)
            XCTAssertEqual(rgb, expected, "\(order)")
            XCTAssert(words.allSatisfy { $0 >> 24 == 255 }, "alpha stays opaque")
            XCTAssertNotEqual(rgb, colour.quantized8(), "the overlay changed the frame")
        }
        // Without an overlay the pixels are the frame alone.
        let plain = try presenter.quantize(colours, width: colour.width, height: colour.height, order: .rgba)
        XCTAssertEqual(SwapchainPresenter.rgb(fromPacked: plain, order: .rgba), colour.quantized8())
    }

    func testEncodingClipsBoundsSwizzlesColoursAndListsRows() throws {
        let encoding = try XCTUnwrap(OverlayEncoding([.rectangle(x: 5, y: 3, width: 4, height: 10, color: OverlayColor(1, 2, 3, 4)),
                                                      .rectangle(x: 40, y: 40, width: 5, height: 5, color: OverlayColor(9, 9, 9)),
                                                      .text("A~é", x: -2, y: 1, scale: 2, color: OverlayColor(7, 8, 9))],
                                                     width: 20, height: 12, order: .bgra))
        XCTAssertEqual(encoding.items.count, 2, "the rectangle off the image is left out")
        XCTAssertEqual(encoding.items[0], OverlayPush(bounds: SIMD4(5, 3, 9, 12), origin: SIMD2(5, 3), imageWidth: 20,
                                                      colour: 3 | 2 << 8 | 1 << 16 | 4 << 24), "clipped, colour swizzled to BGRA")
        XCTAssertEqual(encoding.items[1], OverlayPush(bounds: SIMD4(0, 1, 20, 12), origin: SIMD2(-2, 1), imageWidth: 20,
                                                      colour: 9 | 8 << 8 | 7 << 16 | 255 << 24, kind: 1, scale: 2,
                                                      firstChar: UInt32(95 * 7), charCount: 3))
        XCTAssertEqual(Array(encoding.words[(95 * 7)...]), [65, 126, 63], "character codes after the font; é draws as ?")
        XCTAssertEqual(encoding.rows, [1..<12], "the rows kept clean")
        XCTAssertTrue(OverlayPass.groups(encoding.items[0]) == (1, 1, 1))
        // 64 columns and 32 rows per workgroup.
        XCTAssertTrue(OverlayPass.groups(OverlayPush(bounds: SIMD4(10, 5, 140, 70), origin: .zero, imageWidth: 200, colour: 0)) == (3, 3, 1))
        let two = try XCTUnwrap(OverlayEncoding([.rectangle(x: 0, y: 0, width: 2, height: 2, color: OverlayColor(0, 0, 0)),
                                                 .rectangle(x: 5, y: 1, width: 2, height: 3, color: OverlayColor(0, 0, 0)),
                                                 .rectangle(x: 0, y: 7, width: 2, height: 9, color: OverlayColor(0, 0, 0))],
                                                width: 8, height: 10, order: .rgba))
        XCTAssertEqual(two.rows, [0..<4, 7..<10], "overlapping spans merge, disjoint ones stay apart")
        XCTAssertNil(OverlayEncoding([.rectangle(x: -9, y: 0, width: 9, height: 5, color: OverlayColor(0, 0, 0))], width: 8, height: 8, order: .rgba))
        XCTAssertNil(OverlayEncoding([], width: 8, height: 8, order: .rgba))
    }

    func testOverlayCostIsMeasured() throws {
        let presenter = try SwapchainPresenter(device: device)
        let ms = try XCTUnwrap(presenter.overlayMilliseconds(OverlayPassTests.primitives, width: 128, height: 96, repeats: 3))
        XCTAssertGreaterThan(ms, 0)
        XCTAssertLessThan(ms, 1000)
        XCTAssertNil(try presenter.overlayMilliseconds([], width: 128, height: 96))
    }
}
