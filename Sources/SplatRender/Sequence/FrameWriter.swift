import Dispatch
import Foundation
import SplatCore

/// Hands frames to a sink on a background queue while the next one renders. At most `depth`
/// frames wait, so a long sequence does not grow memory.
final class FrameWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "splat4d.frame-writer")
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private let sink: FrameSink
    private var failure: (frame: Int, error: Error)?
    private var writtenCount = 0

    init(sink: FrameSink, depth: Int = 2) {
        self.sink = sink
        slots = DispatchSemaphore(value: depth)
    }

    /// The first write failure, with its frame.
    var firstFailure: (frame: Int, error: Error)? {
        lock.withLock { failure }
    }

    var written: Int { lock.withLock { writtenCount } }

    /// Queues the frame; `done` runs on the writer's queue once the sink has it.
    func submit(_ job: FrameJob, frame: RenderedFrame, done: @escaping @Sendable (FrameJob) -> Void) {
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard firstFailure == nil else { return }
            do {
                try sink.write(job, frame: frame)
                lock.withLock { writtenCount += 1 }
                done(job)
            } catch {
                lock.withLock { if failure == nil { failure = (job.index, error) } }
            }
        }
    }

    /// Waits for every queued write.
    func finish() { queue.sync {} }
}
