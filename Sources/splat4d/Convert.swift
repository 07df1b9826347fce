import ArgumentParser
import Foundation
import SplatCore
import SplatFormats
import SplatRender

/// Exports the 3D splats at an instant as a 3DGS PLY, .splat, SPZ, compressed PLY, GLB or SOG (or one per frame).
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the 3D splats at time t as a 3DGS PLY, .splat, SPZ, PlayCanvas compressed PLY or SOG, or glTF (or one file per frame).",
        discussion: "A single instant: --time T --output frame.ply. A sequence: a pattern in --output with "
            + "--frame-count N or --fps F over --time-range (default: the scene's range), --frames A:B for part of it.")

    @OptionGroup var input: SceneArguments

    @Option(name: .shortAndLong, help: "The file to write, or a pattern (frame_%05d.ply, frame_{frame}.spz).")
    var output: String

    @Option(help: "ply, splat, spz, compressed-ply, glb or sog (default: from the output's extension: .ply, .splat, .spz, .compressed.ply, .glb, .sog).")
    var format: ExportFormat?

    @Option(help: "SPZ version to write: 2, 3 (read most widely) or 4 (zstd streams).")
    var spzVersion: Int = 3

    @Option(help: "Scene time (default: the start of the scene's range).")
    var time: Float?

    @OptionGroup var spacing: FrameSpacingOptions


    @Flag(help: "Replace existing files.")
    var overwrite = false

    func validate() throws {
        _ = try exportFormat()
        guard (2...4).contains(spzVersion) else { throw ValidationError("--spz-version must be 2, 3 or 4") }
    }

    func exportFormat() throws -> ExportFormat {
        if let format { return format }
        guard let format = ExportFormat(path: output) else {
            throw ValidationError("--output '\(output)' has no extension that names a format (.ply, .splat, .spz, .compressed.ply, .glb, .sog); give --format")
        }
        return format
    }

    func run() throws {
        let loaded = try input.open()
        let scene = input.scene
        let sequence = spacing.isSequence
        var outputs: [(path: String, time: Float)] = []
        if sequence {
            let schedule = try spacing.spacing().schedule(for: loaded.scene, sceneName: scene)
            guard schedule.indices.count <= 1 || FrameSchedule.hasPattern(output) else {
                throw UserError("--output '\(output)' needs a frame pattern (%05d or {frame}) to write a sequence", kind: .badOption)
            }
            for k in schedule.indices {
                outputs.append((FrameSchedule.expand(output, frame: k),
                                try SceneTime.resolve(schedule.time(ofFrame: k), for: loaded.scene, sceneName: scene)))
            }
        } else {
            outputs.append((output, try SceneTime.resolve(time, for: loaded.scene, sceneName: scene)))
        }
        for (path, _) in outputs {
            try OutputPath.checkWritable(path)
            if !overwrite, FileManager.default.fileExists(atPath: path) {
                throw UserError("\(path) already exists; use --overwrite to replace it")
            }
        }
        let exportFormat = try exportFormat()
        for (path, t) in outputs {
            let cloud = try loaded.slice(at: t)
            guard cloud.count > 0 else { throw UserError("\(scene): no Gaussian is active at t = \(t); nothing to write to \(path)") }
            let comment = loaded.scene.isStatic ? "exported by splat4d" : "exported by splat4d from \(scene) at t = \(t)"
            let bytes = try exportFormat.encode(cloud, comment: comment, spzVersion: spzVersion)
            do {
                try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw UserError("\(path): cannot write the file (\(error.localizedDescription))")
            }
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
