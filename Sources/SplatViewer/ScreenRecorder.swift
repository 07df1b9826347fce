import Foundation
import SplatCore
import SplatRender

/// Records what the window shows into a video at a fixed frame rate in wall-clock time, so the
/// video plays at the speed it was seen: each image fills the video frames until the next one is
/// shown (a paused, undrawn stretch repeats the image on screen; frames drawn faster than the
/// rate are dropped).
final class ScreenRecorder {
    let path: String
    let width: Int, height: Int
    private let encoder: VideoEncoder
    private let frameRate: Double
    private let start: Double
    private var shown: Image?
    /// Video frames due before wall time `start + n / frameRate` have been written for n < written.
    private(set) var written = 0

    init(path: String, width: Int, height: Int, start: Double, frameRate: Double = VideoSettings.defaultFrameRate,
         codec: VideoRequest = VideoRequest()) throws {
        guard let container = VideoContainer(path: path) else {
            throw ViewerError("\(path): a recording must be a \(VideoContainer.extensionList) video")
        }
        encoder = try VideoEncoder(path: path, width: width, height: height,
                                   settings: VideoSettings(container: container, codec: codec.codec, crf: codec.crf, frameRate: frameRate))
        self.path = path
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.start = start
    }

    /// `image` is on screen from wall time `now` on.
    func show(_ image: Image, at now: Double) throws {
        try fill(until: now)
        shown = image
    }

    /// Ends the recording at `now` (at least one frame) and renames the video into place; returns its frame count.
    func finish(at now: Double) throws -> Int {
        try fill(until: now)
        if written == 0, let shown {
            try encoder.append(shown)
            written += 1
        }
        try encoder.finish()
        return written
    }

    func abandon() { encoder.abandon() }

    /// Writes the shown image for every video frame whose time is before `now`.
    private func fill(until now: Double) throws {
        guard let shown else { return }
        let due = Int(((now - start) * frameRate - 1e-9).rounded(.up))  // 1e-9: 0.1 s × 30 is 3 frames, not 4
        while written < due {
            try encoder.append(shown)
            written += 1
        }
    }
}
