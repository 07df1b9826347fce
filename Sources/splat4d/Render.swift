import ArgumentParser
import Foundation
import SplatCore
import SplatGPU
import SplatPNG

enum Backend: String, ExpressibleByArgument, CaseIterable {
    case cpu, vulkan
}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Render a scene to a PNG image.")

    @Argument(help: "The scene file (3DGS .ply or antimatter15 .splat).")
    var scene: String

    @Option(name: .shortAndLong, help: "The PNG file to write.")
    var output: String

    @OptionGroup var camera: CameraOptions

    @Option(help: ArgumentHelp("Background colour: R,G,B in [0,1], or black or white.", valueName: "R,G,B"))
    var background: String = "0,0,0"

    @Option(help: "Renderer: vulkan (default) or cpu (the reference).")
    var backend: Backend = .vulkan

    @Option(help: "Vulkan device: an index or a name substring (see `splat4d info --devices`).")
    var device: String?

    @Option(help: "Frames per second of a per-frame sequence (a PLY folder or npz); default: time in frames.")
    var frameRate: Double?

    @Option(help: "Scene time to render (in the scene's time unit; `splat4d info` shows the range). Default: the start.")
    var time: Float?

    @Flag(help: "Antialiased mode: scale opacity by the low-pass filter's determinant ratio.")
    var antialiased = false

    func validate() throws {
        if let r = frameRate, !(r.isFinite && r > 0) { throw ValidationError("--frame-rate must be a positive number") }
        _ = try ValueParsing.background(background)
        guard output.lowercased().hasSuffix(".png") else {
            throw ValidationError("--output must name a .png file, got '\(output)'")
        }
    }

    func run() throws {
        let settings = RenderSettings(background: try ValueParsing.background(background), antialiased: antialiased)
        try OutputPath.checkWritable(output)
        let loaded = try SceneLoader.load(path: scene, options: SceneLoader.Options(frameRate: frameRate))
        let t = try SceneTime.resolve(time, for: loaded.scene, path: scene)
        let camera = try self.camera.request().resolve(for: loaded.cloud, sceneCameras: loaded.scene.metadata.cameras)
        let renderer = try SceneFrameRenderer(scene: loaded.scene, backend: backend, device: device)
        let frame = try renderer.render(at: t, camera: camera, settings: settings)
        try PNGFile.write(frame.colour, to: output)
    }
}

extension Backend {
    func makeRasterizer(device: String?) throws -> SplatRasterizer {
        switch self {
        case .cpu:
            return ReferenceRasterizer()
        case .vulkan:
            do {
                return try VulkanRasterizer(preference: device)
            } catch let error as VulkanError {
                throw UserError(Backend.noDeviceMessage("\(error)"))
            } catch let error as GPUError {
                throw UserError(Backend.noDeviceMessage(error.description))
            }
        }
    }
}

extension Backend {
    /// The error when the Vulkan backend cannot start: always names the CPU fallback.
    static func noDeviceMessage(_ reason: String) -> String {
        let message = "cannot start the Vulkan backend: \(reason)"
        return message.contains("--backend cpu") ? message : message + "; use --backend cpu to render on the CPU"
    }
}

/// Checks that an output file can be created before any expensive work starts.
enum OutputPath {
    static func checkWritable(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UserError("\(path): the folder '\(folder)' does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw UserError("\(path): the folder '\(folder)' is not writable")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw UserError("\(path): is a directory")
        }
    }
}
