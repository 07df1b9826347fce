import SplatCore

/// The run stopped at a cancellation request; every frame before `beforeFrame` is complete.
public struct SequenceInterrupted: FieldNamingError, Equatable {
    /// The first frame not rendered.
    public var beforeFrame: Int
    public var written: Int
    /// Whether the frames written are kept (PNGs); false for a video, which is then not written at all.
    public var keptFrames: Bool
    public var kind: ErrorKind { .interrupted }

    public init(beforeFrame: Int, written: Int, keptFrames: Bool = true) {
        self.beforeFrame = beforeFrame
        self.written = written
        self.keptFrames = keptFrames
    }

    public func worded(naming name: (RequestField) -> String) -> String {
        guard keptFrames else {
            return "interrupted before frame \(beforeFrame): the video was not written (nothing partial is left; "
                + "a video cannot be resumed, PNG frames can)"
        }
        return "interrupted before frame \(beforeFrame): \(written) frames written, all complete; \(name(.resume)) continues"
    }
}

/// A frame that could not be rendered or written; the frames before it are complete.
public struct SequenceFrameError: FieldNamingError {
    public var frame: Int
    /// The frame's time when rendering failed; nil when writing failed.
    public var time: Float?
    public var underlying: Error
    /// Whether the frames before it are kept (PNGs); false for a video, which is then not written.
    public var keptFrames: Bool = true

    public var kind: ErrorKind { (underlying as? SplatError)?.kind ?? .io }

    public func worded(naming name: (RequestField) -> String) -> String {
        let reason = (underlying as? FieldNamingError)?.worded(naming: name) ?? "\(underlying)"
        if let time {
            return "frame \(frame) (t = \(time)): \(reason)"
                + (keptFrames ? "; frames before it are complete, \(name(.resume)) continues" : "; the video was not written")
        }
        if !keptFrames { return "frame \(frame): \(reason); the video was not written" }
        return "frame \(frame): \(reason); frames before it are complete, \(name(.resume)) continues"
    }
}

/// Renders frames in order with one renderer, overlapping rendering with encoding and writing.
public struct SequenceRunner {
    public var renderer: FrameRenderer
    public var settings: RenderSettings
    public var outputs: FrameOutputs
    /// Asked before each frame; true stops the run (`SequenceInterrupted`) after the frames in flight.
    public var isCancelled: @Sendable () -> Bool = { false }
    /// Called (on a background queue) as each frame's files are on disk.
    public var frameWritten: @Sendable (FrameJob) -> Void = { _ in }

    public init(renderer: FrameRenderer, settings: RenderSettings, outputs: FrameOutputs = FrameOutputs()) {
        self.renderer = renderer
        self.settings = settings
        self.outputs = outputs
    }

    /// Renders `jobs` into `sink` (default: PNG files per `outputs`); returns how many frames were
    /// written. On a failure or an interruption the sink is abandoned (a video leaves nothing).
    @discardableResult
    public func run(_ jobs: [FrameJob], into sink: FrameSink? = nil) throws -> Int {
        let sink = sink ?? PNGFrameSink(outputs: outputs)
        let writer = FrameWriter(sink: sink)
        do {
            try render(jobs, writer: writer, sink: sink)
            try sink.finish()
        } catch {
            writer.finish()
            sink.abandon()
            throw error
        }
        return writer.written
    }

    private func render(_ jobs: [FrameJob], writer: FrameWriter, sink: FrameSink) throws {
        let kept = sink.keepsFinishedFrames
        func writeFailure() -> Error? {
            writer.firstFailure.map { SequenceFrameError(frame: $0.frame, underlying: $0.error, keptFrames: kept) }
        }
        for job in jobs {
            if let failure = writeFailure() { throw failure }
            if isCancelled() {
                writer.finish()
                throw SequenceInterrupted(beforeFrame: job.index, written: writer.written, keptFrames: kept)
            }
            let frame: RenderedFrame
            do {
                frame = try renderer.render(at: job.time, camera: job.camera, settings: settings)
            } catch {
                throw SequenceFrameError(frame: job.index, time: job.time, underlying: error, keptFrames: kept)
            }
            writer.submit(job, frame: frame, done: frameWritten)
        }
        writer.finish()
        if let failure = writeFailure() { throw failure }
    }
}
