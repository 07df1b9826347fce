import Foundation
import SplatCore

/// The viewer's camera: orbit around a pivot, pan, zoom, fly, reset. Plain Swift (no GLFW), so
/// its maths is unit-tested without a window.
///
/// State: the eye position, a yaw and a pitch in a frame fixed by the world up vector `up` and a
/// reference forward direction, and the pivot distance (the pivot is `distance` ahead of the eye).
/// The camera rows (OpenCV axes: x right, y down, z forward) are
///   forward₀(yaw) = cos(yaw)·f₀ + sin(yaw)·r₀,   right = cos(yaw)·r₀ − sin(yaw)·f₀
///   forward = cos(pitch)·forward₀ + sin(pitch)·up,   down = sin(pitch)·forward₀ − cos(pitch)·up.
/// Until the user moves it, the controller returns its home camera unchanged, so the first frames
/// match `splat4d render` with the same camera options bit for bit.
public struct CameraController: Equatable, Sendable {
    /// World up (unit). Yaw turns about it; Q/E fly along it.
    public private(set) var up: SIMD3<Float>
    /// Reference forward (unit, ⟂ up) and right = forward₀ × up, fixed at home.
    public private(set) var referenceForward: SIMD3<Float>
    public private(set) var referenceRight: SIMD3<Float>
    public private(set) var eye: SIMD3<Float>
    public private(set) var yaw: Float = 0
    public private(set) var pitch: Float
    /// Distance from the eye to the pivot the orbit turns around.
    public private(set) var distance: Float
    /// Vertical field of view in degrees, kept when the window is resized.
    public private(set) var fovY: Float
    /// The starting view, and the view R returns to.
    public private(set) var home: Camera
    private var homeDistance: Float
    /// Whether the view is still exactly `home`.
    public private(set) var isAtHome = true

    /// Orbit radians per dragged pixel.
    public var orbitSensitivity: Float = 0.005
    /// Distance factor per wheel notch toward the pivot (distance·zoomFactor^notches).
    public var zoomFactor: Float = 0.8
    /// Fly speed in world units per second; `fastFactor` times that with Shift.
    public var flySpeed: Float
    public var fastFactor: Float = 4
    /// Pitch stays within ±this (radians), short of the poles where yaw degenerates.
    public static let pitchLimit: Float = 89 * .pi / 180
    public static let minimumDistance: Float = 1e-4

    /// - Parameters:
    ///   - home: the starting camera.
    ///   - pivotDistance: how far ahead of the eye the orbit pivot lies (the look-at target's
    ///     distance, or the scene centre's depth).
    ///   - up: world up; nil takes the home camera's image-up direction (−y row), so the home
    ///     camera has no pitch and no roll in the controller's frame.
    ///   - flySpeed: world units per second for WASD/QE.
    public init(home: Camera, pivotDistance: Float, up: SIMD3<Float>? = nil, flySpeed: Float = 1) {
        self.home = home
        let forward = home.rotation.r2
        var u = up.map(normalize) ?? -home.rotation.r1
        var horizontal = forward - dot(forward, u) * u
        if !(length(horizontal) > 1e-4) || !(length(u) > 0.5) {
            // Looking straight along `up` (or a degenerate up): use the camera's own image-up.
            u = -home.rotation.r1
            horizontal = forward
        }
        let f0 = normalize(horizontal)
        self.up = u
        referenceForward = f0
        referenceRight = cross(f0, u)
        eye = home.position
        pitch = asin(Swift.min(1, Swift.max(-1, dot(forward, u))))
        distance = Swift.max(pivotDistance, CameraController.minimumDistance)
        homeDistance = distance
        fovY = 2 * atan(Float(home.height) / (2 * home.fy)) * 180 / .pi
        self.flySpeed = flySpeed
    }

    // MARK: the view

    public var forward: SIMD3<Float> {
        cos(pitch) * horizontalForward + sin(pitch) * up
    }
    public var right: SIMD3<Float> { cos(yaw) * referenceRight - sin(yaw) * referenceForward }
    public var down: SIMD3<Float> { sin(pitch) * horizontalForward - cos(pitch) * up }
    private var horizontalForward: SIMD3<Float> { cos(yaw) * referenceForward + sin(yaw) * referenceRight }
    /// The point the orbit turns around.
    public var pivot: SIMD3<Float> { eye + forward * distance }

    /// Focal length in pixels for a viewport of `height` pixels.
    public func focalLength(height: Int) -> Float { Camera.focalLength(fovYDegrees: fovY, height: height) }

    /// The camera for a viewport: `home` itself while unmoved at its own size; otherwise the
    /// controller's pose with square pixels (home's pixel aspect), the principal point at the
    /// centre and the vertical field of view kept.
    public func camera(width: Int, height: Int) -> Camera {
        if isAtHome, width == home.width, height == home.height { return home }
        let fy = focalLength(height: height)
        let fx = fy * home.fx / home.fy
        if isAtHome {
            return Camera(width: width, height: height, fx: fx, fy: fy, rotation: home.rotation, translation: home.translation,
                          name: home.name)
        }
        let rotation = Mat3(rows: right, down, forward)
        return Camera(width: width, height: height, fx: fx, fy: fy, rotation: rotation, translation: -(rotation * eye),
                      name: home.name)
    }

    // MARK: moves

    /// Left drag by (dx, dy) pixels (x right, y down): the scene turns with the mouse like a
    /// grabbed globe, so the eye circles the pivot the other way: yaw += dx·sensitivity (dragging
    /// right moves the eye left), pitch −= dy·sensitivity (dragging down lifts the eye to look down
    /// on the scene), pitch clamped to ±89°; the pivot stays.
    public mutating func orbit(dx: Float, dy: Float) {
        guard dx != 0 || dy != 0 else { return }
        let center = pivot
        yaw += dx * orbitSensitivity
        pitch = Swift.min(Swift.max(pitch - dy * orbitSensitivity, -CameraController.pitchLimit), CameraController.pitchLimit)
        eye = center - forward * distance
        isAtHome = false
    }

    /// Right/middle drag by (dx, dy) pixels: the point under the cursor at the pivot's depth
    /// follows the cursor, so eye and pivot move by −(dx·right + dy·down)·distance / focal.
    public mutating func pan(dx: Float, dy: Float, viewportHeight: Int) {
        guard dx != 0 || dy != 0 else { return }
        let unitsPerPixel = distance / focalLength(height: viewportHeight)
        eye -= (dx * right + dy * down) * unitsPerPixel
        isAtHome = false
    }

    /// Wheel by `notches` (positive: away from the user, zoom in): the pivot stays, the distance
    /// becomes distance·zoomFactor^notches.
    public mutating func zoom(notches: Float) {
        guard notches != 0 else { return }
        let center = pivot
        distance = Swift.max(distance * pow(zoomFactor, notches), CameraController.minimumDistance)
        eye = center - forward * distance
        isAtHome = false
    }

    /// Flies for `seconds`: `move` is (right, up, forward) in −1…1 (D−A, E−Q, W−S); the eye and
    /// pivot move by (move.x·right + move.y·up + move.z·forward)·flySpeed·seconds, times
    /// `fastFactor` when `fast` (Shift).
    public mutating func fly(move: SIMD3<Float>, seconds: Float, fast: Bool = false) {
        guard move != .zero, seconds > 0 else { return }
        let speed = flySpeed * (fast ? fastFactor : 1)
        eye += (move.x * right + move.y * up + move.z * forward) * (speed * seconds)
        isAtHome = false
    }

    /// Back to the home view.
    public mutating func reset() {
        self = CameraController(home: home, pivotDistance: homeDistance, up: up, flySpeed: flySpeed,
                                tuning: (orbitSensitivity, zoomFactor, fastFactor))
    }

    /// Makes `camera` the new home (a listed camera, N / B) and goes there; the world up is kept.
    public mutating func jump(to camera: Camera, pivotDistance: Float) {
        self = CameraController(home: camera, pivotDistance: pivotDistance, up: up, flySpeed: flySpeed,
                                tuning: (orbitSensitivity, zoomFactor, fastFactor))
    }

    private init(home: Camera, pivotDistance: Float, up: SIMD3<Float>, flySpeed: Float, tuning: (Float, Float, Float)) {
        self.init(home: home, pivotDistance: pivotDistance, up: up, flySpeed: flySpeed)
        (orbitSensitivity, zoomFactor, fastFactor) = tuning
    }

    /// A pivot distance for a camera over a scene: the depth of `center` along the view axis,
    /// or `radius` when the centre is behind or too close to the camera.
    public static func pivotDistance(for camera: Camera, center: SIMD3<Float>, radius: Float) -> Float {
        let depth = dot(center - camera.position, camera.rotation.r2)
        return depth > 0.1 * radius ? depth : Swift.max(radius, minimumDistance)
    }

    public static func == (a: CameraController, b: CameraController) -> Bool {
        a.up == b.up && a.referenceForward == b.referenceForward && a.eye == b.eye && a.yaw == b.yaw && a.pitch == b.pitch
            && a.distance == b.distance && a.fovY == b.fovY && a.home == b.home && a.isAtHome == b.isAtHome
            && a.flySpeed == b.flySpeed
    }
}
