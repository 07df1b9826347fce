import Dispatch
import Foundation
import SplatCore

/// Times decoding one scene file from memory: the bytes are read once, so disk speed does not
/// count, then decoded through the registry `repeatCount` times after `warmup` untimed decodes.
public struct DecodeBenchmark {
    public var warmup: Int
    public var repeatCount: Int

    public init(warmup: Int = 1, repeatCount: Int = 5) {
        self.warmup = warmup
        self.repeatCount = repeatCount
    }

    public struct Result: Sendable {
        public var bytes: Int
        public var gaussians: Int
        /// Each timed decode, in milliseconds of wall time.
        public var decodes: [Double]
        /// Each timed decode, in milliseconds of CPU time (user + system, every thread): on a busy
        /// machine, bytes per CPU second still measure the decoder's speed per core.
        public var cpuTimes: [Double] = []

        public var medianMilliseconds: Double { median(decodes) }
        public var minimumMilliseconds: Double { decodes.min() ?? 0 }
        /// Decimal megabytes of file per second at the median.
        public var megabytesPerSecond: Double { Double(bytes) / 1e6 / (medianMilliseconds / 1000) }
        public var gaussiansPerSecond: Double { Double(gaussians) / (medianMilliseconds / 1000) }
        /// Decimal megabytes of file per CPU second (median CPU time).
        public var megabytesPerCPUSecond: Double { Double(bytes) / 1e6 / (median(cpuTimes) / 1000) }
    }

    public func run(path: String, options: SceneLoader.Options) throws -> Result {
        let source = try SceneSource.open(path: path)
        guard let mapped = source.data else {
            throw SceneFileError(path: path, problem: "decode timing needs one file, not a folder or pattern")
        }
        // A private copy in memory: the timings measure decoding, not paging the file in.
        let data = Data(mapped)
        var result = Result(bytes: data.count, gaussians: 0, decodes: [])
        for i in 0..<(warmup + repeatCount) {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Self.processCPUMilliseconds()
            let loaded = try SceneLoader.load(data: data, path: path, options: options)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            let cpu = Self.processCPUMilliseconds() - cpuStart
            result.gaussians = loaded.scene.count
            if i >= warmup {
                result.decodes.append(ms)
                result.cpuTimes.append(cpu)
            }
        }
        return result
    }

    /// User + system CPU time of the whole process so far.
    static func processCPUMilliseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func ms(_ t: timeval) -> Double { Double(t.tv_sec) * 1000 + Double(t.tv_usec) / 1000 }
        return ms(usage.ru_utime) + ms(usage.ru_stime)
    }
}
