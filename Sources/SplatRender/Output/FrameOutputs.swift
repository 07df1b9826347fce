import SplatCore

/// What a frame's files hold.
public struct FrameOutputs: Equatable, Sendable {
    /// RGBA with straight (un-premultiplied) alpha instead of RGB over the background.
    public var straightAlpha: Bool
    /// How depth images are encoded, where a frame writes one.
    public var depth: DepthEncoding

    public init(straightAlpha: Bool = false, depthScale: Float = 0.001) {
        self.straightAlpha = straightAlpha
        depth = DepthEncoding(scale: depthScale)
    }

    /// The colour image a frame writes.
    public func colour(of frame: RenderedFrame) -> Image {
        straightAlpha ? StraightAlpha.image(of: frame) : frame.colour
    }
}
