import ArgumentParser
import SplatCore

/// Camera options shared by the commands that render (render, bench, view).
struct CameraOptions: ParsableArguments {
    @Option(name: .customLong("camera"), help: ArgumentHelp("A 3DGS cameras.json file.", valueName: "cameras.json"))
    var cameraFile: String?

    @Option(help: "Which camera of --camera's file, or of the scene's own cameras (default 0).")
    var cameraIndex: Int?

    @Option(help: "Pick the file's camera by its img_name.")
    var cameraName: String?

    @Option(help: ArgumentHelp("A look-at camera: eye, target and optional up vector (default 0,-1,0).",
                               valueName: "EX,EY,EZ:TX,TY,TZ[:UX,UY,UZ]"))
    var lookAt: String?

    @Option(help: "Vertical field of view in degrees (default 50 for look-at and automatic views).")
    var fovY: Float?

    @Option(help: "Image width in pixels; a file camera's intrinsics scale with it.")
    var width: Int?

    @Option(help: "Image height in pixels; a file camera's intrinsics scale with it.")
    var height: Int?

    func validate() throws {
        if cameraIndex != nil, cameraName != nil {
            throw ValidationError("give --camera-index or --camera-name, not both")
        }
        if cameraFile != nil || cameraIndex != nil || cameraName != nil, lookAt != nil {
            throw ValidationError("give --look-at or a listed camera (--camera, --camera-index, --camera-name), not both")
        }
        if let i = cameraIndex, i < 0 { throw ValidationError("--camera-index must be 0 or more") }
        if let f = fovY, !(f > 0 && f < 180) { throw ValidationError("--fov-y must lie strictly between 0 and 180 degrees") }
        for (name, value) in [("--width", width), ("--height", height)] {
            if let v = value, !(1...16384).contains(v) { throw ValidationError("\(name) must lie in 1...16384") }
        }
        if let lookAt { _ = try ValueParsing.lookAt(lookAt) }
    }

    /// The request these options describe.
    func request() throws -> CameraRequest {
        let source: CameraRequest.Source
        if let cameraFile {
            source = .file(path: cameraFile, selection: cameraName.map { .name($0) } ?? .index(cameraIndex ?? 0))
        } else if cameraIndex != nil || cameraName != nil {
            // The scene's own cameras (splaTV files carry some).
            source = .scene(selection: cameraName.map { .name($0) } ?? .index(cameraIndex ?? 0))
        } else if let lookAt {
            let (eye, target, up) = try ValueParsing.lookAt(lookAt)
            source = .lookAt(eye: eye, target: target, up: up)
        } else {
            source = .automatic
        }
        return CameraRequest(source: source, fovY: fovY, width: width, height: height)
    }
}
