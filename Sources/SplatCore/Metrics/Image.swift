/// A floating-point image: row-major, channels interleaved, nominal range [0, 1].
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA).
    public let channels: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width >= 0 && height >= 0 && (1...4).contains(channels))
        precondition(pixels.count == width * height * channels, "pixel array has the wrong length")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int, fill: Float = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: fill, count: width * height * channels))
    }

    public subscript(x: Int, y: Int, c: Int) -> Float {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// Whether the last channel is alpha (grey + alpha, RGBA).
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The colour channels: every channel but alpha.
    public var colourChannels: Int { hasAlpha ? channels - 1 : channels }

    /// The image without its alpha channel, if it has one.
    public func droppingAlpha() -> Image { keepingChannels(colourChannels) }

    /// The image with only its first `count` channels (e.g. RGB of an RGBA image).
    public func keepingChannels(_ count: Int) -> Image {
        precondition(count >= 1 && count <= channels)
        if count == channels { return self }
        var out = [Float](repeating: 0, count: width * height * count)
        for p in 0..<(width * height) {
            for c in 0..<count { out[p * count + c] = pixels[p * channels + c] }
        }
        return Image(width: width, height: height, channels: count, pixels: out)
    }

    /// 8-bit quantisation used for every PNG we write: floor(255·clamp(v, 0, 1) + 0.5).
    /// NaN maps to 0.
    public func quantized8() -> [UInt8] {
        pixels.map { v in
            let c = v.isNaN ? 0 : Swift.min(Swift.max(v, 0), 1)
            return UInt8((255 * c + 0.5).rounded(.down))
        }
    }
}
