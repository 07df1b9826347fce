import SplatCore

/// Raw 8-bit frames as ffmpeg's rawvideo reads them: rows of RGB or RGBA, quantised as PNGs are
/// (`Image.quantized8`), padded right and below to the encoded size by repeating the last column and row.
enum RawFrame {
    static func bytes(of image: Image, alpha: Bool, width: Int, height: Int) -> [UInt8] {
        let source = image.quantized8()
        let out = alpha ? 4 : 3
        let c = image.channels
        var bytes = [UInt8](repeating: 0, count: width * height * out)
        for y in 0..<height {
            let sy = min(y, image.height - 1)
            for x in 0..<width {
                let s = (sy * image.width + min(x, image.width - 1)) * c
                let d = (y * width + x) * out
                let a = image.hasAlpha ? source[s + c - 1] : 255
                for k in 0..<3 {
                    let v = source[s + (image.colourChannels == 1 ? 0 : k)]
                    // Without alpha in the video, straight alpha is composited over black.
                    bytes[d + k] = alpha || !image.hasAlpha ? v : UInt8((UInt32(v) * UInt32(a) + 127) / 255)
                }
                if alpha { bytes[d + 3] = a }
            }
        }
        return bytes
    }
}
