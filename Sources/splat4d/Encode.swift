import ArgumentParser
import Foundation
import SplatCore
import SplatRender

/// Joins numbered PNG frames (a render's output, its shards, a resumed run) into one video.
struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join numbered PNG frames into a video (.mp4, .webm, .mov or .gif) with ffmpeg.",
        discussion: "splat4d encode 'out/frame_%05d.png' perf.mp4 --fps 24. The frames are every file the pattern "
            + "names in its folder, in frame order; a gap in the numbering or a frame of another size is an error. "
            + "RGBA frames keep their alpha with --alpha (.webm, .mov), else they are composited over black.")

    @Argument(help: "The frames' pattern (frame_%05d.png or frame_{frame}.png), as given to render --output.")
    var frames: String

    @Argument(help: "The video to write (.mp4, .webm, .mov or .gif).")
    var output: String

    @Option(help: "Frames per second of the video.")
    var fps: Double = VideoSettings.defaultFrameRate

    @Flag(help: "Keep the frames' alpha channel (.webm, .mov).")
    var alpha = false

    @OptionGroup var video: VideoOptions

    @Flag(help: "Replace an existing video.")
    var overwrite = false

    func validate() throws {
        guard VideoContainer.isVideo(output) else {
            throw ValidationError("the output must be a \(VideoContainer.extensionList) video, got '\(output)'")
        }
        guard fps.isFinite, fps > 0 else { throw ValidationError("--fps must be a positive number") }
    }

    func run() throws {
        let settings = video.settings(container: VideoContainer(path: output)!, alpha: alpha, frameRate: fps)
        _ = try FFmpeg.locate()
        try settings.validate()
        try OutputPath.checkWritable(output)
        if !overwrite, FileManager.default.fileExists(atPath: output) {
            throw UserError("\(output) already exists; use --overwrite to replace it", kind: .io)
        }
        var join = try VideoJoin(frames: try FramePatternFiles.find(frames), output: output, settings: settings)
        Interrupt.install()
        join.isCancelled = { Interrupt.requested != 0 }
        let written = try join.run()
        FileHandle.standardError.write(Data("splat4d: wrote \(output) (\(written) frames at \(VideoSettings.rate(fps)) frames/s)\n".utf8))
    }
}
