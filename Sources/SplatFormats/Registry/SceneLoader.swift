import Foundation
import SplatCore

/// Reads a scene of any registered format (`SceneFormats.all`), recognised by content, never by
/// extension: a file, or a folder / pattern of per-frame files.
public enum SceneLoader {
    /// Options that a file cannot say about itself.
    public struct Options: Sendable {
        /// Frames per second of a per-frame sequence (PLY folder, npz); nil keeps time in frames.
        public var frameRate: Double?
        /// The training config's `time_duration` of a 4DGS checkpoint (it sets the period of the
        /// time-varying colour and is not in the checkpoint); nil: spatial colour only.
        public var timeDuration: ClosedRange<Float>?
        /// The training iteration of a 4DGaussians model folder; nil: the latest.
        public var iteration: Int?
        public init(frameRate: Double? = nil, timeDuration: ClosedRange<Float>? = nil, iteration: Int? = nil) {
            self.frameRate = frameRate
            self.timeDuration = timeDuration
            self.iteration = iteration
        }
    }

    /// Like `load`, but a frame sequence (folder, pattern, ZIP of frames, Dynamic 3D Gaussians npz)
    /// is opened to stream: its frames are listed, frame 0 decoded, and the rest read through a
    /// frame cache of `cacheBytes` as renders need them (`LoadedScene.stream`).
    public static func open(path: String, options: Options = Options(),
                            cacheBytes: UInt64 = MemoryBudget.defaultFrameCacheBytes) throws -> LoadedScene {
        if DynamicGaussiansTimesteps.matches(path: path) {
            // A Dynamic 3D Gaussians npz is a sequence too: one timestep at a time.
            let timesteps = try DynamicGaussiansTimesteps(path: path)
            let stream = try timesteps.stream(budget: cacheBytes, frameRate: options.frameRate)
            var loaded = LoadedScene(format: .dynamicGaussiansNPZ, formatDetail: "\(timesteps.timesteps) timesteps, streamed",
                                     scene: stream.placeholder)
            loaded.stream = stream
            return loaded
        }
        guard FrameSequence.names(path) else { return try load(path: path, options: options) }
        // A folder that another format claims (a 4DGaussians model folder) is that format's.
        if SceneSource.namesFolderOrPattern(path),
           let other = SceneFormats.all.first(where: { $0.detects(SceneSource(path: path, data: nil)) }), other.id != .plySequence {
            return try load(path: path, options: options)
        }
        let sequence = try FrameSequence.open(path: path, frameRate: options.frameRate)
        let stream = sequence.stream(budget: cacheBytes)
        let allPLY = sequence.names.allSatisfy { $0.lowercased().hasSuffix(".ply") } && !sequence.names[0].contains(".zip:")
        var loaded = LoadedScene(format: allPLY ? .plySequence : .frameSequence,
                                 formatDetail: "\(sequence.frameCount) frames of \(sequence.firstFormat), streamed",
                                 scene: stream.placeholder)
        loaded.stream = stream
        return loaded
    }

    public static func load(path: String, options: Options = Options()) throws -> LoadedScene {
        try load(SceneSource.open(path: path), options: options)
    }

    public static func load(data: Data, path: String, options: Options = Options()) throws -> LoadedScene {
        try load(SceneSource(path: path, data: data), options: options)
    }

    public static func load(_ source: SceneSource, options: Options = Options()) throws -> LoadedScene {
        if let data = source.data { try OpeningChecks(path: source.path).nonEmpty(data) }
        return try format(of: source).decode(source, options: options)
    }

    /// The first format whose content test accepts the source.
    public static func format(of source: SceneSource) throws -> any SceneFormat {
        if let format = SceneFormats.all.first(where: { $0.detects(source) }) { return format }
        // The name only picks a more helpful error for a damaged file of a headerless format (its
        // decoder throws: its content test has already failed).
        let name = source.path.lowercased()
        for format in SceneFormats.all where format.extensionsForDamagedFiles.contains(where: { name.hasSuffix(".\($0)") }) {
            _ = try format.decode(source, options: Options())
        }
        throw SceneFileError(path: source.path, problem: "not a PLY or .splat file (unrecognised content)")
    }
}
