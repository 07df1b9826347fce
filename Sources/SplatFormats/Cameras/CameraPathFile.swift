import Foundation
import SplatCore

/// Camera-path JSON files: keyframes a sequence's camera follows (the model and its maths,
/// `CameraKeyframes`, live in SplatCore).
///
///     {"up": [0, -1, 0],
///      "keyframes": [{"time": 0, "position": [0, 0, -4], "look_at": [0, 0, 0], "fov_y": 50},
///                    {"time": 1, "position": [3, 0, -3], "rotation": [[...], [...], [...]]}]}
/// `rotation` is camera-to-world (OpenCV axes), as in cameras.json; `orientation` is the same as a
/// unit quaternion (w, x, y, z) — what the viewer writes, so its paths read back exactly; `look_at`
/// uses `up`; `fov_y` (degrees) defaults to the previous key's (50 for the first). A bare list of
/// keyframes is fine.
public struct CameraPathFile: FuzzedReader {
    public init() {}
    public var name: String { "path" }

    public func fuzzSeeds() -> [FuzzSeed] {
        [FuzzSeed("path.json", Data("""
            {"up": [0, -1, 0], "keyframes": [{"time": 0, "position": [0, 0, -4], "look_at": [0, 0, 0], "fov_y": 50},
             {"time": 1, "position": [3, 0, -3], "look_at": [0, 0, 0]}]}
            """.utf8))]
    }

    public func fuzz(_ data: Data) throws {
        let path = try CameraKeyframes.parse(data, path: "path.json", width: 64, height: 48)
        _ = path.camera(at: path.timeRange.lowerBound + 0.3)
    }
}

extension CameraKeyframes {
    public static func load(path: String, width: Int, height: Int) throws -> CameraKeyframes {
        let data = try OpeningChecks(path: path).readFile()
        return try parse(data, path: path, width: width, height: height)
    }

    public static func parse(_ data: Data, path: String, width: Int, height: Int) throws -> CameraKeyframes {
        func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: problem) }
        guard let root = JSONValues.parse(data) else { throw fail("not valid JSON") }
        var up = SIMD3<Float>(0, -1, 0)
        let list: [Any]
        if let object = root as? [String: Any] {
            guard let k = object["keyframes"] as? [Any] else { throw fail("expected a 'keyframes' list") }
            list = k
            if object["up"] != nil { up = try JSONValues.vector3(object["up"], key: "up", fail: fail) }
        } else if let k = root as? [Any] {
            list = k
        } else {
            throw fail("expected a list of keyframes")
        }
        guard !list.isEmpty else { throw fail("the path has no keyframes") }
        var keys: [Key] = []
        var fov: Float = 50
        for (i, entry) in list.enumerated() {
            let f = { (p: String) in fail("keyframe \(i): \(p)") }
            guard let o = entry as? [String: Any] else { throw f("expected an object") }
            let time = try JSONValues.number(o["time"], key: "time", fail: f)
            let position = try JSONValues.vector3(o["position"], key: "position", fail: f)
            if o["fov_y"] != nil {
                fov = Float(try JSONValues.number(o["fov_y"], key: "fov_y", fail: f))
                guard fov > 0, fov < 180 else { throw f("'fov_y' must lie strictly between 0 and 180") }
            }
            let orientation: SIMD4<Float>
            if o["orientation"] != nil {
                let q = try JSONValues.vector4(o["orientation"], key: "orientation", fail: f)
                let norm = (q * q).sum().squareRoot()
                guard abs(norm - 1) < 1e-3 else { throw f("'orientation' must be a unit quaternion (w, x, y, z)") }
                orientation = q
            } else if o["rotation"] != nil {
                guard let rows = o["rotation"] as? [Any], rows.count == 3 else { throw f("'rotation' must be a 3×3 list") }
                let r = try rows.map { try JSONValues.vector3($0, key: "rotation", fail: f) }
                orientation = Mat3(rows: r[0], r[1], r[2]).quaternion
            } else if o["look_at"] != nil {
                let target = try JSONValues.vector3(o["look_at"], key: "look_at", fail: f)
                guard let c = Camera.lookAt(eye: position, target: target, up: up, fovY: fov, width: width, height: height) else {
                    throw f("'look_at' must differ from 'position' and not lie along 'up'")
                }
                orientation = c.rotation.transposed.quaternion
            } else {
                throw f("needs 'look_at', 'rotation' or 'orientation'")
            }
            keys.append(Key(time: Float(time), position: position, orientation: orientation, fovY: fov))
        }
        if Set(keys.map(\.time)).count != keys.count { throw fail("two keyframes share a time") }
        return CameraKeyframes(keys: keys, width: width, height: height)
    }
}

extension CameraKeyframes {
    /// The path as camera-path JSON (`up` and `keyframes` with `time`, `position`, `orientation`
    /// (w, x, y, z) and `fov_y`), numbers in Swift's shortest round-trip form, so `parse` gives back
    /// exactly these keys and writing them again gives the same bytes.
    public func encodedJSON() -> Data {
        func number(_ v: Float) -> String { v.isFinite ? "\(v)" : "0" }
        func list(_ v: [Float]) -> String { "[" + v.map(number).joined(separator: ", ") + "]" }
        let entries = keys.map { key -> String in
            let q = key.orientation, p = key.position
            return "  {\"time\": \(number(key.time)), \"position\": \(list([p.x, p.y, p.z])), "
                + "\"orientation\": \(list([q.x, q.y, q.z, q.w])), \"fov_y\": \(number(key.fovY))}"
        }
        return Data("{\"up\": [0, -1, 0], \"keyframes\": [\n\(entries.joined(separator: ",\n"))\n]}\n".utf8)
    }
}
