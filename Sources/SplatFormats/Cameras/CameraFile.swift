import Foundation
import SplatCore

/// The official 3DGS `cameras.json`: a list of entries with `id`, `img_name`, `width`, `height`,
/// `position` (camera centre), `rotation` (3×3 camera-to-world, rows), `fx`, `fy`; OpenCV axes.
public struct CameraFile: FuzzedReader {
    public init() {}
    public var name: String { "cameras" }

    public func fuzzSeeds() -> [FuzzSeed] {
        [FuzzSeed("cameras.json", Data("""
            [{"id": 0, "img_name": "a", "width": 64, "height": 48, "position": [0, 0, -3],
              "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "fx": 50, "fy": 50}]
            """.utf8))]
    }

    public func fuzz(_ data: Data) throws { _ = try Self.parse(data, path: "cameras.json") }

    public static func load(path: String) throws -> [Camera] {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SceneFileError(path: path, problem: "no such file")
        }
        guard !isDirectory.boolValue else { throw SceneFileError(path: path, problem: "is a directory, not a cameras.json file") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SceneFileError(path: path, problem: "cannot read the file")
        }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws -> [Camera] {
        guard let root = JSONValues.parse(data) else { throw SceneFileError(path: path, problem: "not valid JSON") }
        guard let entries = root as? [Any] else {
            throw SceneFileError(path: path, problem: "expected a JSON list of cameras")
        }
        guard !entries.isEmpty else { throw SceneFileError(path: path, problem: "the file holds no cameras") }
        return try entries.enumerated().map { index, entry in
            try camera(from: entry, index: index, path: path)
        }
    }

    /// One cameras.json entry (shared with the splaTV loader, whose header embeds the same list).
    static func camera(from entry: Any, index: Int, path: String) throws -> Camera {
        func fail(_ problem: String) -> SceneFileError {
            SceneFileError(path: path, problem: "camera \(index): \(problem)")
        }
        guard let object = entry as? [String: Any] else { throw fail("expected an object") }
        func number(_ key: String) throws -> Double { try JSONValues.number(object[key], key: key, fail: fail) }
        let width = try number("width"), height = try number("height")
        guard width >= 1, height >= 1, width <= 65536, height <= 65536,
              width == width.rounded(), height == height.rounded() else {
            throw fail("width and height must be whole numbers in 1...65536")
        }
        let fx = try number("fx"), fy = try number("fy")
        guard fx > 0, fy > 0 else { throw fail("fx and fy must be positive") }
        let position = try JSONValues.vector3(object["position"], key: "position", fail: fail)
        guard let rows = object["rotation"] as? [Any], rows.count == 3 else {
            throw fail(object["rotation"] == nil ? "missing key 'rotation'" : "'rotation' must be a 3×3 list")
        }
        let r = try rows.map { try JSONValues.vector3($0, key: "rotation", fail: fail) }
        let cameraToWorld = Mat3(rows: r[0], r[1], r[2])
        let name = (object["img_name"] as? String) ?? (object["id"].map { "\($0)" } ?? "\(index)")
        return Camera(width: Int(width), height: Int(height), fx: Float(fx), fy: Float(fy),
                      position: position, cameraToWorld: cameraToWorld, name: name)
    }
}

extension CameraRequest {
    /// The camera for `cloud`, reading a `.file` source's cameras.json with `CameraFile`.
    public func resolve(for cloud: SplatCloud, sceneCameras: [Camera] = []) throws -> Camera {
        try resolve(for: cloud, sceneCameras: sceneCameras, cameraFile: { try CameraFile.load(path: $0) })
    }
}
