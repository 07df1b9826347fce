import SplatCore

/// How a video is encoded: the container, the codec and its quality, the frame rate and whether
/// alpha is kept. `arguments` turns it into ffmpeg's command line.
public struct VideoSettings: Equatable, Sendable {
    public var container: VideoContainer
    /// ffmpeg's encoder name; nil: the container's default (`VideoContainer.defaultCodec`).
    public var codec: String?
    /// Constant rate factor; nil: 18 for H.264/H.265 (visually lossless for x264), 30 for VP9 and AV1
    /// (the VP9 encoding guide's range for HD). Not used by GIF or ProRes.
    public var crf: Int?
    /// Frames per second of the container (exact for integer and decimal rates: ffmpeg keeps them as rationals).
    public var frameRate: Double
    /// Keep an RGBA frame's alpha (webm, mov); otherwise the frames are RGB.
    public var alpha: Bool

    public init(container: VideoContainer, codec: String? = nil, crf: Int? = nil, frameRate: Double = 30, alpha: Bool = false) {
        self.container = container
        self.codec = codec
        self.crf = crf
        self.frameRate = frameRate
        self.alpha = alpha
    }

    /// The frame rate when a sequence gives none.
    public static let defaultFrameRate = 30.0

    /// Throws when the combination cannot be written (alpha in an mp4, a CRF for a GIF, a bad rate).
    public func validate() throws {
        guard frameRate.isFinite, frameRate > 0 else { throw RequestError(.fps, "must be a positive number") }
        if alpha, !container.carriesAlpha {
            throw RequestError(.alpha, "cannot be kept in a .\(container.rawValue) video: write .webm (VP9) or .mov (ProRes 4444), or PNG frames")
        }
        if container == .gif, codec != nil { throw RequestError(.videoCodec, "does not apply to a GIF (it is always GIF with a palette)") }
        if let crf {
            guard (0...63).contains(crf) else { throw RequestError(.crf, "must be between 0 and 63, got \(crf)") }
            if container == .gif || codecName == "prores_ks" {
                throw RequestError(.crf, "does not apply to \(container == .gif ? "a GIF" : "ProRes")")
            }
        }
    }

    /// The encoder used.
    public var codecName: String { codec ?? container.defaultCodec(alpha: alpha) }

    /// Whether the encoded frames need an even width and height (4:2:0 chroma halves both).
    var needsEvenSize: Bool { pixelFormat.map { $0.contains("420") } ?? false }

    /// The pixel format asked of the encoder: 4:2:0 for the common YUV encoders (what players
    /// expect), with alpha where kept; ProRes 4444 with alpha; nil for other encoders (ffmpeg's choice).
    var pixelFormat: String? {
        switch codecName {
        case "libx264", "libx265", "libvpx-vp9", "libvpx", "libaom-av1", "libsvtav1", "libdav1d", "mpeg4":
            return alpha && codecName.hasPrefix("libvpx") ? "yuva420p" : "yuv420p"
        case "prores_ks":
            return alpha ? "yuva444p10le" : "yuv422p10le"
        default:
            return nil
        }
    }

    private var defaultCRF: Int? {
        switch codecName {
        case "libx264", "libx265": return 18
        case "libvpx-vp9", "libaom-av1", "libsvtav1": return 30
        default: return nil
        }
    }

    /// ffmpeg's arguments to read raw `width`×`height` frames (RGB, or RGBA with alpha, 8 bits) from
    /// standard input and write the video to `output`.
    func arguments(width: Int, height: Int, output: String) -> [String] {
        var args = ["-hide_banner", "-loglevel", "error", "-nostats",
                    "-f", "rawvideo", "-pix_fmt", alpha ? "rgba" : "rgb24", "-s", "\(width)x\(height)",
                    "-framerate", Self.rate(frameRate), "-i", "pipe:0"]
        if container == .gif {
            // One pass: a palette made from every frame, then used to map them (ffmpeg's palettegen/paletteuse).
            args += ["-filter_complex", "[0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse", "-loop", "0"]
        } else {
            args += ["-c:v", codecName]
            if let pixelFormat {
                if pixelFormat.hasPrefix("yuv") && !alpha {
                    // Convert with BT.709 and tag it, so players decode the colours that were encoded.
                    args += ["-vf", "scale=out_color_matrix=bt709:out_range=tv",
                             "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "iec61966-2-1", "-color_range", "tv"]
                }
                args += ["-pix_fmt", pixelFormat]
            }
            if let crf = crf ?? defaultCRF { args += ["-crf", String(crf)] }
            switch codecName {
            case "libvpx-vp9": args += ["-b:v", "0", "-row-mt", "1"]  // constant quality (crf with no bitrate cap)
            case "prores_ks": args += ["-profile:v", alpha ? "4444" : "standard"]
            default: break
            }
            if container == .mp4 || container == .mov { args += ["-movflags", "+faststart"] }
        }
        return args + ["-f", container.muxer, "-y", output]
    }

    /// A frame rate as ffmpeg reads it: an integer when it is one, else the decimal.
    public static func rate(_ fps: Double) -> String {
        fps == fps.rounded() && fps < 1e9 ? String(Int(fps)) : String(fps)
    }
}
