import SplatCore

/// The run stopped at a cancellation request; every frame before `beforeFrame` is complete.
public struct SequenceInterrupted: FieldNamingError, Equatable {
    /// The first frame not rendered.
    public var beforeFrame: Int
    public var written: Int
    public var kind: ErrorKind { .interrupted }

    public func worded(naming name: (RequestField) -> String) -> String {
        "interrupted before frame \(beforeFrame): \(written) frames written, all complete; \(name(.resume)) continues"
    }
}

/// A frame that could not be rendered or written; the frames before it are complete.
public struct SequenceFrameError: FieldNamingError {
    public var frame: Int
    /// The frame's time when rendering failed; nil when writing failed.
    public var time: Float?
    public var underlying: Error

    public var kind: ErrorKind { (underlying as? SplatError)?.kind ?? .io }

    public func worded(naming name: (RequestField) -> String) -> String {
        let reason = (underlying as? FieldNamingError)?.worded(naming: name) ?? "\(underlying)"
        if let time { return "frame \(frame) (t = \(time)): \(reason); frames before it are complete, \(name(.resume)) continues" }
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

    /// Renders and writes `jobs`; returns how many frames were written.
    @discardableResult
    public func run(_ jobs: [FrameJob]) throws -> Int {
        let writer = FrameWriter()
        defer { writer.finish() }
        for job in jobs {
            if let failure = writer.firstFailure { throw SequenceFrameError(frame: failure.frame, underlying: failure.error) }
            if isCancelled() {
                writer.finish()
                throw SequenceInterrupted(beforeFrame: job.index, written: writer.written)
            }
            let frame: RenderedFrame
            do {
                frame = try renderer.render(at: job.time, camera: job.camera, settings: settings)
            } catch {
                throw SequenceFrameError(frame: job.index, time: job.time, underlying: error)
            }
            writer.submit(job, frame: frame, outputs: outputs, done: frameWritten)
        }
        writer.finish()
        if let failure = writer.firstFailure { throw SequenceFrameError(frame: failure.frame, underlying: failure.error) }
        return writer.written
    }
}
