import Foundation
import SplatCore

/// A performance stored as one standard 3DGS PLY per frame: a folder of `*.ply` files, or a glob
/// pattern (`frames/*.ply`), taken in natural name order (frame_2 before frame_10). Frame k is at
/// time k / frameRate seconds when a frame rate is given, else at time k in frames.
/// Consecutive frames with the same Gaussian count interpolate (see Keyframes).
public struct PLYSequence: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .plySequence }

    /// A folder or a pattern: the only format whose path is its only clue.
    public func detects(_ source: SceneSource) -> Bool { source.data == nil }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let scene = try Self.load(path: source.path, frameRate: options.frameRate)
        return LoadedScene(format: id, formatDetail: "\(scene.keyframes!.frames.count) frames", scene: scene)
    }

    /// Two frames of the same Gaussians (the files a folder would hold).
    public func fuzzSeeds() -> [FuzzSeed] {
        SeedScenes.frames().enumerated().map { FuzzSeed("frame_\($0).ply", PLYWriter.gaussianPLY($1)) }
    }

    /// The bytes as a one-frame sequence: the frame reader and keyframe building, without a folder.
    public func fuzz(_ data: Data) throws {
        let scene = try Self.scene(frameFiles: ["fuzz/frame_0.ply"], path: "fuzz", frameRate: nil) { _ in data }
        _ = scene.slice(at: 0)
    }

    public static func load(path: String, frameRate: Double?) throws -> TemporalCloud {
        let files = try frameFiles(path)
        guard !files.isEmpty else { throw SceneFileError(path: path, problem: "no .ply frames found") }
        return try scene(frameFiles: files, path: path, frameRate: frameRate) { try OpeningChecks(path: $0).readFile() }
    }

    /// Keyframes from the frame files, in order, each read by `bytes` (one at a time: only the
    /// decoded frames stay in memory); frame k is at k / frameRate seconds, or k frames.
    static func scene(frameFiles files: [String], path: String, frameRate: Double?,
                      bytes: (String) throws -> Data) throws -> TemporalCloud {
        var frames: [SplatCloud] = []
        for file in files {
            let data = try bytes(file)
            guard PLYHeader.hasMagic(data) else { throw SceneFileError(path: file, problem: "not a PLY file") }
            frames.append(try GaussianPLY.cloud(from: PLYFile(data: data, path: file)))
        }
        guard !frames.isEmpty else { throw SceneFileError(path: path, problem: "no .ply frames found") }
        if let degree = frames.first?.shDegree, let odd = frames.firstIndex(where: { $0.shDegree != degree }) {
            throw SceneFileError(path: files[odd], problem: "SH degree \(frames[odd].shDegree) differs from the first frame's \(degree)")
        }
        let step = frameRate.map { 1 / $0 } ?? 1
        let times = frames.indices.map { Float(Double($0) * step) }
        let metadata = SceneMetadata(timeRange: times.first!...times.last!, timeUnit: frameRate == nil ? "frames" : "seconds",
                                     frameRate: frameRate)
        return TemporalCloud(keyframes: Keyframes(times: times, frames: frames), metadata: metadata)
    }

    /// The frame files of a folder or pattern, in natural order.
    static func frameFiles(_ path: String) throws -> [String] {
        let folder: String, pattern: String
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            folder = path
            pattern = "*.ply"
        } else {
            folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
            pattern = (path as NSString).lastPathComponent
            guard !folder.contains("*"), !folder.contains("?") else {
                throw SceneFileError(path: path, problem: "only the last path component may hold a pattern")
            }
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw SceneFileError(path: path, problem: "cannot list the folder '\(folder)'")
        }
        return names.filter { matches($0, pattern) && !$0.hasPrefix(".") }
            .sorted(by: naturalOrder)
            .map { (folder as NSString).appendingPathComponent($0) }
    }

    /// Shell-style matching with `*` and `?` (case-insensitive, as file name extensions vary).
    static func matches(_ name: String, _ pattern: String) -> Bool {
        let n = Array(name.lowercased()), p = Array(pattern.lowercased())
        var i = 0, j = 0, star = -1, mark = 0
        while i < n.count {
            if j < p.count, p[j] == "?" || p[j] == n[i] { i += 1; j += 1 }
            else if j < p.count, p[j] == "*" { star = j; mark = i; j += 1 }
            else if star >= 0 { j = star + 1; mark += 1; i = mark }
            else { return false }
        }
        while j < p.count, p[j] == "*" { j += 1 }
        return j == p.count
    }

    /// Natural order: runs of ASCII digits compare as numbers (equal numbers by their text, "01"
    /// before "1"), the rest as text, byte by byte.
    public static func naturalOrder(_ a: String, _ b: String) -> Bool { naturalOrder(Array(a.utf8), Array(b.utf8)) }

    /// The names in natural order, each turned into bytes once (ten thousand frames sort in milliseconds).
    public static func naturallySorted(_ names: [String]) -> [String] {
        names.map { (name: $0, bytes: Array($0.utf8)) }.sorted { naturalOrder($0.bytes, $1.bytes) }.map(\.name)
    }

    private static func naturalOrder(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in naturalOrder(x, y) } }
    }

    /// Plain loops over raw bytes (no generic slices): sorting ten thousand names stays fast in debug builds too.
    private static func naturalOrder(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        // Most names share a long prefix ("take_"): skip it, back to the start of the run it ends in
        // (run boundaries inside the common prefix are the same in both names).
        var i = 0
        while i < x.count, i < y.count, x[i] == y[i] { i += 1 }
        if i > 0 {
            let digits = isDigit(x[i - 1])
            while i > 0, isDigit(x[i - 1]) == digits { i -= 1 }
        }
        while i < x.count, i < y.count {
            let digits = isDigit(x[i])
            var p = i + 1, q = i + 1  // ends of the runs from i
            while p < x.count, isDigit(x[p]) == digits { p += 1 }
            while q < y.count, isDigit(y[q]) == isDigit(y[i]) { q += 1 }
            if digits, isDigit(y[i]) {
                var m = i, n = i  // without leading zeros
                while m < p, x[m] == 48 { m += 1 }
                while n < q, y[n] == 48 { n += 1 }
                if p - m != q - n { return p - m < q - n }
                while m < p { if x[m] != y[n] { return x[m] < y[n] }; m += 1; n += 1 }
            }
            // Same number, or text: the runs as bytes.
            var k = 0
            while i + k < p, i + k < q {
                if x[i + k] != y[i + k] { return x[i + k] < y[i + k] }
                k += 1
            }
            if p != q { return p < q }
            i = p
        }
        return x.count < y.count
    }
}

extension SceneFormatID {
    public static let plySequence = SceneFormatID(rawValue: "ply-sequence")
}
