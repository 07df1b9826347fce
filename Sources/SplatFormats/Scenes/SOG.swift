import Foundation
import SplatCore

/// PlayCanvas's SOG, version 2 ("spatially ordered Gaussians", what PlayCanvas's web viewers
/// stream): `meta.json` plus lossless WebP images, either bundled in one ZIP (`scene.sog`) or as
/// a folder (open the folder or its `meta.json`). Texel i of every per-Gaussian image is Gaussian
/// i, row-major. Layout as splat-transform v3.2.0 writes and reads it (write-sog.ts, read-sog.ts;
/// checked against gsply 0.4.6's sog_reader.py):
/// - `means_l`/`means_u`: low and high bytes of a 16-bit value per axis (r, g, b) between
///   `means.mins` and `means.maxs` of the log-transformed position l(v) = sign(v)·ln(|v| + 1),
///   so v = sign(l)·(exp(|l|) − 1);
/// - `scales`: r, g, b index the 256-entry `scales.codebook` of log scales;
/// - `quats`: smallest three of the unit quaternion (w, x, y, z) with the largest made
///   positive, each (v·√2·0.5 + 0.5)·255, the largest's index + 252 in alpha;
/// - `sh0`: r, g, b index `sh0.codebook` of DC coefficients (f_dc); alpha is opacity·255;
/// - optional `shN`: `shN_labels` holds a 16-bit palette index (r low, g high); palette entry p
///   is row p / 64 of `shN_centroids` (64·coefficients texels wide), texel (p mod 64)·coefficients
///   + j holding coefficient j's r, g, b as indices into `shN.codebook`.
/// The positions are PLY space (as the 3DGS PLY), so no axis changes. Version 1 (no `version`)
/// and later versions are refused by name.
public struct SOG: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .sog }

    public func detects(_ source: SceneSource) -> Bool {
        guard let data = source.data else { return Self.isFolder(source.path) }
        if ZipArchive.hasZipMagic(data) {
            // A damaged bundle still named .sog is this format's to explain.
            if source.path.lowercased().hasSuffix(".sog") { return true }
            return (try? ZipArchive(data: data, path: source.path, kind: "SOG bundle"))?.entry(named: "meta.json") != nil
        }
        return Self.isMetaJSON(data)
    }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let files: SOGFiles
        let metaBytes: Data
        if let data = source.data, ZipArchive.hasZipMagic(data) {
            files = try SOGFiles.bundle(data, path: source.path)
            metaBytes = try files.read("meta.json", limit: SOGFiles.metaLimit)
        } else if let data = source.data {
            files = SOGFiles.folder((source.path as NSString).deletingLastPathComponent)
            metaBytes = data
        } else {
            files = SOGFiles.folder(source.path)
            metaBytes = try files.read("meta.json", limit: SOGFiles.metaLimit)
        }
        let cloud = try SOGReader.decode(meta: metaBytes, files: files)
        return LoadedScene(format: id, formatDetail: "PlayCanvas SOG v2 (\(files.form)), SH degree \(cloud.shDegree)", cloud: cloud)
    }

    public func encode(_ scene: TemporalCloud) throws -> Data {
        guard scene.isStatic else { throw SceneEncodingError(format: id, problem: "holds one static cloud: the scene moves") }
        return try SOGWriter.encode(scene.canonical)
    }

    public func fuzzSeeds() throws -> [FuzzSeed] {
        let cloud = SeedScenes.staticCloud()
        let flat = SplatCloud(positions: cloud.positions, scales: cloud.scales, rotations: cloud.rotations,
                              opacities: cloud.opacities, shDegree: 0,
                              sh: (0..<cloud.count).flatMap { Array(cloud.sh[($0 * 12)..<($0 * 12 + 3)]) })
        return [FuzzSeed("tiny.sog", try SOGWriter.encode(cloud, fullCodebooks: false)),
                FuzzSeed("tiny-sh0.sog", try SOGWriter.encode(flat, fullCodebooks: false))]
    }

    /// Only the bundled form: a meta.json alone would read its images from the disk.
    public func fuzz(_ data: Data) throws {
        let files = try SOGFiles.bundle(data, path: "fuzz.sog")
        _ = try SOGReader.decode(meta: try files.read("meta.json", limit: SOGFiles.metaLimit), files: files)
    }

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            && FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("meta.json"))
    }

    /// A JSON object with SOG's `means` and `quats` (any version, so an old one is refused by name).
    static func isMetaJSON(_ data: Data) -> Bool {
        guard data.count < SOGFiles.metaLimit, data.first(where: { !" \t\r\n".utf8.contains($0) }) == UInt8(ascii: "{"),
              let root = JSONValues.parse(data) as? [String: Any] else { return false }
        return root["means"] != nil && root["quats"] != nil
    }
}

extension SceneFormatID {
    public static let sog = SceneFormatID(rawValue: "sog")
}

/// Where a SOG's files come from: the members of a bundle, or the files of a folder. Names in
/// errors: `scene.sog` (the archive says which member) or the folder's file path.
struct SOGFiles {
    /// "bundle" or "folder", for `info`.
    let form: String
    /// How an image is named in errors.
    let describe: (String) -> String
    let read: (_ name: String, _ limit: Int) throws -> Data

    /// meta.json is a few kilobytes (three codebooks of 256 numbers); 16 MiB is generous.
    static let metaLimit = 16 << 20

    func read(_ name: String, limit: Int) throws -> Data { try read(name, limit) }

    static func bundle(_ data: Data, path: String) throws -> SOGFiles {
        let archive = try ZipArchive(data: data, path: path, kind: "SOG bundle")
        return SOGFiles(form: "bundle", describe: { "\(path):\($0)" }) { name, limit in
            Data(try archive.read(name, limit: limit))
        }
    }

    static func folder(_ folder: String) -> SOGFiles {
        let base = folder.isEmpty ? "." : folder
        let file = { (name: String) in (base as NSString).appendingPathComponent(name) }
        return SOGFiles(form: "folder", describe: file) { name, limit in
            let path = file(name)
            // The size first: a huge file is refused before it is read.
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue > limit {
                throw SceneFileError(path: path, problem: "is \(size.intValue) bytes, more than the limit of \(limit)")
            }
            return try OpeningChecks(path: path).readFile()
        }
    }
}
