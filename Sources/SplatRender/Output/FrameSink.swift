import SplatCore
import SplatPNG

/// Where a sequence's frames go. The runner's writer calls `write` for each frame in order on
/// one background queue, then `finish` after the last frame, or `abandon` after a failure or an
/// interruption.
public protocol FrameSink: AnyObject {
    func write(_ job: FrameJob, frame: RenderedFrame) throws
    /// Completes the output (a video is renamed into place).
    func finish() throws
    /// Removes what is incomplete.
    func abandon()
    /// Whether frames written before a failure stay usable (PNG files: yes; a video: no).
    var keepsFinishedFrames: Bool { get }
}

/// One PNG per frame (and a 16-bit depth PNG where asked), each written atomically.
public final class PNGFrameSink: FrameSink {
    public let outputs: FrameOutputs
    public init(outputs: FrameOutputs) { self.outputs = outputs }

    public func write(_ job: FrameJob, frame: RenderedFrame) throws {
        try PNGFile.write(outputs.colour(of: frame), to: job.output)
        if let depth = job.depthOutput { try outputs.depth.write(frame.depth, to: depth) }
    }

    public func finish() {}
    public func abandon() {}
    public var keepsFinishedFrames: Bool { true }
}

/// Every frame into one video (depth, where asked, still as PNGs per frame).
public final class VideoFrameSink: FrameSink {
    public let encoder: VideoEncoder
    public let outputs: FrameOutputs

    public init(encoder: VideoEncoder, outputs: FrameOutputs) {
        self.encoder = encoder
        self.outputs = outputs
    }

    public func write(_ job: FrameJob, frame: RenderedFrame) throws {
        try encoder.append(outputs.colour(of: frame))
        if let depth = job.depthOutput { try outputs.depth.write(frame.depth, to: depth) }
    }

    public func finish() throws { try encoder.finish() }
    public func abandon() { encoder.abandon() }
    public var keepsFinishedFrames: Bool { false }
}
