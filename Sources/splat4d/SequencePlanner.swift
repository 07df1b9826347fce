import ArgumentParser
import Foundation
import SplatCore
import SplatFormats
import SplatPNG

/// Turns the render options into the list of frames to render: times, cameras and file names.
struct SequencePlanner {
    let render: Render
    let scene: TemporalCloud

    /// The frames of this run, and how many were skipped because they are on disk (--resume).
    struct Plan {
        var jobs: [FrameJob]
        var skipped: Int
        var isSequence: Bool

        /// The folders exist (sequences create theirs) and can be written.
        func checkOutputs() throws {
            if isSequence {
                let folders = Set(jobs.flatMap { [$0.output] + ($0.depthOutput.map { [$0] } ?? []) }
                    .map { ($0 as NSString).deletingLastPathComponent }.filter { !$0.isEmpty })
                for folder in folders.sorted() {
                    do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                        throw UserError("\(folder): cannot create the output folder (\(error.localizedDescription))")
                    }
                }
            }
            for job in jobs.prefix(1) {
                for path in [job.output] + (job.depthOutput.map { [$0] } ?? []) { try OutputPath.checkWritable(path) }
            }
        }
    }

    var options: SequenceOptions { render.sequence }

    func plan() throws -> Plan {
        guard options.isSequence else { return try singleFrame() }
        var jobs = options.cameras != nil ? try datasetJobs() : try pathJobs()
        // More than one frame needs a placeholder in every output name.
        if Set(jobs.map(\.output)).count < jobs.count {
            throw UserError("--output '\(render.output)' needs a frame pattern (%05d or {frame}) to write a sequence", kind: .badOption)
        }
        if let depth = options.depth, Set(jobs.compactMap(\.depthOutput)).count < jobs.count {
            throw UserError("--depth '\(depth)' needs a frame pattern (%05d or {frame}) to write a sequence", kind: .badOption)
        }
        if let shard = try options.shard.map(options.shardValue) ?? shardFromEnvironment() {
            jobs = Array(jobs[shard.block(of: 0..<jobs.count)])
        }
        return try filterExisting(jobs, isSequence: true)
    }

    private func singleFrame() throws -> Plan {
        let t = try SceneTime.resolve(render.time, for: scene, path: render.input.scene)
        let camera = try render.camera.request().resolve(for: scene.canonical, sceneCameras: scene.metadata.cameras)
        let job = FrameJob(index: 0, time: t, camera: camera, output: render.output, depthOutput: options.depth)
        return try filterExisting([job], isSequence: false)
    }

    /// A fixed camera, an orbit or a keyframed path over a frame schedule.
    private func pathJobs() throws -> [FrameJob] {
        let size = (render.camera.width ?? CameraRequest.defaultSize.width, render.camera.height ?? CameraRequest.defaultSize.height)
        var path: CameraPath
        var defaultRange: ClosedRange<Float>?
        if options.orbit {
            var orbit = Orbit.framing(scene.canonical, width: size.0, height: size.1, fovY: render.camera.fovY ?? CameraRequest.defaultFovY)
            if let r = options.orbitRadius { orbit.radius = r }
            orbit.elevationDegrees = options.orbitElevation
            orbit.revolutions = options.orbitRevolutions
            path = .orbit(orbit)
        } else if let file = options.cameraPath {
            let keys = try CameraKeyframes.load(path: file, width: size.0, height: size.1)
            if scene.isStatic { defaultRange = keys.timeRange }
            path = .keyframed(keys)
        } else {
            path = .fixed(try render.camera.request().resolve(for: scene.canonical, sceneCameras: scene.metadata.cameras))
        }
        let defaultSpacing: FrameSchedule.Spacing? = options.orbit ? .count(120) : scene.metadata.frameRate.map { .perSecond($0) }
        let schedule = try options.spacing.schedule(for: scene, path: render.input.scene, defaultRange: defaultRange,
                                                    defaultSpacing: defaultSpacing)
        return schedule.indices.map { k in
            let t = schedule.time(ofFrame: k)
            let camera = path.camera(atTime: t, fraction: Float(k) / Float(max(schedule.total, 1)))
            return FrameJob(index: k, time: t, camera: camera, output: FrameSchedule.expand(render.output, frame: k),
                            depthOutput: options.depth.map { FrameSchedule.expand($0, frame: k) })
        }
    }

    /// One frame per camera of a dataset file, at the camera's own time (else --time-range's start).
    private func datasetJobs() throws -> [FrameJob] {
        let views = try DatasetCameras.load(path: options.cameras!,
                                            defaultSize: (render.camera.width ?? 800, render.camera.height ?? 800))
        let fallback = try options.timeRange.map { try ValueParsing.range($0, option: "--time-range").lowerBound }
            ?? scene.metadata.timeRange?.lowerBound ?? 0
        var jobs: [FrameJob] = []
        let selected = try options.frames.map(options.frameRange) ?? 0..<views.count
        guard selected.upperBound <= views.count else {
            throw UserError("--frames \(selected.lowerBound):\(selected.upperBound) is outside the \(views.count) cameras", kind: .badOption)
        }
        for k in selected {
            let view = views[k]
            var camera = view.camera
            if let w = render.camera.width, let h = render.camera.height { camera = camera.resized(width: w, height: h) }
            let t = try SceneTime.resolve(view.time ?? fallback, for: scene, path: render.input.scene)
            func name(_ pattern: String) -> String {
                FrameSchedule.expand(pattern.replacingOccurrences(of: "{name}", with: view.name), frame: k)
            }
            jobs.append(FrameJob(index: k, time: t, camera: camera, output: name(render.output), depthOutput: options.depth.map(name)))
        }
        return jobs
    }

    private func shardFromEnvironment() throws -> Shard? {
        do { return try Shard.fromEnvironment(ProcessInfo.processInfo.environment) } catch let error as ScheduleError {
            throw UserError(error.description, kind: .badOption)
        }
    }

    /// Existing files: skipped with --resume, replaced with --overwrite, else an error.
    private func filterExisting(_ jobs: [FrameJob], isSequence: Bool) throws -> Plan {
        var kept: [FrameJob] = [], skipped = 0
        for job in jobs {
            let paths = [job.output] + (job.depthOutput.map { [$0] } ?? [])
            let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
            if existing.isEmpty || options.overwrite { kept.append(job); continue }
            if options.resume {
                // A frame with only some of its files (colour but no depth, say) is rendered again.
                if existing.count == paths.count { skipped += 1 } else { kept.append(job) }
                continue
            }
            throw UserError("\(existing[0]) already exists; use --overwrite to replace it\(isSequence ? " or --resume to skip finished frames" : "")")
        }
        return Plan(jobs: kept, skipped: skipped, isSequence: isSequence)
    }
}
