import ArgumentParser
import Foundation
import SplatCore
import SplatFormats

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a scene: format, size, SH degree, bounds, time range.")

    @Argument(help: "The scene file.")
    var scene: String?

    @Option(help: "Frames per second of a per-frame sequence (a PLY folder or npz); default: time in frames.")
    var frameRate: Double?

    @OptionGroup var cache: FrameCacheOptions

    @Option(help: "The training iteration of a 4DGaussians model folder (point_cloud/iteration_N); default: the latest.")
    var iteration: Int?

    @Flag(help: "List the Vulkan devices, their limits, and why any is rejected.")
    var devices = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if let r = frameRate, !(r.isFinite && r > 0) { throw ValidationError("--frame-rate must be a positive number") }
        if scene == nil, !devices { throw ValidationError("give a scene file, or --devices") }
    }

    func run() throws {
        if devices { try DeviceList.print(json: json) }
        guard let scene else { return }
        let loaded = try SceneLoader.open(path: scene, options: SceneLoader.Options(frameRate: frameRate, iteration: iteration),
                                          cacheBytes: cache.bytes)
        let cacheMiB = cache.bytes >> 20
        let cloud = loaded.cloud
        let meta = loaded.scene.metadata
        let bounds = Bounds(of: cloud.positions) ?? Bounds(min: .zero, max: .zero)
        if json {
            var object: [String: Any] = [
                "path": scene,
                "format": loaded.format.rawValue,
                "encoding": loaded.formatDetail,
                "gaussians": cloud.count,
                "sh_degree": cloud.shDegree,
                "bounds": ["min": array(bounds.min), "max": array(bounds.max)],
                "time_range": meta.timeRange.map { [Double($0.lowerBound), Double($0.upperBound)] as Any } ?? NSNull(),
                "time_unit": meta.timeRange == nil ? NSNull() : meta.timeUnit as Any,
                "frame_rate": meta.frameRate.map { $0 as Any } ?? NSNull(),
                "cameras": meta.cameras.count,
            ]
            if let stream = loaded.stream {
                object["frames"] = stream.frameCount
                object["frame_cache_mb"] = Int(cacheMiB)
            }
            if let field = loaded.scene.field?.field {
                object["deformation"] = FourDGaussiansFolder.describe(field)
                object["time_meaning"] = "the trainer's time: 0 to 1 over the training frames"
            }
            if let colour = loaded.scene.motion?.colour {
                object["sh_degree_t"] = colour.degreeT
                object["time_duration"] = [Double(colour.duration.lowerBound), Double(colour.duration.upperBound)]
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("scene:      \(scene)")
            print("format:     \(loaded.format.rawValue) (\(loaded.formatDetail))")
            print("gaussians:  \(cloud.count)")
            print("sh degree:  \(cloud.shDegree)")
            if let colour = loaded.scene.motion?.colour {
                let used = colour.applies(toDegree: cloud.shDegree) ? "" : " (no time terms at this degree)"
                print("time colour: sh_degree_t \(colour.degreeT), cosine period \(colour.period) "
                      + "(time_duration \(colour.duration.lowerBound) ... \(colour.duration.upperBound))\(used)")
            }
            if let field = loaded.scene.field?.field {
                print("deformation: \(FourDGaussiansFolder.describe(field))")
            }
            print("bounds:     min \(text(bounds.min))  max \(text(bounds.max))")
            if let range = meta.timeRange, !loaded.scene.isStatic {
                let rate = meta.frameRate.map { String(format: ", %.6g frames/s", $0) } ?? ""
                let meaning = loaded.scene.field != nil ? "; the trainer's time: 0 to 1 over the training frames" : ""
                print("time range: \(range.lowerBound) ... \(range.upperBound) (\(meta.timeUnit)\(rate)\(meaning))")
            } else {
                print("time range: none (static scene)")
            }
            if let stream = loaded.stream {
                print("frames:     \(stream.frameCount), streamed through a \(cacheMiB) MiB frame cache (--cache-mb)")
            }
            if !meta.cameras.isEmpty { print("cameras:    \(meta.cameras.count) in the file (--camera-index)") }
        }
    }

    private func array(_ v: SIMD3<Float>) -> [Double] { [Double(v.x), Double(v.y), Double(v.z)] }
    private func text(_ v: SIMD3<Float>) -> String {
        "(" + [v.x, v.y, v.z].map { String(format: "%.4g", Double($0)) }.joined(separator: ", ") + ")"
    }
}
