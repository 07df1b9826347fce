import Dispatch
import SplatCore
import SplatGPU

/// Renders one frame many times: the frame's time and each GPU stage's, after untimed warm-up renders.
public struct FrameBenchmark {
    public var warmup: Int
    public var repeatCount: Int

    public init(warmup: Int = 2, repeatCount: Int = 20) {
        self.warmup = warmup
        self.repeatCount = repeatCount
    }

    /// What the timed renders measured, in milliseconds.
    public struct Result: Sendable {
        /// Each timed frame: the GPU's frame time where measured, else wall time.
        public var frames: [Double] = []
        /// Each timed frame's time per GPU stage (empty on the CPU).
        public var stages: [String: [Double]] = [:]
        public var statistics = FrameStatistics(gaussians: 0, visibleGaussians: 0, tileInstances: 0)

        public var frameMedian: Double { median(frames) }
        public var frameMinimum: Double { frames.min() ?? 0 }
        public var stageMedians: [String: Double] { stages.mapValues(median) }
        public var stageMinimums: [String: Double] { stages.mapValues { $0.min() ?? 0 } }
    }

    public func run(_ renderer: FrameRenderer, at time: Float, camera: Camera, settings: RenderSettings) throws -> Result {
        var result = Result()
        for i in 0..<(warmup + repeatCount) {
            let start = DispatchTime.now().uptimeNanoseconds
            let frame = try renderer.render(at: time, camera: camera, settings: settings)
            let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            guard i >= warmup else { continue }
            result.statistics = frame.statistics
            result.frames.append(renderer.lastTimings?.frameMilliseconds ?? wall)
            for (name, ms) in renderer.lastTimings?.milliseconds ?? [:] { result.stages[name, default: []].append(ms) }
        }
        return result
    }
}
