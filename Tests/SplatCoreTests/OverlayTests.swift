import XCTest
import SplatCore

/// The overlay's font and its CPU compositor (the twin of overlay.comp).
final class OverlayTests: XCTestCase {
    func testFontHasEveryPrintableASCIIGlyphDistinct() {
        XCTAssertEqual(OverlayFont.rows.count, 95 * 7)
        var seen: [[UInt8]: Int] = [:]
        for code in 33...126 {
            let glyph = Array(OverlayFont.rows[(code - 32) * 7..<(code - 31) * 7])
            XCTAssert(glyph.contains { $0 != 0 }, "glyph \(code) is blank")
            XCTAssert(glyph.allSatisfy { $0 < 32 }, "glyph \(code) is wider than 5 pixels")
            XCTAssertNil(seen[glyph], "glyphs \(seen[glyph] ?? 0) and \(code) are the same")
            seen[glyph] = code
        }
        XCTAssert(OverlayFont.rows[0..<7].allSatisfy { $0 == 0 }, "space is blank")
        // 'T': a full top row, then the centre column only.
        let t = Int(Character("T").asciiValue!)
        XCTAssertEqual(OverlayFont.rows[(t - 32) * 7], 0b11111)
        XCTAssert((1..<7).allSatisfy { OverlayFont.rows[(t - 32) * 7 + $0] == 0b00100 })
        XCTAssertTrue(OverlayFont.isSet(code: t, column: 2, row: 6))
        XCTAssertFalse(OverlayFont.isSet(code: t, column: 5, row: 0), "the spacing column is clear")
        XCTAssertEqual(OverlayFont.code(for: "é"), Int(Character("?").asciiValue!))
        XCTAssertEqual(OverlayFont.ascii("← / → 1/16× … 16×"), "<- / -> 1/16x ... 16x")
    }

    func testIntegerBlend() {
        XCTAssertEqual(OverlayCompositor.blend(200, over: 10, alpha: 255), 200)
        XCTAssertEqual(OverlayCompositor.blend(200, over: 10, alpha: 0), 10)
        // (255·128 + 0·127 + 127) / 255 = 128.5 → 128
        XCTAssertEqual(OverlayCompositor.blend(255, over: 0, alpha: 128), 128)
        XCTAssertEqual(OverlayCompositor.blend(0, over: 255, alpha: 160), 95)  // (255·95 + 127) / 255
    }

    func testRectangleCoversExactlyItsPixelsClippedToTheImage() {
        let width = 10, height = 6
        var rgb = [UInt8](repeating: 50, count: width * height * 3)
        let red = OverlayColor(255, 0, 0)
        OverlayCompositor.composite([.rectangle(x: 7, y: -2, width: 5, height: 4, color: red)], onto: &rgb, width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let inside = x >= 7 && y < 2
                XCTAssertEqual(Array(rgb[i..<i + 3]), inside ? [255, 0, 0] : [50, 50, 50], "(\(x), \(y))")
            }
        }
    }

    func testTextDrawsTheFontBitsScaled() {
        let width = 20, height = 18
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        OverlayCompositor.composite([.text("T!", x: 1, y: 1, scale: 2, color: OverlayColor(255, 255, 255))], onto: &rgb,
                                    width: width, height: height)
        let t = Int(Character("T").asciiValue!), bang = Int(Character("!").asciiValue!)
        for y in 0..<height {
            for x in 0..<width {
                var expected = false
                if x >= 1, y >= 1, y < 17, x < 25 {
                    let fx = (x - 1) / 2, fy = (y - 1) / 2
                    expected = OverlayFont.isSet(code: fx < 6 ? t : bang, column: fx % 6, row: fy)
                }
                XCTAssertEqual(rgb[(y * width + x) * 3], expected ? 255 : 0, "(\(x), \(y))")
            }
        }
        XCTAssertEqual(OverlayPrimitive.text("T!", x: 1, y: 1, scale: 2, color: OverlayColor(0, 0, 0)).bounds.width, 24)
    }

    func testCompositedImageIsTheQuantisedFrameWithTheOverlay() {
        let image = Image(width: 4, height: 2, channels: 3, pixels: (0..<24).map { Float($0) / 23 })
        let out = OverlayCompositor.composited(image, with: [.rectangle(x: 1, y: 0, width: 1, height: 1, color: OverlayColor(0, 0, 255, 128))])
        var expected = image.quantized8()
        for c in 0..<3 { expected[3 + c] = OverlayCompositor.blend(c == 2 ? 255 : 0, over: expected[3 + c], alpha: 128) }
        XCTAssertEqual(out.quantized8(), expected)
        XCTAssertNotEqual(out.quantized8(), image.quantized8())
    }
}
