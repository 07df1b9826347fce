import Foundation
import SplatCore

/// Times FLIP's error map on one image pair: untimed warm-up runs, then timed ones (wall clock).
/// SPLAT4D_THREADS=1 in the environment limits it to one thread.
public struct FLIPBenchmark {
    public var warmup: Int
    public var repeatCount: Int

    public init(warmup: Int = 1, repeatCount: Int = 5) {
        self.warmup = warmup
        self.repeatCount = repeatCount
    }

    /// Milliseconds of each timed run, and the mean FLIP (the same every run).
    public func run(reference: Image, test: Image, pixelsPerDegree: Float) -> (milliseconds: [Double], meanFLIP: Double) {
        var times: [Double] = [], mean = 0.0
        for i in 0..<(warmup + repeatCount) {
            let start = DispatchTime.now().uptimeNanoseconds
            let map = FLIP.errorMap(reference: reference, test: test, pixelsPerDegree: pixelsPerDegree)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            mean = map.mean
            if i >= warmup { times.append(elapsed) }
        }
        return (times, mean)
    }
}
