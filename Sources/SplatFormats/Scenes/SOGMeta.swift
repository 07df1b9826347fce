import Foundation
import SplatCore

/// SOG version 2's `meta.json`: the Gaussian count, the position bounds, the codebooks and the
/// names of the WebP images. Field meanings as PlayCanvas's splat-transform writes and reads them
/// (src/lib/writers/write-sog.ts, src/lib/readers/read-sog.ts, v3.2.0).
struct SOGMeta: Equatable {
    var count: Int
    /// Bounds of the log-transformed positions, per axis.
    var meansMins: SIMD3<Float>, meansMaxs: SIMD3<Float>
    /// The low and high bytes of the 16-bit positions.
    var meansFiles: [String]
    /// Log scales, indexed by the bytes of the scales image.
    var scalesCodebook: [Float]
    var scalesFile: String
    var quatsFile: String
    /// DC colour coefficients (f_dc), indexed by the sh0 image's RGB bytes; its alpha is opacity.
    var sh0Codebook: [Float]
    var sh0File: String
    var shN: HigherBands?

    struct HigherBands: Equatable {
        /// Palette entries (the labels' range).
        var count: Int
        /// SH degree, 1...3.
        var bands: Int
        /// Coefficient values, indexed by the centroid image's bytes.
        var codebook: [Float]
        var centroidsFile: String
        var labelsFile: String
    }

    static let version = 2

    /// The meta from its JSON bytes. `fail` names the file the error is about.
    static func parse(_ data: Data, fail: (String) -> SceneFileError) throws -> SOGMeta {
        guard let json = JSONValues.parse(data) else { throw fail("meta.json is not valid JSON") }
        guard let root = json as? [String: Any] else { throw fail("meta.json is not a JSON object") }
        guard let versionValue = root["version"] else {
            throw fail("SOG version 1 (meta.json without 'version') is not supported; only SOG version 2 is read")
        }
        guard let version = try? JSONValues.wholeNumber(versionValue, key: "version", fail: fail) else {
            throw fail("meta.json's 'version' must be a whole number")
        }
        guard version == Self.version else { throw fail("SOG version \(version) is not supported; only SOG version 2 is read") }
        guard let count = try JSONValues.wholeNumber(root["count"], key: "count", fail: fail) else {
            throw fail("meta.json has no 'count'")
        }
        let means = try object(root, "means", fail)
        let scales = try object(root, "scales", fail)
        let quats = try object(root, "quats", fail)
        let sh0 = try object(root, "sh0", fail)
        var meta = SOGMeta(
            count: count,
            meansMins: try JSONValues.vector3(means["mins"], key: "means.mins", fail: fail),
            meansMaxs: try JSONValues.vector3(means["maxs"], key: "means.maxs", fail: fail),
            meansFiles: try files(means, "means", 2, fail),
            scalesCodebook: try codebook(scales, "scales", fail),
            scalesFile: try files(scales, "scales", 1, fail)[0],
            quatsFile: try files(quats, "quats", 1, fail)[0],
            sh0Codebook: try codebook(sh0, "sh0", fail),
            sh0File: try files(sh0, "sh0", 1, fail)[0])
        if let value = root["shN"] {
            guard let shN = value as? [String: Any] else { throw fail("meta.json's 'shN' must be an object") }
            guard let bands = try JSONValues.wholeNumber(shN["bands"], key: "shN.bands", fail: fail), (1...3).contains(bands) else {
                throw fail("meta.json's 'shN.bands' must be 1, 2 or 3")
            }
            // Labels are 16 bits (two bytes of the labels image).
            guard let palette = try JSONValues.wholeNumber(shN["count"], key: "shN.count", fail: fail), (1...65536).contains(palette) else {
                throw fail("meta.json's 'shN.count' must be a palette size of 1 to 65536")
            }
            let names = try files(shN, "shN", 2, fail)
            meta.shN = HigherBands(count: palette, bands: bands, codebook: try codebook(shN, "shN", fail),
                                   centroidsFile: names[0], labelsFile: names[1])
        }
        return meta
    }

    /// The meta as JSON (keys sorted, so equal scenes give equal bytes).
    func json() -> Data {
        // Float NSNumbers print as the shortest text that reads back as the same Float.
        func numbers(_ values: [Float]) -> [NSNumber] { values.map { NSNumber(value: $0) } }
        func list(_ v: SIMD3<Float>) -> [NSNumber] { numbers([v.x, v.y, v.z]) }
        var root: [String: Any] = [
            "version": Self.version,
            "asset": ["generator": "splat4d"],
            "count": count,
            "means": ["mins": list(meansMins), "maxs": list(meansMaxs), "files": meansFiles],
            "scales": ["codebook": numbers(scalesCodebook), "files": [scalesFile]],
            "quats": ["files": [quatsFile]],
            "sh0": ["codebook": numbers(sh0Codebook), "files": [sh0File]],
        ]
        if let shN {
            root["shN"] = ["count": shN.count, "bands": shN.bands, "codebook": numbers(shN.codebook),
                           "files": [shN.centroidsFile, shN.labelsFile]] as [String: Any]
        }
        // Only numbers, strings, lists and objects: serialisation cannot fail.
        return try! JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }

    private static func object(_ root: [String: Any], _ key: String, _ fail: (String) -> SceneFileError) throws -> [String: Any] {
        guard let value = root[key] else { throw fail("meta.json has no '\(key)'") }
        guard let object = value as? [String: Any] else { throw fail("meta.json's '\(key)' must be an object") }
        return object
    }

    /// A codebook: 1 to 256 finite numbers (the image bytes index it).
    private static func codebook(_ object: [String: Any], _ key: String, _ fail: (String) -> SceneFileError) throws -> [Float] {
        guard let list = object["codebook"] as? [Any], (1...256).contains(list.count) else {
            throw fail("meta.json's '\(key).codebook' must be a list of 1 to 256 numbers")
        }
        return try list.map { Float(try JSONValues.number($0, key: "\(key).codebook", fail: fail)) }
    }

    /// `n` image names, each a plain relative name (no absolute path, no `..`).
    private static func files(_ object: [String: Any], _ key: String, _ n: Int,
                              _ fail: (String) -> SceneFileError) throws -> [String] {
        guard let list = object["files"] as? [Any], list.count >= n, let names = Array(list.prefix(n)) as? [String] else {
            throw fail("meta.json's '\(key).files' must list \(n) image file name\(n == 1 ? "" : "s")")
        }
        for name in names where name.isEmpty || name.hasPrefix("/") || name.split(separator: "/").contains("..") {
            throw fail("meta.json's '\(key).files' names \(ZipArchive.quoted(name)), not a file beside meta.json")
        }
        return names
    }
}
