import Foundation
import SplatCore

/// The kinds of Gaussian a random test cloud mixes (DESIGN.md §3 edge cases).
public enum GaussianKind: CaseIterable, Sendable {
    case ordinary, behindCamera, crossingNearPlane, offScreen, huge, tiny, needle
}

/// Cameras and random clouds that many test targets share.
public enum Fixtures {
    /// A camera at (0, 0, −4) looking at the origin, −y up (COLMAP-style y down in the image).
    public static func camera(width: Int = 64, height: Int = 48, fovY: Float = 60) -> Camera {
        Camera.lookAt(eye: [0.3, -0.2, -4], target: [0, 0, 0], up: [0, -1, 0], fovY: fovY, width: width, height: height)!
    }

    /// A camera at the origin looking down +z (identity pose), focal `focal` px.
    public static func axisCamera(width: Int = 32, height: Int = 32, focal: Float = 32) -> Camera {
        Camera(width: width, height: height, fx: focal, fy: focal, rotation: .identity, translation: .zero)
    }

    /// A random cloud around the origin seen by `camera`: random rotations, anisotropic scales,
    /// opacities and SH of `degree`; `mix` says which kinds appear (cycled through in order).
    public static func randomCloud(count: Int, degree: Int, seed: UInt64, camera: Camera,
                            mix: [GaussianKind] = GaussianKind.allCases.flatMap { $0 == .ordinary ? [$0, $0, $0, $0] : [$0] })
        -> SplatCloud {
        var rng = SplitMix64(seed: seed)
        var b = SplatCloudBuilder(degree: degree)
        let toWorld = camera.rotation.transposed, eye = camera.position
        /// World point at view-space (x, y, z).
        func world(_ v: SIMD3<Float>) -> SIMD3<Float> { toWorld * v + eye }
        let tanX = camera.tanHalfFovX, tanY = camera.tanHalfFovY
        for i in 0..<count {
            let kind = mix[i % mix.count]
            var z = rng.uniform(1, 8)
            var x = rng.uniform(-1, 1) * tanX * z, y = rng.uniform(-1, 1) * tanY * z
            var scale = SIMD3<Float>(rng.uniform(-4.5, -1.5), rng.uniform(-4.5, -1.5), rng.uniform(-4.5, -1.5))
            scale = SIMD3(exp(scale.x), exp(scale.y), exp(scale.z))
            switch kind {
            case .ordinary: break
            case .behindCamera: z = rng.uniform(-3, 0.2)
            case .crossingNearPlane:
                z = rng.uniform(0.05, 0.5)
                x = rng.uniform(-1, 1) * tanX * z; y = rng.uniform(-1, 1) * tanY * z
                scale *= rng.uniform(2, 10)
            case .offScreen:
                let side: Float = rng.unit() < 0.5 ? -1 : 1
                if rng.unit() < 0.5 { x = side * rng.uniform(1.2, 4) * tanX * z } else { y = side * rng.uniform(1.2, 4) * tanY * z }
            case .huge: scale = SIMD3(repeating: rng.uniform(1, 20))
            case .tiny: scale = SIMD3(repeating: rng.uniform(1e-5, 1e-3))
            case .needle: scale = SIMD3(rng.uniform(0.3, 2), rng.uniform(1e-4, 1e-3), rng.uniform(1e-4, 1e-3))
            }
            var higher: [SIMD3<Float>] = []
            for _ in 0..<(SplatCloud.coefficientCount(degree: degree) - 1) {
                higher.append(SIMD3(rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4)))
            }
            let colour = SIMD3<Float>(rng.uniform(-0.1, 1.1), rng.uniform(-0.1, 1.1), rng.uniform(-0.1, 1.1))
            b.add(world([x, y, z]), scale: scale, opacity: rng.uniform(0.02, 1), colour: colour,
                  rotation: rng.rotation(), higherOrder: higher)
        }
        return b.cloud
    }
}
