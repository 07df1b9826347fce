import Foundation

/// A pinhole camera in the OpenCV/COLMAP convention (x right, y down, z forward), as 3DGS uses.
///
/// `rotation` and `translation` map world to camera: p_cam = rotation · p_world + translation.
/// Intrinsics are in pixels; pixel centres sit at integer coordinates (the official ndc2Pix), so a
/// point on the optical axis lands at (cx − 0.5, cy − 0.5).
public struct Camera: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var fx: Float
    public var fy: Float
    public var cx: Float
    public var cy: Float
    public var rotation: Mat3
    public var translation: SIMD3<Float>
    /// A name for reports (the cameras.json `img_name`, say).
    public var name: String

    public init(width: Int, height: Int, fx: Float, fy: Float, cx: Float? = nil, cy: Float? = nil,
                rotation: Mat3, translation: SIMD3<Float>, name: String = "") {
        self.width = width
        self.height = height
        self.fx = fx
        self.fy = fy
        self.cx = cx ?? Float(width) / 2
        self.cy = cy ?? Float(height) / 2
        self.rotation = rotation
        self.translation = translation
        self.name = name
    }

    /// A camera from its centre and camera-to-world rotation (columns are the camera axes in world
    /// space), as the official 3DGS `cameras.json` stores it.
    public init(width: Int, height: Int, fx: Float, fy: Float, position: SIMD3<Float>,
                cameraToWorld: Mat3, name: String = "") {
        let worldToCamera = cameraToWorld.transposed
        self.init(width: width, height: height, fx: fx, fy: fy, rotation: worldToCamera,
                  translation: -(worldToCamera * position), name: name)
    }

    /// A camera at `eye` looking at `target`, with `up` pointing up in the image.
    /// `fovY` is the vertical field of view in degrees; pixels are square.
    public static func lookAt(eye: SIMD3<Float>, target: SIMD3<Float>, up: SIMD3<Float>,
                              fovY: Float, width: Int, height: Int) -> Camera? {
        let forward = target - eye
        guard length(forward) > 0 else { return nil }
        let z = normalize(forward)
        let right = cross(z, up)
        guard length(right) > 1e-6 * length(up) else { return nil }
        let x = normalize(right)
        let y = cross(z, x)  // image down
        let worldToCamera = Mat3(rows: x, y, z)
        let f = Camera.focalLength(fovYDegrees: fovY, height: height)
        return Camera(width: width, height: height, fx: f, fy: f, rotation: worldToCamera,
                      translation: -(worldToCamera * eye))
    }

    /// Focal length in pixels for a vertical field of view.
    public static func focalLength(fovYDegrees: Float, height: Int) -> Float {
        Float(height) / (2 * tan(fovYDegrees * .pi / 360))
    }

    /// The camera centre in world space.
    public var position: SIMD3<Float> { -(rotation.transposed * translation) }

    /// tan of half the horizontal field of view, W / (2 fx).
    public var tanHalfFovX: Float { Float(width) / (2 * fx) }
    /// tan of half the vertical field of view, H / (2 fy).
    public var tanHalfFovY: Float { Float(height) / (2 * fy) }

    /// The camera for another image size: intrinsics scale with the image.
    public func resized(width newWidth: Int, height newHeight: Int) -> Camera {
        var c = self
        let sx = Float(newWidth) / Float(width), sy = Float(newHeight) / Float(height)
        c.width = newWidth
        c.height = newHeight
        c.fx *= sx
        c.cx *= sx
        c.fy *= sy
        c.cy *= sy
        return c
    }

    /// The same pose and image size with a new vertical field of view; the pixel aspect is kept.
    public func withFovY(_ degrees: Float) -> Camera {
        var c = self
        let f = Camera.focalLength(fovYDegrees: degrees, height: height)
        c.fx = fx / fy * f
        c.fy = f
        return c
    }

    /// An automatic view that frames a cloud: it looks along world +z at the centre of the robust
    /// bounds, with −y up (the COLMAP convention most captures use), from far enough back that the
    /// bounding sphere fits the narrower field of view.
    public static func framing(_ cloud: SplatCloud, width: Int, height: Int, fovY: Float = 50) -> Camera {
        let bounds = Bounds(robustlyEnclosing: cloud.positions)
            ?? Bounds(min: [-1, -1, -1], max: [1, 1, 1])
        let radius = Swift.max(length(bounds.extent) / 2, 1e-3)
        let tanY = tan(fovY * .pi / 360)
        let tanX = tanY * Float(width) / Float(height)
        let halfAngle = atan(Swift.min(tanX, tanY))
        let distance = radius / sin(halfAngle) * 1.05
        let eye = bounds.center - SIMD3(0, 0, distance)
        return lookAt(eye: eye, target: bounds.center, up: [0, -1, 0], fovY: fovY,
                      width: width, height: height)!
    }
}
