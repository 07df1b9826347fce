import ArgumentParser
import Foundation
import SplatCore
import SplatFormats
import SplatGPU
import SplatRender

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

    @Flag(help: ArgumentHelp("Time decoding the scene file instead of rendering: read once into memory, decoded --repeat times. "
                             + "Decoding uses every core; run under `taskset -c 0` for one core's speed."))
    var decode = false

    @Flag(help: ArgumentHelp("Also count the blend's workload on the CPU reference: splats per tile, splats each pixel "
                             + "walks before it saturates, and those that change it (slow on large scenes)."))
    var workload = false

    func validate() throws {
        guard (1...100_000).contains(repeatCount) else { throw ValidationError("--repeat must lie in 1...100000") }
        guard (0...1000).contains(warmup) else { throw ValidationError("--warmup must lie in 0...1000") }
    }

    func run() throws {
        if decode { return try runDecode() }
        let loaded = try input.open()
        let t = try SceneTime.resolve(time, for: loaded.scene, sceneName: input.scene)
        let camera = try self.camera.request().resolve(for: loaded.cloud, sceneCameras: loaded.scene.metadata.cameras)
        let settings = try appearance.settings(for: loaded)
        let renderer = try FrameRenderer(loaded, options: self.renderer.options)
        let result = try FrameBenchmark(warmup: warmup, repeatCount: repeatCount).run(renderer, at: t, camera: camera, settings: settings)
        let active = loaded.stream == nil ? loaded.scene.activeCount(at: t) : try loaded.slice(at: t).count
        let blendWorkload = workload ? try countWorkload(loaded, at: t, camera: camera, settings: settings) : nil
        report(result, active: active, time: loaded.scene.isStatic ? nil : t, device: renderer.deviceDescription, camera: camera,
               workload: blendWorkload)
    }

    private func countWorkload(_ loaded: LoadedScene, at t: Float, camera: Camera, settings: RenderSettings) throws -> BlendWorkload {
        let scene = loaded.stream == nil ? loaded.scene : TemporalCloud(gaussians: try loaded.slice(at: t), motion: nil)
        let stages = ReferenceStages.run(scene: scene, time: t, camera: camera, settings: settings)
        return BlendWorkload.count(splats: stages.splats, sortedValues: stages.sortedValues, ranges: stages.ranges,
                                   grid: TileGrid(width: camera.width, height: camera.height), rows: BlendPass.rowsPerInvocation)
    }

    private func runDecode() throws {
        let options = SceneLoader.Options(frameRate: input.frameRate, timeDuration: try input.duration())
        let result = try DecodeBenchmark(warmup: warmup, repeatCount: repeatCount).run(path: input.scene, options: options)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if json {
            let object: [String: Any] = [
                "scene": input.scene, "bytes": result.bytes, "gaussians": result.gaussians, "repeat": repeatCount, "cores": cores,
                "decode_ms_median": result.medianMilliseconds, "decode_ms_min": result.minimumMilliseconds,
                "megabytes_per_second": result.megabytesPerSecond, "megabytes_per_cpu_second": result.megabytesPerCPUSecond, "gaussians_per_second": result.gaussiansPerSecond,
            ]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("scene:          \(input.scene)")
        print("file:           \(result.bytes) bytes, \(result.gaussians) Gaussians, \(repeatCount) decodes after \(warmup) warm-up, \(cores) cores")
        print(String(format: "decode:         median %9.3f ms   min %9.3f ms", result.medianMilliseconds, result.minimumMilliseconds))
        print(String(format: "throughput:     %.0f MB/s, %.2f M Gaussians/s (wall); %.0f MB per CPU second", result.megabytesPerSecond,
                     result.gaussiansPerSecond / 1e6, result.megabytesPerCPUSecond))
    }

    private func report(_ result: FrameBenchmark.Result, active: Int, time: Float?, device: String, camera: Camera,
                        workload: BlendWorkload?) {
        let stageMedians = result.stageMedians, stageMins = result.stageMinimums, statistics = result.statistics
        if json {
            var object: [String: Any] = [
                "scene": input.scene, "device": device, "backend": renderer.backend.rawValue,
                "width": camera.width, "height": camera.height, "repeat": repeatCount,
                "frame_ms_median": result.frameMedian, "frame_ms_min": result.frameMinimum,
                "stages_ms_median": stageMedians, "stages_ms_min": stageMins,
                "gaussians": statistics.gaussians, "active_gaussians": active, "visible_gaussians": statistics.visibleGaussians,
                "time": time.map { Double($0) as Any } ?? NSNull(),
                "tile_instances": statistics.tileInstances,
            ]
            if let workload { object["workload"] = workload.jsonObject }
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("scene:          \(input.scene)")
        print("device:         \(device)")
        print("image:          \(camera.width)×\(camera.height), \(repeatCount) renders after \(warmup) warm-up")
        print("gaussians:      \(statistics.gaussians) (\(active) active\(time.map { " at t = \($0)" } ?? ""), \(statistics.visibleGaussians) visible), \(statistics.tileInstances) tile instances")
        print(String(format: "frame:          median %9.3f ms   min %9.3f ms", result.frameMedian, result.frameMinimum))
        for name in StageTimings.stageNames where stageMedians[name] != nil {
            let label = "  " + name + String(repeating: " ", count: max(0, 14 - name.count))
            print(label + String(format: "median %9.3f ms   min %9.3f ms", stageMedians[name]!, stageMins[name]!))
        }
        if let workload { workload.report.forEach { print($0) } }
    }
}

extension BlendWorkload {
    var jsonObject: [String: Any] {
        ["tiles": tiles, "occupied_tiles": occupiedTiles, "instances": instances,
         "instances_per_tile_median": instancesPerTileMedian, "instances_per_tile_p90": instancesPerTileP90,
         "instances_per_tile_max": instancesPerTileMax, "pixels": pixels, "saturated_pixels": saturatedPixels,
         "walked": walked, "contributing": contributing, "lanes": lanes, "rows": rows, "fetched": fetched,
         "blended_steps": blendedSteps, "lane_evaluations": laneEvaluations, "groups": groups, "batches": batches,
         "empty_batches": emptyBatches]
    }

    /// Lines for the text report, per pixel of the image.
    var report: [String] {
        let perPixel = { (n: Int) in Double(n) / Double(max(pixels, 1)) }
        let perGroup = { (n: Int) in Double(n) / Double(max(groups, 1)) }
        return [
            "blend workload (CPU reference; a GPU subgroup modelled as \(lanes)×\(rows) pixels of a tile):",
            "  tiles:        \(occupiedTiles) of \(tiles) hold splats; splats per tile: median \(instancesPerTileMedian), p90 \(instancesPerTileP90), max \(instancesPerTileMax)",
            String(format: "  saturated:    %.1f%% of pixels reach transmittance 1e-4 before their tile's list ends", 100 * perPixel(saturatedPixels)),
            String(format: "  per pixel:    %.1f splats walked, %.1f of them change it (α ≥ 1/255)", perPixel(walked), perPixel(contributing)),
            String(format: "  GPU:          %d groups of %d×%d pixels; each fetches %.1f splats in %.1f batches (until its slowest pixel saturates; %.1f of them with no splat reaching its box) and blends %.1f (those that reach its box); %.0f%% of the blended pixel evaluations change a pixel",
                   groups, lanes, rows, perGroup(fetched), perGroup(batches), perGroup(emptyBatches), perGroup(blendedSteps),
                   100 * Double(contributing) / Double(max(laneEvaluations, 1))),
        ]
    }
}
