import ArgumentParser
import Foundation
import SplatCore
import SplatFormats
import SplatGPU

/// Renders one frame many times and reports per-stage GPU timings. Speed claims come from here.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark rendering one frame: median and min of the frame and of each GPU stage.")

    @OptionGroup var input: SceneArguments

    @OptionGroup var camera: CameraOptions

    @Option(name: .customLong("repeat"), help: "Timed renders after the warm-up.")
    var repeatCount: Int = 20

    @Option(help: "Untimed renders first (pipeline caches, buffer growth).")
    var warmup: Int = 2

    @OptionGroup var renderer: BackendOptions

    @OptionGroup var appearance: AppearanceOptions

    @Option(help: "Scene time to render (default: the start of the scene's range).")
    var time: Float?

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard (1...100_000).contains(repeatCount) else { throw ValidationError("--repeat must lie in 1...100000") }
        guard (0...1000).contains(warmup) else { throw ValidationError("--warmup must lie in 0...1000") }
    }

    func run() throws {
        let loaded = try input.load()
        let t = try SceneTime.resolve(time, for: loaded.scene, path: input.scene)
        let camera = try self.camera.request().resolve(for: loaded.cloud, sceneCameras: loaded.scene.metadata.cameras)
        let settings = try appearance.settings()
        let renderer = try SceneFrameRenderer(scene: loaded.scene, backend: self.renderer.backend, device: self.renderer.device)
        var frames: [Double] = []
        var stages: [String: [Double]] = [:]
        var statistics = FrameStatistics(gaussians: 0, visibleGaussians: 0, tileInstances: 0)
        for i in 0..<(warmup + repeatCount) {
            let start = DispatchTime.now().uptimeNanoseconds
            let frame = try renderer.render(at: t, camera: camera, settings: settings)
            let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            guard i >= warmup else { continue }
            statistics = frame.statistics
            frames.append(renderer.lastTimings?.frameMilliseconds ?? wall)
            for (name, ms) in renderer.lastTimings?.milliseconds ?? [:] { stages[name, default: []].append(ms) }
        }
        let active = loaded.scene.activeCount(at: t)
        report(frames: frames, stages: stages, statistics: statistics, active: active, time: loaded.scene.isStatic ? nil : t,
               device: renderer.deviceDescription, camera: camera)
    }

    private func report(frames: [Double], stages: [String: [Double]], statistics: FrameStatistics, active: Int, time: Float?,
                        device: String, camera: Camera) {
        let stageMedians = stages.mapValues(Bench.median)
        let stageMins = stages.mapValues { $0.min() ?? 0 }
        if json {
            let object: [String: Any] = [
                "scene": input.scene, "device": device, "backend": renderer.backend.rawValue,
                "width": camera.width, "height": camera.height, "repeat": repeatCount,
                "frame_ms_median": Bench.median(frames), "frame_ms_min": frames.min() ?? 0,
                "stages_ms_median": stageMedians, "stages_ms_min": stageMins,
                "gaussians": statistics.gaussians, "active_gaussians": active, "visible_gaussians": statistics.visibleGaussians,
                "time": time.map { Double($0) as Any } ?? NSNull(),
                "tile_instances": statistics.tileInstances,
            ]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("scene:          \(input.scene)")
        print("device:         \(device)")
        print("image:          \(camera.width)×\(camera.height), \(repeatCount) renders after \(warmup) warm-up")
        print("gaussians:      \(statistics.gaussians) (\(active) active\(time.map { " at t = \($0)" } ?? ""), \(statistics.visibleGaussians) visible), \(statistics.tileInstances) tile instances")
        print(String(format: "frame:          median %9.3f ms   min %9.3f ms", Bench.median(frames), frames.min() ?? 0))
        for name in StageTimings.stageNames where stageMedians[name] != nil {
            let label = "  " + name + String(repeating: " ", count: max(0, 14 - name.count))
            print(label + String(format: "median %9.3f ms   min %9.3f ms", stageMedians[name]!, stageMins[name]!))
        }
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
