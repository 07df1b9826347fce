import ArgumentParser
import SplatCore
import SplatFormats
import SplatRender

/// --cache-mb: the byte budget of a streamed frame sequence's cache (`render`, `view`, `info`, …).
struct FrameCacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Memory for the frames of a streamed sequence (a folder, pattern or ZIP of frames, a Dynamic 3D Gaussians npz): decoded, being decoded and uploaded, in MiB. Default: a quarter of RAM, at most 4096.",
                               valueName: "N"))
    var cacheMb: Int?

    /// The frame cache's budget in bytes.
    var bytes: UInt64 { cacheMb.map { UInt64($0) << 20 } ?? MemoryBudget.defaultFrameCacheBytes }

    func validate() throws {
        if let mb = cacheMb, mb <= 0 { throw ValidationError("--cache-mb must be a positive number of MiB") }
    }
}

/// The scene argument of the commands that read one, and how to read it.
struct SceneArguments: ParsableArguments {
    @Argument(help: "The scene file or folder (see README: formats).")
    var scene: String

    @Option(help: "Frames per second of a per-frame sequence (a PLY folder or npz); default: time in frames.")
    var frameRate: Double?

    @Option(help: ArgumentHelp("The training config's time_duration of a 4DGS checkpoint (.pth): the period of its time-varying colour.",
                               valueName: "T0:T1"))
    var timeDuration: String?

    @Option(help: ArgumentHelp("The 4DGS trainer's YAML config of a checkpoint: its time_duration (divided by ModelParams' frame_ratio when above 1, as train.py does).",
                               valueName: "config.yaml"))
    var config: String?

    @OptionGroup var cache: FrameCacheOptions

    @Option(help: "The training iteration of a 4DGaussians model folder (point_cloud/iteration_N); default: the latest.")
    var iteration: Int?

    func validate() throws {
        if let r = frameRate, !(r.isFinite && r > 0) { throw ValidationError("--frame-rate must be a positive number") }
        if let i = iteration, i < 0 { throw ValidationError("--iteration must be a non-negative integer") }
        if timeDuration != nil, config != nil { throw ValidationError("give --time-duration or --config, not both") }
        _ = try duration()
    }

    func duration() throws -> ClosedRange<Float>? {
        if let config { return try TrainerConfig.timeDuration(path: config) }
        guard let timeDuration else { return nil }
        let parts = timeDuration.split(separator: ":", omittingEmptySubsequences: false).map { Float($0) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a.isFinite, b.isFinite, b > a else {
            throw ValidationError("--time-duration expects T0:T1 with T0 < T1, got '\(timeDuration)'")
        }
        return a...b
    }

    /// The scene, ready to render as its trainer did (a file that needs more says what, in one line).
    func load() throws -> LoadedScene { try read(streaming: false) }

    /// The scene, a frame sequence opened to stream through a cache of --cache-mb (`LoadedScene.stream`).
    func open() throws -> LoadedScene { try read(streaming: true) }

    private func read(streaming: Bool) throws -> LoadedScene {
        let options = SceneLoader.Options(frameRate: frameRate, timeDuration: try duration(), iteration: iteration)
        let loaded = streaming ? try SceneLoader.open(path: scene, options: options, cacheBytes: cache.bytes)
            : try SceneLoader.load(path: scene, options: options)
        if let missing = loaded.missingForRendering {
            throw UserError("\(scene): \(missing): give --time-duration T0:T1 or --config (the trainer's YAML)", kind: .badOption)
        }
        return loaded
    }
}

/// Which renderer draws, for the commands that offer both.
struct BackendOptions: ParsableArguments {
    @Option(help: "Renderer: vulkan (default) or cpu (the reference).")
    var backend: Backend = .vulkan

    @Option(help: "Vulkan device: an index or a name substring (see `splat4d info --devices`).")
    var device: String?

    var options: FrameRendererOptions { FrameRendererOptions(backend: backend.renderBackend, device: device) }
}

/// How the splats are composited: background and the antialiased mode.
struct AppearanceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Background colour: R,G,B in [0,1], or black or white.", valueName: "R,G,B"))
    var background: String = "0,0,0"

    @Flag(inversion: .prefixedNo,
          help: "Antialiased mode: scale opacity by the low-pass filter's determinant ratio (default: what the file says, e.g. SPZ's flag, else off).")
    var antialiased: Bool?

    func validate() throws { _ = try ValueParsing.background(background) }

    /// The flags' settings; without --antialiased or --no-antialiased, the scene file's own word.
    func settings(for loaded: LoadedScene? = nil) throws -> RenderSettings {
        RenderSettings(background: try ValueParsing.background(background),
                       antialiased: antialiased ?? loaded?.antialiased ?? false)
    }
}

/// Jittered supersampling (`FrameSampling`): several sub-pixel-shifted renders averaged per frame.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Sub-pixel jittered samples averaged per frame (1 to 256; 1 = the plain render).")
    var samples: Int = 1

    @Option(help: "Seed of the jitter pattern: the same seed gives the same pixels.")
    var jitterSeed: UInt64 = 0

    func validate() throws {
        do { try sampling().validate() } catch { throw ValidationError("--samples must be 1 to \(FrameSampling.maximumSamples), got \(samples)") }
    }

    func sampling() -> FrameSampling { FrameSampling(samples: samples, seed: jitterSeed) }
}
