import SplatCore
import SplatPNG

/// Depth as 16-bit grey: each step is `scale` scene units, 0 means empty (nothing drawn).
public struct DepthEncoding: Equatable, Sendable {
    /// Scene units per step.
    public var scale: Float

    public init(scale: Float) { self.scale = scale }

    /// The samples of a depth image: depth / scale rounded, clamped to 0...65535.
    public func samples(_ depth: [Float]) -> [UInt16] {
        depth.map { d in UInt16(min(65535, max(0, (d / scale).rounded()))) }
    }

    /// The PNG text chunks that say how to read the samples back.
    public var textChunks: [(String, String)] {
        [("splat4d:depth_scale", "\(scale)"),
         ("Description", "expected view depth = value × \(scale) scene units; 0 = empty")]
    }

    /// Writes a depth image as a 16-bit grey PNG (atomically).
    public func write(_ depth: Image, to path: String) throws {
        try PNGFile.writeGray16(width: depth.width, height: depth.height, samples: samples(depth.pixels), to: path, text: textChunks)
    }
}
