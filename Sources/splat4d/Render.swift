import ArgumentParser
import Foundation
import SplatCore
import SplatRender

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a scene to a PNG image, a frame sequence, or a video.",
        discussion: """
        One frame: --output view.png. A sequence: a pattern in --output (%05d or {frame}; {name} for \
        dataset cameras) with --frame-count N or --fps F (over --time-range, default the scene's range), \
        --frames A:B to render part of it, and a camera path: fixed (the camera options), --orbit, \
        --camera-path FILE, or --cameras FILE (every camera of a cameras.json / transforms.json at its \
        own time). Frames keep their global index; --shard I/N (or a Slurm array / Kubernetes Indexed \
        Job) renders a disjoint block. Existing files are an error unless --overwrite or --resume. \
        A video (--output perf.mp4, .webm, .mov or .gif) is encoded by ffmpeg as frames render, at \
        --fps (else 30) frames per second; it cannot be resumed or sharded (render PNG frames, then \
        `splat4d encode`).
        """)

    @OptionGroup var input: SceneArguments

    @Option(name: .shortAndLong, help: "The PNG file to write, a pattern (frame_%05d.png, frame_{frame}.png), or a video (.mp4, .webm, .mov, .gif).")
    var output: String

    @OptionGroup var camera: CameraOptions

    @OptionGroup var appearance: AppearanceOptions

    @OptionGroup var renderer: BackendOptions

    @OptionGroup var sampling: SamplingOptions

    @Option(help: "Scene time of a single frame (in the scene's unit; `splat4d info` shows the range). Default: the start.")
    var time: Float?

    @OptionGroup var sequence: SequenceOptions

    @OptionGroup var video: VideoOptions

    func validate() throws {
        guard output.lowercased().hasSuffix(".png") || VideoContainer.isVideo(output) else {
            throw ValidationError("--output must name a .png file or a \(VideoContainer.extensionList) video, got '\(output)'")
        }
        try video.validate(output: output)
        let listed = camera.cameraFile != nil || camera.cameraIndex != nil || camera.cameraName != nil || camera.lookAt != nil
        let paths = [sequence.orbit, sequence.cameraPath != nil, sequence.cameras != nil].filter { $0 }.count
        if paths > 1 { throw ValidationError("give one of --orbit, --camera-path and --cameras") }
        if paths == 1, listed { throw ValidationError("--orbit, --camera-path and --cameras replace --camera and --look-at") }
        if sequence.cameras != nil, sequence.frameCount != nil || sequence.fps != nil {
            throw ValidationError("--cameras renders one frame per camera: drop --frame-count and --fps")
        }
        if time != nil, sequence.isSequence { throw ValidationError("--time is for one frame; a sequence uses --time-range") }
        if sequence.depth != nil, !(sequence.depthScale > 0 && sequence.depthScale.isFinite) {
            throw ValidationError("--depth-scale must be a positive number")
        }
    }

    func run() throws {
        // A video needs ffmpeg and a container that can hold what is asked: say so before loading anything.
        if let container = VideoContainer(path: output) {
            _ = try FFmpeg.locate()
            try video.settings(container: container, alpha: sequence.alpha).validate()
        }
        let loaded = try input.open()
        loaded.stream?.cache.playsOnce = true  // a headless render goes forwards once
        var settings = try appearance.settings(for: loaded)
        if sequence.alpha { settings.background = [0, 0, 0] }  // straight alpha: colour over nothing
        let plan = try SequencePlanner(request: try sequenceRequest(), scene: loaded.scene).plan()
        try plan.prepareOutputs()
        let renderer = try FrameRenderer(loaded, options: self.renderer.options)
        renderer.sampling = sampling.sampling()
        let progress = ProgressReporter(total: plan.jobs.count, json: sequence.logJson, quiet: !plan.isSequence)
        var runner = SequenceRunner(renderer: renderer, settings: settings,
                                    outputs: FrameOutputs(straightAlpha: sequence.alpha, depthScale: sequence.depthScale))
        Interrupt.install()
        runner.isCancelled = { Interrupt.requested != 0 }
        runner.frameWritten = { job in progress.frameWritten(job.index, path: job.output) }
        do {
            let written = try runner.run(plan.jobs, into: try plan.openSink(outputs: runner.outputs))
            progress.finished(written: written, skipped: plan.skipped)
        } catch let interrupted as SequenceInterrupted {
            progress.finished(written: interrupted.written, skipped: plan.skipped)
            throw interrupted
        }
    }

    /// What these options ask the library to render.
    func sequenceRequest() throws -> SequenceRequest {
        let motion: SequenceRequest.Motion
        if sequence.orbit {
            motion = .orbit(radius: sequence.orbitRadius, elevationDegrees: sequence.orbitElevation, revolutions: sequence.orbitRevolutions)
        } else if let path = sequence.cameraPath {
            motion = .keyframes(path: path)
        } else if let path = sequence.cameras {
            motion = .dataset(path: path)
        } else {
            motion = .fixed
        }
        var request = SequenceRequest(sceneName: input.scene, output: output, depthOutput: sequence.depth, camera: try camera.request(),
                               motion: motion, time: time, spacing: try sequence.spacing.spacing(),
                               shard: try sequence.shard.map(sequence.shardValue),
                               environment: ProcessInfo.processInfo.environment,
                               existingFiles: sequence.overwrite ? .overwrite : sequence.resume ? .resume : .refuse)
        request.video = video.request
        return request
    }
}

/// Options of frame sequences, and of what each frame writes.
struct SequenceOptions: ParsableArguments {
    @OptionGroup var spacing: FrameSpacingOptions

    var frameCount: Int? { spacing.frameCount }
    var fps: Double? { spacing.fps }
    var frames: String? { spacing.frames }
    var timeRange: String? { spacing.timeRange }

    @Flag(help: "Turntable around the scene's centre (see --orbit-radius, --orbit-elevation, --orbit-revolutions).")
    var orbit = false

    @Option(help: "Orbit radius (default: the automatic view's distance).")
    var orbitRadius: Float?

    @Option(help: "Orbit elevation above the centre, in degrees.")
    var orbitElevation: Float = 15

    @Option(help: "Turns over the whole sequence.")
    var orbitRevolutions: Float = 1

    @Option(help: "A keyframed camera path (JSON: {time, position, look_at or rotation, fov_y} keys).")
    var cameraPath: String?

    @Option(help: "Render every camera of a cameras.json or transforms.json, each at its own time.")
    var cameras: String?

    @Flag(help: "Skip frames whose files already exist.")
    var resume = false

    @Flag(help: "Replace existing files.")
    var overwrite = false

    @Option(help: ArgumentHelp("Render shard I of N (1-based); default: Slurm / Kubernetes variables, else all.", valueName: "I/N"))
    var shard: String?

    @Flag(help: "Progress as JSON lines on stdout.")
    var logJson = false

    @Flag(help: "Write RGBA PNGs with straight alpha (the colour is rendered over nothing); a .webm or .mov video keeps the alpha.")
    var alpha = false

    @Option(help: "Also write 16-bit depth PNGs to this path or pattern (scale in a tEXt chunk).")
    var depth: String?

    @Option(help: "Scene units per step of the 16-bit depth PNGs.")
    var depthScale: Float = 0.001

    var isSequence: Bool {
        frameCount != nil || fps != nil || frames != nil || orbit || cameraPath != nil || cameras != nil
    }

    func validate() throws {
        if resume, overwrite { throw ValidationError("give --resume or --overwrite, not both") }
        if let shard { _ = try shardValue(shard) }
    }

    func shardValue(_ text: String) throws -> Shard {
        do { return try Shard(parsing: text) } catch let error as RequestError { throw ValidationError(ErrorWording.message(for: error)) }
    }

    func frameRange(_ text: String) throws -> Range<Int> { try spacing.frameRange(text) }
}

/// How many frames a sequence has and which scene times they span (render and convert).
struct FrameSpacingOptions: ParsableArguments {
    @Option(help: "Number of frames over the time range (both ends included).")
    var frameCount: Int?

    @Option(help: "Frames per unit of scene time (per second for most formats), from the range's start.")
    var fps: Double?

    @Option(help: ArgumentHelp("Only global frames A..<B of the sequence.", valueName: "A:B"))
    var frames: String?

    @Option(help: ArgumentHelp("Scene time range the frames span (default: the scene's own).", valueName: "T0:T1"))
    var timeRange: String?

    var isSequence: Bool { frameCount != nil || fps != nil || frames != nil }

    /// The spacing these options describe (times are checked against the scene by the library).
    func spacing() throws -> FrameSpacing {
        FrameSpacing(frameCount: frameCount, fps: fps, frames: try frames.map(frameRange),
                     timeRange: try timeRange.map { try ValueParsing.range($0, option: "--time-range") })
    }

    func validate() throws {
        if let frames { _ = try frameRange(frames) }
        if let timeRange { _ = try ValueParsing.range(timeRange, option: "--time-range") }
    }

    func frameRange(_ text: String) throws -> Range<Int> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0, b > a else {
            throw ValidationError("--frames expects A:B with 0 ≤ A < B, got '\(text)'")
        }
        return a..<b
    }
}
