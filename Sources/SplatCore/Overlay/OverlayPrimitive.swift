/// An 8-bit straight-alpha colour for overlay drawing (alpha 255: opaque).
public struct OverlayColor: Equatable, Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8, a: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) {
        self.r = r
        self.g = g
        self.b = b
        self.a = a
    }
}

/// One thing an overlay draws over a frame, in pixels (origin top left, y down). Drawn in list
/// order, each blended over what is below it (`OverlayCompositor.blend`).
public enum OverlayPrimitive: Equatable, Sendable {
    /// A filled rectangle.
    case rectangle(x: Int, y: Int, width: Int, height: Int, color: OverlayColor)
    /// A line of text in `OverlayFont`, its cell's top-left corner at (x, y), each font pixel
    /// drawn as scale×scale pixels. Characters outside ASCII 32…126 draw as '?'.
    case text(String, x: Int, y: Int, scale: Int, color: OverlayColor)

    /// The pixels it may touch (before clipping to an image): x, y, width, height.
    public var bounds: (x: Int, y: Int, width: Int, height: Int) {
        switch self {
        case let .rectangle(x, y, width, height, _):
            return (x, y, max(0, width), max(0, height))
        case let .text(string, x, y, scale, _):
            let s = max(1, scale)
            return (x, y, string.unicodeScalars.count * OverlayFont.advance * s, OverlayFont.cellHeight * s)
        }
    }

    public var color: OverlayColor {
        switch self {
        case let .rectangle(_, _, _, _, color), let .text(_, _, _, _, color): return color
        }
    }

    /// Pixel width of `text` drawn at `scale`.
    public static func textWidth(_ text: String, scale: Int) -> Int {
        text.unicodeScalars.count * OverlayFont.advance * max(1, scale)
    }
}
