/// Images that show where two images differ, for people to look at.
public enum ErrorMaps {
    /// The FLIP map in the magma colour map (black: no visible difference; pale yellow: the largest).
    public static func flip(_ map: FLIPErrorMap) -> Image {
        Image(width: map.width, height: map.height, channels: 3,
              pixels: map.errors.flatMap { e -> [Float] in let c = Magma.colour(e); return [c.x, c.y, c.z] })
    }

    /// Per pixel, the mean absolute difference over the colour channels (alpha excluded).
    public static func absoluteDifference(_ a: Image, _ b: Image) -> [Float] {
        precondition(ImageMetrics.sameShape(a, b), "error maps need images of the same shape")
        let colourChannels = a.colourChannels
        return (0..<(a.width * a.height)).map { p in
            var sum: Float = 0
            for c in 0..<colourChannels {
                sum += abs(a.pixels[p * a.channels + c] - b.pixels[p * b.channels + c])
            }
            return sum / Float(colourChannels)
        }
    }

    /// Width in pixels of the colour bar `absoluteDifference(_:_:scale:)` adds on the right.
    public static let colourBarWidth = 12

    /// The absolute difference in magma, `scale` (or the largest difference, when nil) mapped to
    /// the brightest colour, with a colour bar on the right: a gap of the background, then the map
    /// from 0 at the bottom to `scale` at the top. Returns the image and the scale used.
    public static func absoluteDifference(_ a: Image, _ b: Image, scale: Float? = nil) -> (image: Image, scale: Float) {
        let errors = absoluteDifference(a, b)
        let largest = errors.max() ?? 0
        let top = scale ?? (largest > 0 ? largest : 1)
        let width = a.width + colourBarWidth
        var out = Image(width: width, height: a.height, channels: 3, fill: 0)
        for y in 0..<a.height {
            for x in 0..<a.width { out.setRGB(x: x, y: y, Magma.colour(errors[y * a.width + x] / top)) }
            // The bar leaves a 4-pixel black gap, then shows 0 (bottom row) to `top` (top row).
            let level = a.height > 1 ? Float(a.height - 1 - y) / Float(a.height - 1) : 1
            for x in (a.width + 4)..<width { out.setRGB(x: x, y: y, Magma.colour(level)) }
        }
        return (out, top)
    }
}

private extension Image {
    mutating func setRGB(x: Int, y: Int, _ c: SIMD3<Float>) {
        self[x, y, 0] = c.x
        self[x, y, 1] = c.y
        self[x, y, 2] = c.z
    }
}
