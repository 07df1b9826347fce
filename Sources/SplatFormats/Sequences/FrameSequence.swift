import Foundation
import SplatCore

/// A performance stored as one static scene per frame, opened lazily: opening lists the frames and
/// decodes only the first; `decodeFrame(k)` reads frame k when a render needs it. The frames are
/// the files of a folder or a glob pattern (`frames/*.ply`), or the members of a ZIP archive read
/// in place (stored or deflated, never extracted), in natural name order (SuperSplat's flipbook
/// `name_0002.ply` before `name_0010.ply`). Each frame decodes through the registry, so any static
/// format it reads works (PLY, compressed PLY, SPZ, .splat, glb, SOG); this layer does not know which.
/// Frame k is at time k / frameRate seconds when a frame rate is given, else at time k in frames.
public struct FrameSequence: Sendable {
    /// The folder, pattern or archive as the user named it.
    public let path: String
    /// Each frame's name in messages: its file path, or `archive.zip:member`.
    public let names: [String]
    public let frameRate: Double?
    /// Frame 0, decoded at opening.
    public let first: SplatCloud
    /// The first frame's format ("3dgs-ply"), for reports.
    public let firstFormat: SceneFormatID
    private let origin: Origin

    enum Origin: Sendable {
        case files
        case zip(ZipArchive, [ZipArchive.Entry])
    }

    /// Extensions of the frame files a folder or archive is listed for (a pattern lists what it matches).
    public static let frameExtensions = ["ply", "splat", "spz", "glb", "ksplat", "sog"]

    public var frameCount: Int { names.count }

    /// The time of frame k, in seconds with a frame rate, else in frames.
    public func time(of k: Int) -> Float { Float(Double(k) * (frameRate.map { 1 / $0 } ?? 1)) }

    public var times: [Float] { (0..<frameCount).map(time(of:)) }

    public var metadata: SceneMetadata {
        SceneMetadata(timeRange: time(of: 0)...time(of: frameCount - 1), timeUnit: frameRate == nil ? "frames" : "seconds",
                      frameRate: frameRate)
    }

    /// Whether the path names a frame sequence: a folder, a pattern, or a ZIP archive of frame files
    /// (not an npz or a PyTorch checkpoint, which are ZIPs of arrays).
    public static func names(_ path: String) -> Bool {
        if SceneSource.namesFolderOrPattern(path) { return true }
        guard let archive = try? openArchive(path) else { return false }
        return !frameEntries(archive).isEmpty
    }

    /// Lists the frames and decodes frame 0.
    public static func open(path: String, frameRate: Double?) throws -> FrameSequence {
        if SceneSource.namesFolderOrPattern(path) {
            let files = try listFiles(path)
            guard !files.isEmpty else {
                throw SceneFileError(path: path, problem: "no frame files found (\(frameExtensions.map { "*.\($0)" }.joined(separator: ", ")))")
            }
            return try FrameSequence(path: path, names: files, frameRate: frameRate, origin: .files)
        }
        let archive = try openArchive(path)
        let entries = frameEntries(archive)
        guard !entries.isEmpty else { throw SceneFileError(path: path, problem: "the ZIP archive holds no frame files") }
        return try FrameSequence(path: path, names: entries.map { "\(path):\($0.name)" }, frameRate: frameRate,
                                 origin: .zip(archive, entries))
    }

    private init(path: String, names: [String], frameRate: Double?, origin: Origin) throws {
        self.path = path
        self.names = names
        self.frameRate = frameRate
        self.origin = origin
        var none: SplatCloud? = nil
        let loaded = try Self.decode(name: names[0], index: 0, origin: origin, reusing: &none)
        first = loaded.cloud
        firstFormat = loaded.format
    }

    /// Frame k, checked against frame 0's SH degree. Errors name the frame's file and index.
    public func decodeFrame(_ k: Int) throws -> SplatCloud {
        var none: SplatCloud? = nil
        return try decodeFrame(k, reusing: &none)
    }

    /// Frame k, written into `storage`'s arrays where the reader can (an evicted frame's: no fresh
    /// memory to fault in); `storage` is taken (left nil) either way.
    public func decodeFrame(_ k: Int, reusing storage: inout SplatCloud?) throws -> SplatCloud {
        if k == 0 { storage = nil; return first }
        let cloud = try Self.decode(name: names[k], index: k, origin: origin, reusing: &storage).cloud
        guard cloud.shDegree == first.shDegree else {
            throw SceneFileError(path: names[k], problem: "frame \(k): SH degree \(cloud.shDegree) differs from the first frame's \(first.shDegree)")
        }
        return cloud
    }

    /// Every frame decoded, as keyframes (the eager path: small sequences, formats that need the whole scene).
    public func loadAll() throws -> TemporalCloud {
        let frames = try (0..<frameCount).map(decodeFrame)
        return TemporalCloud(keyframes: Keyframes(times: times, frames: frames), metadata: metadata)
    }

    /// The sequence streamed through a frame cache of `budget` bytes.
    public func stream(budget: UInt64, prefetchThreads: Int = 2) -> FrameStream {
        let sequence = self
        let cache = FrameCache(frameCount: frameCount, budget: budget, prefetchThreads: prefetchThreads,
                               frameBytes: FrameCache.bytes(of: first), firstFrameBytes: FrameCache.bytes(of: first)) { k, storage in
            try sequence.decodeFrame(k, reusing: &storage)
        }
        return FrameStream(times: times, metadata: metadata, first: first, cache: cache)
    }

    // MARK: - Reading one frame

    private static func decode(name: String, index: Int, origin: Origin,
                               reusing storage: inout SplatCloud?) throws -> (cloud: SplatCloud, format: SceneFormatID) {
        defer { storage = nil }
        do {
            let data: Data
            switch origin {
            case .files:
                if let cloud = try StreamedPLYFrame(path: name).decode(reusing: &storage) { return (cloud, .gaussianPLY) }
                data = try FrameFile(path: name).read()
            case .zip(let archive, let entries):
                data = Data(try archive.read(entries[index], limit: Int(clamping: MemoryBudget.bytes)))
            }
            let loaded = try SceneLoader.load(data: data, path: name)
            guard loaded.scene.isStatic else {
                throw SceneFileError(path: name, problem: "is a time-varying scene (\(loaded.format)), not one frame")
            }
            return (loaded.cloud, loaded.format)
        } catch let error as SceneFileError {
            let problem = error.path == name ? error.problem : error.description
            throw SceneFileError(path: name, problem: "frame \(index): \(problem)")
        } catch {
            throw SceneFileError(path: name, problem: "frame \(index): \(error)")
        }
    }

    // MARK: - Listing

    static func listFiles(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        let folder: String
        let accepts: (String) -> Bool
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            folder = path
            accepts = isFrameName
        } else {
            let parent = (path as NSString).deletingLastPathComponent
            folder = parent.isEmpty ? "." : parent
            let pattern = (path as NSString).lastPathComponent
            guard !folder.contains("*"), !folder.contains("?") else {
                throw SceneFileError(path: path, problem: "only the last path component may hold a pattern")
            }
            accepts = { PLYSequence.matches($0, pattern) }
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw SceneFileError(path: path, problem: "cannot list the folder '\(folder)'")
        }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return PLYSequence.naturallySorted(names.filter { !$0.hasPrefix(".") && accepts($0) }).map { prefix + $0 }
    }

    static func isFrameName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return frameExtensions.contains { lower.hasSuffix(".\($0)") }
    }

    /// The archive, memory-mapped (its members are read in place), when the file is a ZIP.
    static func openArchive(_ path: String) throws -> ZipArchive {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw SceneFileError(path: path, problem: "cannot read the file")
        }
        guard ZipArchive.hasZipMagic(data) else { throw SceneFileError(path: path, problem: "not a ZIP archive") }
        return try ZipArchive(data: data, path: path, kind: "ZIP archive")
    }

    /// The frame members of an archive in natural order; none for archives of arrays (npz, checkpoints).
    static func frameEntries(_ archive: ZipArchive) -> [ZipArchive.Entry] {
        let isArrays = archive.entries.contains { $0.name.hasSuffix(".npy") || $0.name.hasSuffix(".pkl") }
        guard !isArrays else { return [] }
        let frames = archive.entries.filter { !$0.name.hasSuffix("/") && isFrameName(($0.name as NSString).lastPathComponent) }
        let byName = Dictionary(frames.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return PLYSequence.naturallySorted(Array(byName.keys)).map { byName[$0]! }
    }
}

/// One frame file read whole into memory (not mapped: a file truncated while mapped would fault),
/// with its size and modification time checked before and after: a file that changes while it is
/// read is read again, and reported if it keeps changing, never decoded half-written.
struct FrameFile {
    let path: String

    struct Stamp: Equatable {
        var size: Int
        var modified: Date
    }

    func stamp() throws -> Stamp {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw SceneFileError(path: path, problem: "no such file")
        }
        return Stamp(size: (attributes[.size] as? NSNumber)?.intValue ?? -1,
                     modified: attributes[.modificationDate] as? Date ?? .distantPast)
    }

    func read(attempts: Int = 3) throws -> Data {
        for _ in 0..<attempts {
            let before = try stamp()
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw SceneFileError(path: path, problem: "cannot read the file")
            }
            if try stamp() == before, data.count == before.size { return data }
        }
        throw SceneFileError(path: path, problem: "the file changed while it was read \(attempts) times; is it still being written?")
    }
}

extension SceneFormatID {
    /// A streamed sequence of frames that are not all PLY files (a ZIP, .splat or SPZ frames).
    public static let frameSequence = SceneFormatID(rawValue: "frame-sequence")
}
