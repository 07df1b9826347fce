/// What the user asked for a camera, before a scene is known; `resolve` turns it into a Camera.
/// One source of the camera rules shared by every command (render, bench, view).
public struct CameraRequest: Equatable, Sendable {
    public enum Source: Equatable, Sendable {
        /// Frame the scene's bounds automatically.
        case automatic
        /// A camera from a list (a cameras.json), chosen by index or name.
        case file(path: String, selection: Selection)
        /// A camera carried by the scene file itself (splaTV), chosen by index or name.
        case scene(selection: Selection)
        case lookAt(eye: SIMD3<Float>, target: SIMD3<Float>, up: SIMD3<Float>)
    }

    public enum Selection: Equatable, Sendable {
        case index(Int)
        case name(String)
    }

    public var source: Source
    /// Vertical field of view in degrees; for a file camera it replaces the file's focal length.
    public var fovY: Float?
    public var width: Int?
    public var height: Int?

    public static let defaultFovY: Float = 50
    public static let defaultSize = (width: 1280, height: 720)

    public init(source: Source = .automatic, fovY: Float? = nil, width: Int? = nil, height: Int? = nil) {
        self.source = source
        self.fovY = fovY
        self.width = width
        self.height = height
    }

    /// Picks a camera from a list by index or name.
    public static func select(_ selection: Selection, from cameras: [Camera], path: String) throws -> Camera {
        switch selection {
        case .index(let i):
            guard cameras.indices.contains(i) else {
                throw SceneFileError(path: path, problem: "camera index \(i) is out of range (the file has \(cameras.count) camera\(cameras.count == 1 ? "" : "s"))")
            }
            return cameras[i]
        case .name(let name):
            guard let camera = cameras.first(where: { $0.name == name }) else {
                throw SceneFileError(path: path, problem: "no camera named '\(name)'")
            }
            return camera
        }
    }

    /// The camera for `cloud`. Explicit sizes scale a file camera's intrinsics; when only one of
    /// width and height is given, the other follows the camera's aspect ratio. `cameraFile` reads the
    /// cameras of a `.file` source (SplatFormats passes its cameras.json reader; SplatCore reads no files).
    public func resolve(for cloud: SplatCloud, sceneCameras: [Camera] = [],
                        cameraFile: (_ path: String) throws -> [Camera]) throws -> Camera {
        switch source {
        case .scene(let selection):
            guard !sceneCameras.isEmpty else {
                throw CameraRequestError.selectionWithoutCameras
            }
            return adjusted(try CameraRequest.select(selection, from: sceneCameras, path: "the scene's cameras"))
        case .automatic where !sceneCameras.isEmpty:
            // A scene that carries cameras starts from its first one.
            return try CameraRequest(source: .scene(selection: .index(0)), fovY: fovY, width: width, height: height)
                .resolve(for: cloud, sceneCameras: sceneCameras, cameraFile: cameraFile)
        case .automatic:
            let (w, h) = size(defaultWidth: CameraRequest.defaultSize.width, defaultHeight: CameraRequest.defaultSize.height)
            return Camera.framing(cloud, width: w, height: h, fovY: fovY ?? CameraRequest.defaultFovY)
        case .lookAt(let eye, let target, let up):
            let (w, h) = size(defaultWidth: CameraRequest.defaultSize.width, defaultHeight: CameraRequest.defaultSize.height)
            guard let camera = Camera.lookAt(eye: eye, target: target, up: up, fovY: fovY ?? CameraRequest.defaultFovY,
                                             width: w, height: h) else {
                throw CameraRequestError.degenerateLookAt
            }
            return camera
        case .file(let path, let selection):
            let camera = try CameraRequest.select(selection, from: cameraFile(path), path: path)
            return adjusted(camera)
        }
    }

    /// A listed camera with the requested size (intrinsics scale with it) and field of view.
    private func adjusted(_ listed: Camera) -> Camera {
        var camera = listed
        let (w, h) = size(defaultWidth: camera.width, defaultHeight: camera.height)
        if w != camera.width || h != camera.height { camera = camera.resized(width: w, height: h) }
        if let fovY { camera = camera.withFovY(fovY) }
        return camera
    }

    private func size(defaultWidth: Int, defaultHeight: Int) -> (Int, Int) {
        switch (width, height) {
        case let (w?, h?): return (w, h)
        case let (w?, nil): return (w, max(1, Int((Double(w) * Double(defaultHeight) / Double(defaultWidth)).rounded())))
        case let (nil, h?): return (max(1, Int((Double(h) * Double(defaultWidth) / Double(defaultHeight)).rounded())), h)
        case (nil, nil): return (defaultWidth, defaultHeight)
        }
    }
}

/// A camera request that cannot be satisfied; front ends word the request fields their own way.
public enum CameraRequestError: FieldNamingError, Equatable {
    /// A camera chosen by index or name, but no camera file and none in the scene.
    case selectionWithoutCameras
    /// A look-at camera whose eye is its target or whose up vector is parallel to the view.
    case degenerateLookAt

    public var kind: ErrorKind { .badOption }

    public func worded(naming name: (RequestField) -> String) -> String {
        switch self {
        case .selectionWithoutCameras:
            return "\(name(.cameraSelection)) need \(name(.cameraFile)): the scene file carries no cameras"
        case .degenerateLookAt:
            return "\(name(.lookAt)) needs an eye different from the target and an up vector not parallel to the view direction"
        }
    }
}
