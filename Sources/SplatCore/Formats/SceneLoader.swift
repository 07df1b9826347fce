import Foundation

/// The scene file formats we read.
public enum SceneFormat: String, Sendable, CaseIterable {
    case gaussianPLY = "3dgs-ply"
    case antimatterSplat = "splat"
    case spacetimePLY = "stg-lite-ply"
    case gaussian4DPLY = "4dgs-ply"
    case plySequence = "ply-sequence"
    case dynamicGaussiansNPZ = "dynamic3dgs-npz"
    case splatv = "splatv"
}

/// A decoded scene file and what it was.
public struct LoadedScene: Sendable {
    public var format: SceneFormat
    /// A detail for reports, e.g. the PLY encoding ("binary_little_endian", "ascii").
    public var formatDetail: String
    /// The scene in canonical form; static formats have no motion.
    public var scene: TemporalCloud

    public init(format: SceneFormat, formatDetail: String, scene: TemporalCloud) {
        self.format = format
        self.formatDetail = formatDetail
        self.scene = scene
    }

    public init(format: SceneFormat, formatDetail: String, cloud: SplatCloud) {
        self.init(format: format, formatDetail: formatDetail, scene: TemporalCloud(static: cloud))
    }

    /// The Gaussians in their canonical state (the whole cloud of a static scene; for a 4D scene,
    /// reference positions and peak opacities), for bounds and automatic framing.
    public var cloud: SplatCloud { scene.canonical }
}

/// Reads a scene file of any supported format, recognised by content, never by extension.
public enum SceneLoader {
    /// One entry per container: a content test and a decoder. Strict (magic-number) tests come
    /// first; the headerless .splat test is the weakest and goes last.
    struct Detector: Sendable {
        var matches: @Sendable (Data) -> Bool
        var load: @Sendable (Data, String) throws -> LoadedScene
    }

    static let detectors: [Detector] = [
        Detector(matches: SplatV.looksLikeSplatV, load: { LoadedScene(format: .splatv, formatDetail: "splaTV", scene: try SplatV.decode(data: $0, path: $1)) }),
        Detector(matches: hasPLYMagic, load: loadPLY),
        Detector(matches: AntimatterSplat.looksLikeSplat, load: { data, path in
            LoadedScene(format: .antimatterSplat, formatDetail: "antimatter15",
                        cloud: try AntimatterSplat.decode(data: data, path: path))
        }),
    ]

    /// Options that a file cannot say about itself.
    public struct Options: Sendable {
        /// Frames per second of a per-frame sequence (PLY folder, npz); nil keeps time in frames.
        public var frameRate: Double?
        public init(frameRate: Double? = nil) { self.frameRate = frameRate }
    }

    public static func load(path: String, options: Options = Options()) throws -> LoadedScene {
        if PLYSequence.isSequence(path) {
            let scene = try PLYSequence.load(path: path, frameRate: options.frameRate)
            return LoadedScene(format: .plySequence, formatDetail: "\(scene.keyframes!.frames.count) frames", scene: scene)
        }
        return try load(data: readFile(path), path: path, options: options)
    }

    public static func load(data: Data, path: String, options: Options = Options()) throws -> LoadedScene {
        guard !data.isEmpty else { throw SceneFileError(path: path, problem: "the file is empty") }
        // npz takes the frame-rate option, so it is recognised here rather than in `detectors`.
        if ZipArchive.hasZipMagic(data) {
            let scene = try DynamicGaussiansNPZ.scene(data: data, path: path, frameRate: options.frameRate)
            return LoadedScene(format: .dynamicGaussiansNPZ, formatDetail: "\(scene.keyframes!.frames.count) timesteps",
                               scene: scene)
        }
        guard let detector = detectors.first(where: { $0.matches(data) }) else {
            // Content decides the format; the name only picks a more helpful error for a damaged
            // .splat file (the decoder throws: the content test above already failed).
            if path.lowercased().hasSuffix(".splat") { _ = try AntimatterSplat.decode(data: data, path: path) }
            throw SceneFileError(path: path, problem: "not a PLY or .splat file (unrecognised content)")
        }
        return try detector.load(data, path)
    }

    /// The file's bytes, or an error that says why they cannot be had.
    static func readFile(_ path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SceneFileError(path: path, problem: "no such file")
        }
        guard !isDirectory.boolValue else { throw SceneFileError(path: path, problem: "is a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw SceneFileError(path: path, problem: "permission denied")
        }
        // Foundation leaks a page reading an empty file (LeakSanitizer sees it): nothing to read.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue == 0 {
            return Data()
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw SceneFileError(path: path, problem: "cannot read the file")
        }
    }

    static func hasPLYMagic(_ data: Data) -> Bool {
        data.starts(with: Array("ply\n".utf8)) || data.starts(with: Array("ply\r\n".utf8))
    }

    /// PLY is a container: the header says which Gaussian layout it holds. Later PLY-based
    /// formats (4D layouts) add their test here before the 3DGS fallback.
    static func loadPLY(_ data: Data, _ path: String) throws -> LoadedScene {
        let ply = try PLYFile(data: data, path: path)
        let encoding = ply.encoding.rawValue
        if SpacetimePLY.matches(ply.header) {
            return LoadedScene(format: .spacetimePLY, formatDetail: encoding, scene: try SpacetimePLY.scene(from: ply))
        }
        if Gaussian4DPLY.matches(ply.header) {
            return LoadedScene(format: .gaussian4DPLY, formatDetail: encoding, scene: try Gaussian4DPLY.scene(from: ply))
        }
        return LoadedScene(format: .gaussianPLY, formatDetail: encoding, cloud: try GaussianPLY.cloud(from: ply))
    }
}
