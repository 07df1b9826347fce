import Foundation
import SplatCore
import SplatFormats

/// The frames of one run, and how many were skipped because their files are on disk (resuming).
public struct SequencePlan: Sendable {
    public var jobs: [FrameJob]
    public var skipped: Int
    public var isSequence: Bool

    /// Makes the outputs ready before rendering: a sequence creates its folders; the first
    /// frame's files must then be writable.
    public func prepareOutputs() throws {
        if isSequence { try OutputPath.createFolders(of: jobs.flatMap(\.paths)) }
        for path in jobs.first?.paths ?? [] { try OutputPath.checkWritable(path) }
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
        guard request.isSequence else { return try keepNew([try singleFrame()], isSequence: false) }
        var jobs: [FrameJob]
        if case .dataset(let path) = request.motion { jobs = try datasetJobs(path: path) } else { jobs = try pathJobs() }
        // More than one frame needs a placeholder in every output name.
        if Set(jobs.map(\.output)).count < jobs.count {
            throw RequestError(.output, "'\(request.output)' needs a frame pattern (%05d or {frame}) to write a sequence")
        }
        if let depth = request.depthOutput, Set(jobs.compactMap(\.depthOutput)).count < jobs.count {
            throw RequestError(.depthOutput, "'\(depth)' needs a frame pattern (%05d or {frame}) to write a sequence")
        }
        if let shard = try request.shard ?? Shard.fromEnvironment(request.environment) {
            jobs = Array(jobs[shard.block(of: 0..<jobs.count)])
        }
        return try keepNew(jobs, isSequence: true)
    }

    private func singleFrame() throws -> FrameJob {
        let t = try SceneTime.resolve(request.time, for: scene, sceneName: request.sceneName)
        return FrameJob(index: 0, time: t, camera: try fixedCamera(), output: request.output, depthOutput: request.depthOutput)
    }

    private func fixedCamera() throws -> Camera {
        try request.camera.resolve(for: scene.canonical, sceneCameras: scene.metadata.cameras)
    }

    /// A fixed camera, an orbit or a keyframed path over a frame schedule.
    private func pathJobs() throws -> [FrameJob] {
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
        return schedule.indices.map { k in
            let t = schedule.time(ofFrame: k)
            let camera = path.camera(atTime: t, fraction: Float(k) / Float(max(schedule.total, 1)))
            return FrameJob(index: k, time: t, camera: camera, output: FrameSchedule.expand(request.output, frame: k),
                            depthOutput: request.depthOutput.map { FrameSchedule.expand($0, frame: k) })
        }
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
    private func keepNew(_ jobs: [FrameJob], isSequence: Bool) throws -> SequencePlan {
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
        return SequencePlan(jobs: kept, skipped: skipped, isSequence: isSequence)
    }
}
