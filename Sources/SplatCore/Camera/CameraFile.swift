import Foundation

/// The official 3DGS `cameras.json`: a list of entries with `id`, `img_name`, `width`, `height`,
/// `position` (camera centre), `rotation` (3×3 camera-to-world, rows), `fx`, `fy`; OpenCV axes.
public enum CameraFile {
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
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw SceneFileError(path: path, problem: "not valid JSON")
        }
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
        func number(_ key: String) throws -> Double {
            guard let value = object[key] else { throw fail("missing key '\(key)'") }
            guard let n = value as? NSNumber, !n.isBoolean, n.doubleValue.isFinite else {
                throw fail("'\(key)' must be a finite number")
            }
            return n.doubleValue
        }
        func vector(_ value: Any?, _ key: String) throws -> SIMD3<Float> {
            guard let list = value as? [Any], list.count == 3 else { throw fail("'\(key)' must be a list of 3 numbers") }
            var v = SIMD3<Float>()
            for (i, element) in list.enumerated() {
                guard let n = element as? NSNumber, !n.isBoolean, n.doubleValue.isFinite else {
                    throw fail("'\(key)' must be a list of 3 finite numbers")
                }
                v[i] = Float(n.doubleValue)
            }
            return v
        }
        let width = try number("width"), height = try number("height")
        guard width >= 1, height >= 1, width <= 65536, height <= 65536,
              width == width.rounded(), height == height.rounded() else {
            throw fail("width and height must be whole numbers in 1...65536")
        }
        let fx = try number("fx"), fy = try number("fy")
        guard fx > 0, fy > 0 else { throw fail("fx and fy must be positive") }
        guard object["position"] != nil else { throw fail("missing key 'position'") }
        let position = try vector(object["position"], "position")
        guard let rows = object["rotation"] as? [Any], rows.count == 3 else {
            throw fail(object["rotation"] == nil ? "missing key 'rotation'" : "'rotation' must be a 3×3 list")
        }
        let r = try rows.map { try vector($0, "rotation") }
        let cameraToWorld = Mat3(rows: r[0], r[1], r[2])
        let name = (object["img_name"] as? String) ?? (object["id"].map { "\($0)" } ?? "\(index)")
        return Camera(width: Int(width), height: Int(height), fx: Float(fx), fy: Float(fy),
                      position: position, cameraToWorld: cameraToWorld, name: name)
    }
}

extension NSNumber {
    /// JSON true/false (Foundation bridges 0 and 1 to Bool too, so `is Bool` cannot tell).
    var isBoolean: Bool { String(cString: objCType) == "c" }
}
