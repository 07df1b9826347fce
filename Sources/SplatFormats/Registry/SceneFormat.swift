import Foundation
import SplatCore

/// A scene file format: how to recognise it, decode it and (where the format allows) write it, and
/// the small valid files that seed its fuzzer. Every format is one value in `SceneFormats.all`.
public protocol SceneFormat: FuzzedReader {
    /// The format's identity, shown by `info` (e.g. "3dgs-ply").
    var id: SceneFormatID { get }
    /// Whether the source holds this format. Content decides; the path only where a folder or a
    /// pattern is the only clue. Must be cheap: every format's test runs until one says yes.
    func detects(_ source: SceneSource) -> Bool
    func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene
    /// The scene in this format, or an error saying why it cannot be written so.
    func encode(_ scene: TemporalCloud) throws -> Data
    /// Extensions that name this format when no content test recognises a file: a headerless
    /// format decodes such a file only to explain what is damaged. Content decides otherwise.
    var extensionsForDamagedFiles: [String] { get }
}

extension SceneFormat {
    public var name: String { id.rawValue }
    public var extensionsForDamagedFiles: [String] { [] }

    public func encode(_ scene: TemporalCloud) throws -> Data {
        throw SceneEncodingError(format: id, problem: "this format is read-only")
    }

    /// Decodes the bytes as this format (no detection) and slices the scene inside its time range,
    /// so the temporal models are fuzzed too.
    public func fuzz(_ data: Data) throws {
        let scene = try decode(SceneSource(path: "fuzz.\(id.rawValue)", data: data), options: .init()).scene
        if let range = scene.metadata.timeRange { _ = scene.slice(at: range.lowerBound + 0.5 * (range.upperBound - range.lowerBound)) }
    }
}

/// A reader of outside files that the fuzz harness exercises (scripts/fuzz.sh, Fuzz/FuzzTarget.swift):
/// every scene format and every camera file reader.
public protocol FuzzedReader: Sendable {
    /// The fuzz target's name (SPLAT4D_FUZZ_FORMAT) and the folder of its seeds.
    var name: String { get }
    /// Small valid files: mutations of them reach every field.
    func fuzzSeeds() throws -> [FuzzSeed]
    /// Reads untrusted bytes as a user's file would be read and uses the result. Throws for bad
    /// input; a trap, an overflow or a sanitizer report is a finding.
    func fuzz(_ data: Data) throws
}

/// One small valid file for a fuzzer's starting corpus and the registry tests.
public struct FuzzSeed: Sendable {
    public var fileName: String
    public var data: Data
    public init(_ fileName: String, _ data: Data) {
        self.fileName = fileName
        self.data = data
    }
}

/// A scene format's identity; each format file declares its own (`SceneFormatID.splatv`).
public struct SceneFormatID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// What a format is given: the path, and the file's bytes unless the path names a folder or a
/// pattern. A PLY header is parsed once here for every PLY layout's content test.
public struct SceneSource: Sendable {
    public let path: String
    /// nil for a folder or a pattern (`frames/*.ply`).
    public let data: Data?
    /// The header when the bytes start like a PLY file and it parses.
    public let plyHeader: PLYHeader?

    public init(path: String, data: Data?) {
        self.path = path
        self.data = data
        plyHeader = data.flatMap { PLYHeader.hasMagic($0) ? try? PLYHeader.parse($0, path: path) : nil }
    }

    /// The source at `path`: a folder or pattern as it is, a file read whole.
    public static func open(path: String) throws -> SceneSource {
        if namesFolderOrPattern(path) { return SceneSource(path: path, data: nil) }
        return SceneSource(path: path, data: try OpeningChecks(path: path).readFile())
    }

    /// Whether a path names several files: a folder, or a pattern with `*` or `?`.
    public static func namesFolderOrPattern(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return true }
        return path.contains("*") || path.contains("?")
    }

    /// The bytes, for formats that read one file (their content test has already seen them).
    func bytes() throws -> Data {
        guard let data else { throw SceneFileError(path: path, problem: "is a folder or pattern, not a file") }
        return data
    }
}

/// A decoded scene file and what it was.
public struct LoadedScene: Sendable {
    public var format: SceneFormatID
    /// A detail for reports, e.g. the PLY encoding ("binary_little_endian", "ascii").
    public var formatDetail: String
    /// The scene in canonical form; static formats have no motion.
    public var scene: TemporalCloud
    /// What rendering this scene as its trainer did still needs (e.g. a 4DGS checkpoint's time
    /// duration); nil when nothing. `info` shows the scene anyway; renderers refuse it.
    public var missingForRendering: String?
    /// Whether the file says the scene was trained in antialiased mode (SPZ's flag); nil when the
    /// format does not say. The CLI uses it unless --antialiased or --no-antialiased is given.
    public var antialiased: Bool?
    /// A frame sequence opened to stream (`SceneLoader.open`): `scene` then holds only frame 0
    /// under the sequence's time range, and renders take their frames from here.
    public var stream: FrameStream?

    public init(format: SceneFormatID, formatDetail: String, scene: TemporalCloud, antialiased: Bool? = nil) {
        self.format = format
        self.formatDetail = formatDetail
        self.scene = scene
        self.antialiased = antialiased
    }

    public init(format: SceneFormatID, formatDetail: String, cloud: SplatCloud, antialiased: Bool? = nil) {
        self.init(format: format, formatDetail: formatDetail, scene: TemporalCloud(static: cloud), antialiased: antialiased)
    }

    /// The Gaussians in their canonical state (the whole cloud of a static scene; for a 4D scene,
    /// reference positions and peak opacities), for bounds and automatic framing.
    public var cloud: SplatCloud { scene.canonical }

    /// The Gaussians at time t: through the stream's window (reading the frames around t) when
    /// the scene streams, else the scene's slice.
    public func slice(at t: Float) throws -> SplatCloud {
        guard let stream else { return scene.slice(at: t) }
        return try stream.window(at: t).scene.slice(at: t)
    }
}

/// Why a scene cannot be written in a format.
public struct SceneEncodingError: SplatError, Equatable {
    public var format: SceneFormatID
    public var problem: String
    public init(format: SceneFormatID, problem: String) {
        self.format = format
        self.problem = problem
    }
    public var kind: ErrorKind { .badOption }
    public var description: String { "\(format.rawValue): \(problem)" }
}
