import Foundation
import SplatCore

/// One view of a dataset: a camera, the scene time it was taken at (if the file says), and the
/// name its ground-truth image goes by.
public struct DatasetView: Equatable, Sendable {
    public var camera: Camera
    public var time: Float?
    public var name: String

    public init(camera: Camera, time: Float?, name: String) {
        self.camera = camera
        self.time = time
        self.name = name
    }
}

/// Every camera of a 3DGS `cameras.json` or a Blender / D-NeRF / nerfstudio `transforms*.json`,
/// recognised by content (a list vs an object with `frames`).
///
/// transforms.json: `transform_matrix` is camera-to-world in OpenGL axes (x right, y up, z back);
/// we flip y and z to OpenCV. Intrinsics from `fl_x`/`fl_y`/`cx`/`cy`/`w`/`h` (top level or per
/// frame, nerfstudio), else `camera_angle_x` (horizontal field of view, square pixels). Without
/// `w`/`h` the size comes from `imageSize(name)` (the ground-truth image), else `defaultSize`.
/// `time` (D-NeRF, in [0, 1]) is the view's scene time. Names are file_path's last component
/// without extension.
public struct DatasetCameras: FuzzedReader {
    public init() {}
    public var name: String { "transforms" }

    public func fuzzSeeds() -> [FuzzSeed] {
        [FuzzSeed("transforms.json", Data("""
            {"camera_angle_x": 0.69, "frames": [{"file_path": "./test/r_000", "time": 0.5,
             "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]}]}
            """.utf8))]
    }

    public func fuzz(_ data: Data) throws { _ = try Self.parse(data, path: "transforms.json") }

    public static func load(path: String, defaultSize: (width: Int, height: Int) = (800, 800),
                            imageSize: (String) -> (width: Int, height: Int)? = { _ in nil }) throws -> [DatasetView] {
        try parse(OpeningChecks(path: path).readFile(), path: path, defaultSize: defaultSize, imageSize: imageSize)
    }

    public static func parse(_ data: Data, path: String, defaultSize: (width: Int, height: Int) = (800, 800),
                             imageSize: (String) -> (width: Int, height: Int)? = { _ in nil }) throws -> [DatasetView] {
        guard let root = JSONValues.parse(data) else {
            throw SceneFileError(path: path, problem: "not valid JSON")
        }
        if root is [Any] {
            return try CameraFile.parse(data, path: path).map { DatasetView(camera: $0, time: nil, name: $0.name) }
        }
        guard let object = root as? [String: Any], let frames = object["frames"] as? [Any] else {
            throw SceneFileError(path: path, problem: "expected a cameras.json list or a transforms.json object with 'frames'")
        }
        guard !frames.isEmpty else { throw SceneFileError(path: path, problem: "the file holds no cameras") }
        return try frames.enumerated().map { i, entry in
            try view(entry, index: i, shared: object, path: path, defaultSize: defaultSize, imageSize: imageSize)
        }
    }

    static func view(_ entry: Any, index: Int, shared: [String: Any], path: String, defaultSize: (width: Int, height: Int),
                     imageSize: (String) -> (width: Int, height: Int)?) throws -> DatasetView {
        let fail = { (p: String) in SceneFileError(path: path, problem: "frame \(index): \(p)") }
        guard let frame = entry as? [String: Any] else { throw fail("expected an object") }
        func value(_ key: String) -> Any? { frame[key] ?? shared[key] }
        guard let rows = frame["transform_matrix"] as? [Any], rows.count >= 3 else {
            throw fail(frame["transform_matrix"] == nil ? "missing key 'transform_matrix'" : "'transform_matrix' must be a 4×4 list")
        }
        var m = [[Float]]()
        for row in rows.prefix(3) {
            guard let r = row as? [Any], r.count == 4 else { throw fail("'transform_matrix' must be a 4×4 list") }
            m.append(try r.map { Float(try JSONValues.number($0, key: "transform_matrix", fail: fail)) })
        }
        let filePath = (frame["file_path"] as? String) ?? "\(index)"
        let name = ((filePath as NSString).lastPathComponent as NSString).deletingPathExtension
        var size = defaultSize
        if value("w") != nil, value("h") != nil {
            size = (Int(try JSONValues.number(value("w"), key: "w", fail: fail)), Int(try JSONValues.number(value("h"), key: "h", fail: fail)))
        } else if let s = imageSize(name) {
            size = s
        }
        guard size.width >= 1, size.height >= 1, size.width <= 65536, size.height <= 65536 else {
            throw fail("image size must lie in 1...65536")
        }
        let fx: Double, fy: Double
        if value("fl_x") != nil {
            fx = try JSONValues.number(value("fl_x"), key: "fl_x", fail: fail)
            fy = value("fl_y") != nil ? try JSONValues.number(value("fl_y"), key: "fl_y", fail: fail) : fx
        } else if value("camera_angle_x") != nil {
            let angle = try JSONValues.number(value("camera_angle_x"), key: "camera_angle_x", fail: fail)
            guard angle > 0, angle < .pi else { throw fail("'camera_angle_x' must lie strictly between 0 and π") }
            fx = 0.5 * Double(size.width) / tan(0.5 * angle)
            fy = fx
        } else {
            throw fail("needs 'camera_angle_x' or 'fl_x'")
        }
        guard fx > 0, fy > 0 else { throw fail("focal lengths must be positive") }
        let cx = value("cx") != nil ? Float(try JSONValues.number(value("cx"), key: "cx", fail: fail)) : nil
        let cy = value("cy") != nil ? Float(try JSONValues.number(value("cy"), key: "cy", fail: fail)) : nil
        // OpenGL → OpenCV: the camera's y and z axes (columns 1 and 2) flip.
        let cameraToWorld = Mat3(rows: [m[0][0], -m[0][1], -m[0][2]], [m[1][0], -m[1][1], -m[1][2]], [m[2][0], -m[2][1], -m[2][2]])
        let position = SIMD3(m[0][3], m[1][3], m[2][3])
        var camera = Camera(width: size.width, height: size.height, fx: Float(fx), fy: Float(fy), position: position,
                            cameraToWorld: cameraToWorld, name: name)
        if let cx { camera.cx = cx }
        if let cy { camera.cy = cy }
        let time = frame["time"] != nil ? Float(try JSONValues.number(frame["time"], key: "time", fail: fail)) : nil
        return DatasetView(camera: camera, time: time, name: name)
    }
}
