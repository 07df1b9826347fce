import ArgumentParser
import SplatRender

/// How a video output is encoded (render, encode, view --record).
struct VideoOptions: ParsableArguments {
    @Option(help: ArgumentHelp("ffmpeg encoder for a video output (default: libx264 for .mp4/.mov, libvpx-vp9 for .webm; "
                               + "prores_ks for .mov with --alpha).", valueName: "name"))
    var videoCodec: String?

    @Option(help: "Constant rate factor of a video output (lower is better; default 18 for H.264, 30 for VP9).")
    var crf: Int?

    var request: VideoRequest { VideoRequest(codec: videoCodec, crf: crf) }

    /// The settings for `container` (frame rate set later, from the sequence).
    func settings(container: VideoContainer, alpha: Bool, frameRate: Double = VideoSettings.defaultFrameRate) -> VideoSettings {
        VideoSettings(container: container, codec: videoCodec, crf: crf, frameRate: frameRate, alpha: alpha)
    }

    func validate(output: String) throws {
        if !VideoContainer.isVideo(output), videoCodec != nil || crf != nil {
            throw ValidationError("--video-codec and --crf are for a video output (\(VideoContainer.extensionList)), got '\(output)'")
        }
    }
}
