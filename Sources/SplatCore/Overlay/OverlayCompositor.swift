/// Draws overlay primitives over 8-bit RGB pixels: the CPU twin of Shaders/overlay.comp, byte for
/// byte. Blending is integer straight alpha, out = (src·a + dst·(255 − a) + 127) / 255 per channel
/// with integer division (rounding to nearest), so the GPU and the CPU agree exactly.
public enum OverlayCompositor {
    /// One channel of `src` at alpha `a` over `dst`.
    @inline(__always)
    public static func blend(_ src: UInt8, over dst: UInt8, alpha a: UInt8) -> UInt8 {
        let s = UInt32(src), d = UInt32(dst), a = UInt32(a)
        return UInt8((s * a + d * (255 - a) + 127) / 255)
    }

    /// Whether `primitive` covers pixel (x, y) (inside its bounds, and for text on a set font bit).
    public static func covers(_ primitive: OverlayPrimitive, x: Int, y: Int) -> Bool {
        let b = primitive.bounds
        guard x >= b.x, y >= b.y, x < b.x + b.width, y < b.y + b.height else { return false }
        switch primitive {
        case .rectangle:
            return true
        case let .text(string, ox, oy, scale, _):
            let s = max(1, scale)
            let fx = (x - ox) / s, fy = (y - oy) / s
            let cell = fx / OverlayFont.advance, column = fx % OverlayFont.advance
            let scalars = Array(string.unicodeScalars)
            guard cell < scalars.count else { return false }
            return OverlayFont.isSet(code: OverlayFont.code(for: scalars[cell]), column: column, row: fy)
        }
    }

    /// Draws `primitives` in order over `rgb` (width·height·3 bytes, row-major, top row first).
    public static func composite(_ primitives: [OverlayPrimitive], onto rgb: inout [UInt8], width: Int, height: Int) {
        precondition(rgb.count == width * height * 3, "rgb must hold width·height·3 bytes")
        for primitive in primitives {
            let b = primitive.bounds
            let x0 = max(0, b.x), y0 = max(0, b.y), x1 = min(width, b.x + b.width), y1 = min(height, b.y + b.height)
            guard x0 < x1, y0 < y1 else { continue }
            let c = primitive.color
            for y in y0..<y1 {
                for x in x0..<x1 where covers(primitive, x: x, y: y) {
                    let i = (y * width + x) * 3
                    rgb[i] = blend(c.r, over: rgb[i], alpha: c.a)
                    rgb[i + 1] = blend(c.g, over: rgb[i + 1], alpha: c.a)
                    rgb[i + 2] = blend(c.b, over: rgb[i + 2], alpha: c.a)
                }
            }
        }
    }

    /// `image` as the window shows it with `primitives` drawn over: its colour quantised to 8 bits
    /// (the PNG rule, alpha dropped), the overlay blended in, as an RGB image of k/255 values
    /// (which a PNG writes back as exactly those bytes).
    public static func composited(_ image: Image, with primitives: [OverlayPrimitive]) -> Image {
        let rgbImage = image.channels == 3 ? image : image.droppingAlpha().asRGB()
        var bytes = rgbImage.quantized8()
        composite(primitives, onto: &bytes, width: image.width, height: image.height)
        return Image(width: image.width, height: image.height, channels: 3, pixels: bytes.map { Float($0) / 255 })
    }
}

private extension Image {
    /// Grey images as RGB (three equal channels).
    func asRGB() -> Image {
        guard channels == 1 else { return self }
        return Image(width: width, height: height, channels: 3, pixels: pixels.flatMap { [$0, $0, $0] })
    }
}
