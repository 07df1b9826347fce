import Foundation
import SplatCore
import SplatFormats

/// The frames of one run, and how many were skipped because their files are on disk (resuming).
public struct SequencePlan: Sendable {
    public var jobs: [FrameJob]
    public var skipped: Int
    public var isSequence: Bool
    /// How the video is encoded when the output is one (alpha is set from the frame outputs).
    public var video: VideoSettings?

    /// Makes the outputs ready before rendering: a sequence creates its folders; the first
    /// frame's files must then be writable.
    public func prepareOutputs() throws {
        if isSequence { try OutputPath.createFolders(of: jobs.flatMap(\.paths)) }
        for path in jobs.first?.paths ?? [] { try OutputPath.checkWritable(path) }
    }

    /// Where the frames go: PNG files, or a video (starts ffmpeg; its temporary file appears now).
    public func openSink(outputs: FrameOutputs, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> FrameSink {
        guard var video, let first = jobs.first else { return PNGFrameSink(outputs: outputs) }
        video.alpha = outputs.straightAlpha
        let encoder = try VideoEncoder(path: first.output, width: first.camera.width, height: first.camera.height,
                                       settings: video, environment: environment)
        return VideoFrameSink(encoder: encoder, outputs: outputs)
    }
}

/// A frame whose files exist, when the request neither overwrites nor resumes.
public struct ExistingOutputError: FieldNamingError, Equatable {
    public var path: String
    /// Whether resuming would help (a sequence).
    public var isSequence: Bool
    public var kind: ErrorKind { .io }

    public func worded(naming name: (RequestField) -> String) -> String {
        "\(path) already exists; use \(name(.overwrite)) to replace it" + (isSequence ? " or \(name(.resume)) to skip finished frames" : "")
    }
}

/// Turns a `SequenceRequest` into the frames to render: times, cameras and file names.
public struct SequencePlanner {
    public let request: SequenceRequest
    public let scene: TemporalCloud

    public init(request: SequenceRequest, scene: TemporalCloud) {
        self.request = request
        self.scene = scene
    }

    public func plan() throws -> SequencePlan {
        if request.videoContainer != nil { try refuseSplittingVideo() }
        guard request.isSequence else {
            return try keepNew([try singleFrame()], isSequence: false, video: try videoSettings(frameRate: nil))
        }
        var jobs: [FrameJob], frameRate: Double?
        if case .dataset(let path) = request.motion { jobs = try datasetJobs(path: path) } else { (jobs, frameRate) = try pathJobs() }
        // More than one frame needs a placeholder in every output name (but one video).
        if request.videoContainer == nil, Set(jobs.map(\.output)).count < jobs.count {
            throw RequestError(.output, "'\(request.output)' needs a frame pattern (%05d or {frame}) to write a sequence")
        }
        if let depth = request.depthOutput, Set(jobs.compactMap(\.depthOutput)).count < jobs.count {
            throw RequestError(.depthOutput, "'\(depth)' needs a frame pattern (%05d or {frame}) to write a sequence")
        }
        if let shard = try request.shard ?? Shard.fromEnvironment(request.environment) {
            jobs = Array(jobs[shard.block(of: 0..<jobs.count)])
        }
        return try keepNew(jobs, isSequence: true, video: try videoSettings(frameRate: frameRate, jobs: jobs))
    }

    /// A video is written whole in one run: it cannot be resumed or split over nodes.
    private func refuseSplittingVideo() throws {
        let advice = "render PNG frames (frame_%05d.png), then join them with `splat4d encode`"
        if request.existingFiles == .resume {
            throw RequestError(.resume, "cannot continue a video, which is written whole in one run: \(advice)")
        }
        if request.shard != nil {
            throw RequestError(.shard, "cannot split a video, which is written whole in one run: \(advice)")
        }
        if try Shard.fromEnvironment(request.environment) != nil {
            throw RequestError(nil, "a video cannot be split over render-farm shards (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX "
                               + "is set), as it is written whole in one run: \(advice)")
        }
    }

    /// The video's encoding: the sequence's frames per second, else 30; one frame size for all frames.
    private func videoSettings(frameRate: Double?, jobs: [FrameJob] = []) throws -> VideoSettings? {
        guard let container = request.videoContainer else { return nil }
        let sizes = Set(jobs.map { "\($0.camera.width)×\($0.camera.height)" })
        if sizes.count > 1 {
            throw RequestError(.output, "'\(request.output)' is a video, which needs one frame size, but the cameras are "
                               + sizes.sorted().joined(separator: ", ") + ": give --width and --height")
        }
        // The asked frames per second even when a frame count sets the spacing, else the schedule's.
        let settings = VideoSettings(container: container, codec: request.video.codec, crf: request.video.crf,
                                     frameRate: request.spacing.fps ?? frameRate ?? VideoSettings.defaultFrameRate)
        try settings.validate()
        return settings
    }

    private func singleFrame() throws -> FrameJob {
        let t = try SceneTime.resolve(request.time, for: scene, sceneName: request.sceneName)
        return FrameJob(index: 0, time: t, camera: try fixedCamera(), output: request.output, depthOutput: request.depthOutput)
    }

    private func fixedCamera() throws -> Camera {
        try request.camera.resolve(for: scene.canonical, sceneCameras: scene.metadata.cameras)
    }

    /// A fixed camera, an orbit or a keyframed path over a frame schedule.
    private func pathJobs() throws -> (jobs: [FrameJob], frameRate: Double?) {
        let width = request.camera.width ?? CameraRequest.defaultSize.width
        let height = request.camera.height ?? CameraRequest.defaultSize.height
        var path: CameraPath
        var defaultRange: ClosedRange<Float>?
        var defaultSpacing = scene.metadata.frameRate.map { FrameSchedule.Spacing.perSecond($0) }
        switch request.motion {
        case .orbit(let radius, let elevation, let revolutions):
            var orbit = Orbit.framing(scene.canonical, width: width, height: height, fovY: request.camera.fovY ?? CameraRequest.defaultFovY)
            if let radius { orbit.radius = radius }
            orbit.elevationDegrees = elevation
            orbit.revolutions = revolutions
            path = .orbit(orbit)
            defaultSpacing = .count(120)
        case .keyframes(let file):
            let keys = try CameraKeyframes.load(path: file, width: width, height: height)
            if scene.isStatic { defaultRange = keys.timeRange }
            path = .keyframed(keys)
        case .fixed, .dataset:
            path = .fixed(try fixedCamera())
        }
        let schedule = try request.spacing.schedule(for: scene, sceneName: request.sceneName, defaultRange: defaultRange,
                                                    defaultSpacing: defaultSpacing)
        let jobs = schedule.indices.map { k in
            let t = schedule.time(ofFrame: k)
            let camera = path.camera(atTime: t, fraction: Float(k) / Float(max(schedule.total, 1)))
            return FrameJob(index: k, time: t, camera: camera, output: FrameSchedule.expand(request.output, frame: k),
                            depthOutput: request.depthOutput.map { FrameSchedule.expand($0, frame: k) })
        }
        return (jobs, schedule.fps)
    }

    /// One frame per camera of a dataset file, at the camera's own time (else the time range's start).
    private func datasetJobs(path: String) throws -> [FrameJob] {
        let views = try DatasetCameras.load(path: path, defaultSize: (request.camera.width ?? 800, request.camera.height ?? 800))
        let fallback = request.spacing.timeRange?.lowerBound ?? scene.metadata.timeRange?.lowerBound ?? 0
        let selected = request.spacing.frames ?? 0..<views.count
        guard selected.upperBound <= views.count else {
            throw RequestError(.frames, "\(selected.lowerBound):\(selected.upperBound) is outside the \(views.count) cameras")
        }
        return try selected.map { k in
            let view = views[k]
            var camera = view.camera
            if let w = request.camera.width, let h = request.camera.height { camera = camera.resized(width: w, height: h) }
            let t = try SceneTime.resolve(view.time ?? fallback, for: scene, sceneName: request.sceneName)
            func name(_ pattern: String) -> String {
                FrameSchedule.expand(pattern.replacingOccurrences(of: "{name}", with: view.name), frame: k)
            }
            return FrameJob(index: k, time: t, camera: camera, output: name(request.output), depthOutput: request.depthOutput.map(name))
        }
    }

    /// Existing files: skipped when resuming, replaced when overwriting, else an error.
    private func keepNew(_ jobs: [FrameJob], isSequence: Bool, video: VideoSettings?) throws -> SequencePlan {
        if video != nil {
            // One file for every frame: it exists or not, and is never resumed.
            let existing = Set(jobs.flatMap(\.paths)).sorted().filter { FileManager.default.fileExists(atPath: $0) }
            if let first = existing.first, request.existingFiles != .overwrite { throw ExistingOutputError(path: first, isSequence: false) }
            return SequencePlan(jobs: jobs, skipped: 0, isSequence: isSequence, video: video)
        }
        var kept: [FrameJob] = [], skipped = 0
        for job in jobs {
            let existing = job.paths.filter { FileManager.default.fileExists(atPath: $0) }
            switch request.existingFiles {
            case _ where existing.isEmpty, .overwrite:
                kept.append(job)
            case .resume:
                // A frame with only some of its files (colour but no depth, say) is rendered again.
                if existing.count == job.paths.count { skipped += 1 } else { kept.append(job) }
            case .refuse:
                throw ExistingOutputError(path: existing[0], isSequence: isSequence)
            }
        }
        return SequencePlan(jobs: kept, skipped: skipped, isSequence: isSequence, video: nil)
    }
}
