import Foundation

/// Where the camera is for each frame of a sequence: fixed, a turntable orbit, or a keyframed path.
public enum CameraPath: Sendable {
    case fixed(Camera)
    case orbit(Orbit)
    case keyframed(CameraKeyframes)

    /// The camera at scene time `t`, for the frame at fraction `u` ∈ [0, 1) of the sequence
    /// (orbits turn with the frame fraction, paths follow scene time).
    public func camera(atTime t: Float, fraction u: Float) -> Camera {
        switch self {
        case .fixed(let camera): return camera
        case .orbit(let orbit): return orbit.camera(at: u)
        case .keyframed(let path): return path.camera(at: t)
        }
    }
}

/// A turntable around a centre, with −y up (COLMAP): frame fraction u turns `revolutions`·2π·u.
public struct Orbit: Equatable, Sendable {
    public var center: SIMD3<Float>
    public var radius: Float
    public var elevationDegrees: Float
    public var revolutions: Float
    public var fovY: Float
    public var width: Int
    public var height: Int

    public init(center: SIMD3<Float>, radius: Float, elevationDegrees: Float = 15, revolutions: Float = 1,
                fovY: Float = 50, width: Int, height: Int) {
        self.center = center
        self.radius = radius
        self.elevationDegrees = elevationDegrees
        self.revolutions = revolutions
        self.fovY = fovY
        self.width = width
        self.height = height
    }

    /// An orbit that frames a cloud like the automatic view (same centre and distance).
    public static func framing(_ cloud: SplatCloud, width: Int, height: Int, fovY: Float = 50) -> Orbit {
        let start = Camera.framing(cloud, width: width, height: height, fovY: fovY)
        let bounds = Bounds(robustlyEnclosing: cloud.positions) ?? Bounds(min: [-1, -1, -1], max: [1, 1, 1])
        return Orbit(center: bounds.center, radius: length(start.position - bounds.center), fovY: fovY, width: width, height: height)
    }

    public func camera(at u: Float) -> Camera {
        let theta = 2 * Float.pi * revolutions * u
        let elevation = elevationDegrees * .pi / 180
        let offset = radius * SIMD3(cos(elevation) * sin(theta), -sin(elevation), -cos(elevation) * cos(theta))
        return Camera.lookAt(eye: center + offset, target: center, up: [0, -1, 0], fovY: fovY, width: width, height: height)
            ?? Camera.lookAt(eye: center + offset, target: center, up: [0, 0, 1], fovY: fovY, width: width, height: height)!
    }
}

/// A keyframed camera path: positions interpolated with a Catmull-Rom spline through the keyframes,
/// orientations with slerp, fov_y linearly; times outside the keys hold the end keys. Its JSON file
/// is read by SplatFormats (`CameraKeyframes.load`, Cameras/CameraPathFile.swift).
public struct CameraKeyframes: Equatable, Sendable {
    public struct Key: Equatable, Sendable {
        public var time: Float
        public var position: SIMD3<Float>
        /// Camera-to-world rotation as a unit quaternion (w, x, y, z).
        public var orientation: SIMD4<Float>
        public var fovY: Float

        public init(time: Float, position: SIMD3<Float>, orientation: SIMD4<Float>, fovY: Float) {
            self.time = time
            self.position = position
            self.orientation = orientation
            self.fovY = fovY
        }
    }

    public var keys: [Key]
    public var width: Int
    public var height: Int

    public init(keys: [Key], width: Int, height: Int) {
        self.keys = keys.sorted { $0.time < $1.time }
        self.width = width
        self.height = height
    }

    public var timeRange: ClosedRange<Float> { keys.first!.time...keys.last!.time }

    public func camera(at t: Float) -> Camera {
        let (i, u) = segment(at: t)
        let a = keys[i], b = keys[min(i + 1, keys.count - 1)]
        // Missing neighbours at the ends are extrapolated, so evenly spaced straight paths stay
        // straight and even in their first and last segments too.
        let p0 = i > 0 ? keys[i - 1].position : 2 * a.position - b.position
        let p3 = i + 2 < keys.count ? keys[i + 2].position : 2 * b.position - a.position
        let position = CameraKeyframes.catmullRom(p0, a.position, b.position, p3, u)
        let orientation = slerp(a.orientation, b.orientation, u)
        let fov = a.fovY + (b.fovY - a.fovY) * u
        let cameraToWorld = Mat3.rotation(quaternionWXYZ: orientation)
        let f = Camera.focalLength(fovYDegrees: fov, height: height)
        return Camera(width: width, height: height, fx: f, fy: f, position: position, cameraToWorld: cameraToWorld)
    }

    /// The key interval holding t and the fraction through it.
    func segment(at t: Float) -> (Int, Float) {
        if keys.count == 1 || !(t > keys[0].time) { return (0, 0) }
        if t >= keys[keys.count - 1].time { return (keys.count - 1, 0) }
        var i = 0
        while keys[i + 1].time <= t { i += 1 }
        return (i, (t - keys[i].time) / (keys[i + 1].time - keys[i].time))
    }

    /// Uniform Catmull-Rom between p1 and p2 (tangents from the neighbours); passes through keys.
    static func catmullRom(_ p0: SIMD3<Float>, _ p1: SIMD3<Float>, _ p2: SIMD3<Float>, _ p3: SIMD3<Float>,
                           _ u: Float) -> SIMD3<Float> {
        let u2 = u * u, u3 = u2 * u
        let a = 2 * p1
        let b = p2 - p0
        let c = 2 * p0 - 5 * p1 + 4 * p2 - p3
        let d = 3 * p1 - p0 - 3 * p2 + p3
        return 0.5 * (a + b * u + c * u2 + d * u3)
    }
}

extension Mat3 {
    /// The unit quaternion (w, x, y, z) of a rotation matrix (Shepperd's method).
    public var quaternion: SIMD4<Float> {
        let m = [[Double(r0.x), Double(r0.y), Double(r0.z)], [Double(r1.x), Double(r1.y), Double(r1.z)],
                 [Double(r2.x), Double(r2.y), Double(r2.z)]]
        return unitQuaternion(fromRotation: m)
    }
}
