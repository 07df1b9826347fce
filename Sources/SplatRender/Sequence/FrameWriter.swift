import Dispatch
import Foundation
import SplatCore
import SplatPNG

/// Encodes and writes frames on a background queue while the next one renders. At most `depth`
/// frames wait, so a long sequence does not grow memory. Writes are atomic (PNGFile).
final class FrameWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "splat4d.frame-writer")
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var failure: (frame: Int, error: Error)?
    private var writtenCount = 0

    init(depth: Int = 2) { slots = DispatchSemaphore(value: depth) }

    /// The first write failure, with its frame.
    var firstFailure: (frame: Int, error: Error)? {
        lock.withLock { failure }
    }

    var written: Int { lock.withLock { writtenCount } }

    /// Queues the frame's files; `done` runs on the writer's queue once they are on disk.
    func submit(_ job: FrameJob, frame: RenderedFrame, outputs: FrameOutputs, done: @escaping @Sendable (FrameJob) -> Void) {
        slots.wait()
        let colour = outputs.colour(of: frame)
        let depth = job.depthOutput.map { (path: $0, image: frame.depth) }
        let encoding = outputs.depth
        queue.async { [self] in
            defer { slots.signal() }
            guard firstFailure == nil else { return }
            do {
                try PNGFile.write(colour, to: job.output)
                if let depth { try encoding.write(depth.image, to: depth.path) }
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
