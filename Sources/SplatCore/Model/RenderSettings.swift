/// How a frame is rendered, independent of which rasterizer draws it.
public struct RenderSettings: Equatable, Sendable {
    /// Colour composited behind the splats, RGB in [0, 1].
    public var background: SIMD3<Float>
    /// The "antialiased" mode of later 3DGS versions: opacity is scaled by the ratio of the
    /// determinants before and after the 0.3 low-pass (DESIGN.md §3 step 4).
    public var antialiased: Bool

    public init(background: SIMD3<Float> = [0, 0, 0], antialiased: Bool = false) {
        self.background = background
        self.antialiased = antialiased
    }
}

/// The tile grid of the official rasterizer: 16×16-pixel tiles covering the image.
public struct TileGrid: Equatable, Sendable {
    public static let tileSize = 16
    public let width: Int
    public let height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var tilesX: Int { (width + TileGrid.tileSize - 1) / TileGrid.tileSize }
    public var tilesY: Int { (height + TileGrid.tileSize - 1) / TileGrid.tileSize }
    public var tileCount: Int { tilesX * tilesY }

    /// Bits needed to store any tile index (at least 1), i.e. the key bits above the depth.
    public var tileIndexBits: Int {
        var bits = 1
        while (1 << bits) < tileCount { bits += 1 }
        return bits
    }
}

/// A rendered frame: colour composited over the background, plus alpha and expected depth.
public struct RenderedFrame: Sendable {
    /// RGB over the background.
    public var colour: Image
    /// Accumulated opacity 1 − T, one channel.
    public var alpha: Image
    /// Expected view-space depth Σ dᵢ·wᵢ / Σ wᵢ (wᵢ = αᵢ·Tᵢ), 0 where nothing was drawn; one channel.
    public var depth: Image
    public var statistics: FrameStatistics

    public init(colour: Image, alpha: Image, depth: Image, statistics: FrameStatistics) {
        self.colour = colour
        self.alpha = alpha
        self.depth = depth
        self.statistics = statistics
    }

    /// Colour with the alpha channel appended (RGBA), for PNGs that keep transparency.
    public var colourWithAlpha: Image {
        var pixels = [Float](repeating: 0, count: colour.width * colour.height * 4)
        for p in 0..<(colour.width * colour.height) {
            pixels[p * 4] = colour.pixels[p * 3]
            pixels[p * 4 + 1] = colour.pixels[p * 3 + 1]
            pixels[p * 4 + 2] = colour.pixels[p * 3 + 2]
            pixels[p * 4 + 3] = alpha.pixels[p]
        }
        return Image(width: colour.width, height: colour.height, channels: 4, pixels: pixels)
    }
}

public struct FrameStatistics: Equatable, Sendable {
    public var gaussians: Int
    /// Gaussians that survived culling and touch at least one tile.
    public var visibleGaussians: Int
    /// (tile, Gaussian) pairs that were sorted.
    public var tileInstances: Int

    public init(gaussians: Int, visibleGaussians: Int, tileInstances: Int) {
        self.gaussians = gaussians
        self.visibleGaussians = visibleGaussians
        self.tileInstances = tileInstances
    }
}
