import Dispatch
import Foundation

/// Splits `0..<count` into chunks and runs them on all cores. Chunks write disjoint ranges.
package enum Parallel {
    /// SPLAT4D_THREADS=1 runs every parallel loop on the calling thread, so timings can be taken
    /// on one core; the results are the same either way (workers write disjoint indices).
    package static let singleThreaded = ProcessInfo.processInfo.environment["SPLAT4D_THREADS"] == "1"

    package static func forEachChunk(count: Int, chunk: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = (count + chunk - 1) / chunk
        if chunks == 1 || singleThreaded { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body((c * chunk)..<min(count, (c + 1) * chunk))
        }
    }
}

/// A mutable buffer shared by parallel workers that write disjoint indices.
package struct UnsafeSendableBuffer<Element>: @unchecked Sendable {
    package let base: UnsafeMutableBufferPointer<Element>
    package init(_ base: UnsafeMutableBufferPointer<Element>) { self.base = base }
}

/// A read-only buffer shared by parallel workers.
package struct UnsafeSendableReadBuffer<Element>: @unchecked Sendable {
    package let base: UnsafeBufferPointer<Element>
    package init(_ base: UnsafeBufferPointer<Element>) { self.base = base }
}
