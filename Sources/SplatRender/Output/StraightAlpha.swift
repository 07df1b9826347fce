import SplatCore

/// Colour with straight (un-premultiplied) alpha, for compositing a frame rendered over black.
public enum StraightAlpha {
    /// RGBA where each colour is C / α (0 where α is 0). The frame must be rendered on black,
    /// so that its colour is the premultiplied colour.
    public static func image(of frame: RenderedFrame) -> Image {
        var rgba = frame.colourWithAlpha
        for p in 0..<(rgba.width * rgba.height) {
            let a = rgba.pixels[p * 4 + 3]
            for c in 0..<3 { rgba.pixels[p * 4 + c] = a > 0 ? rgba.pixels[p * 4 + c] / a : 0 }
        }
        return rgba
    }
}
