import Foundation

/// A Gaussian after projection: everything the sort and the blend need (DESIGN.md §3 steps 1–8).
/// A culled Gaussian has `radius == 0` and touches no tiles.
public struct ProjectedSplat: Equatable, Sendable {
    /// Pixel position of the mean; pixel centres are at integer coordinates.
    public var mean: SIMD2<Float>
    /// View-space z, the sort depth.
    public var depth: Float
    /// Inverse of the 2D covariance: (a, b, c) for [[a, b], [b, c]].
    public var conic: SIMD3<Float>
    public var opacity: Float
    public var colour: SIMD3<Float>
    public var radius: Int32
    /// Tile rectangle [tileMin, tileMax) in tile coordinates.
    public var tileMin: SIMD2<Int32>
    public var tileMax: SIMD2<Int32>

    public init(mean: SIMD2<Float>, depth: Float, conic: SIMD3<Float>, opacity: Float, colour: SIMD3<Float>,
                radius: Int32, tileMin: SIMD2<Int32>, tileMax: SIMD2<Int32>) {
        self.mean = mean
        self.depth = depth
        self.conic = conic
        self.opacity = opacity
        self.colour = colour
        self.radius = radius
        self.tileMin = tileMin
        self.tileMax = tileMax
    }

    public static let culled = ProjectedSplat(mean: .zero, depth: 0, conic: .zero, opacity: 0, colour: .zero,
                                              radius: 0, tileMin: .zero, tileMax: .zero)

    public var tilesTouched: Int {
        Int(tileMax.x - tileMin.x) * Int(tileMax.y - tileMin.y)
    }
}

/// The preprocess stage: cull, project, EWA covariance, SH colour, tile rectangle.
/// CPU twin of the GPU preprocess pass.
public enum Preprocess {
    /// Near plane in view space (official 3DGS `in_frustum`).
    public static let nearPlane: Float = 0.2
    /// Screen-space dilation added to the 2D covariance (official low-pass filter).
    public static let lowPass: Float = 0.3
    /// The Jacobian is evaluated at a mean clamped to 1.3× the field of view (official computeCov2D).
    public static let frustumClampFactor: Float = 1.3

    /// 3D covariance R·S²·Rᵀ as its upper triangle (xx, xy, xz, yy, yz, zz).
    public static func covariance3D(scale: SIMD3<Float>, rotation: SIMD4<Float>) -> [Float] {
        let r = Mat3.rotation(quaternionWXYZ: rotation)
        let m = r * Mat3.diagonal(scale)          // R·S
        let sigma = m * m.transposed               // R·S·Sᵀ·Rᵀ
        return [sigma[0, 0], sigma[0, 1], sigma[0, 2], sigma[1, 1], sigma[1, 2], sigma[2, 2]]
    }

    /// Projects one Gaussian. Returns `.culled` when the official rasterizer would skip it.
    public static func project(_ cloud: SplatCloud, index i: Int, camera: Camera, grid: TileGrid,
                               settings: RenderSettings) -> ProjectedSplat {
        let world = cloud.positions[i]
        let t = camera.rotation * world + camera.translation
        guard t.z > nearPlane else { return .culled }

        // EWA splatting: Σ2 = J·W·Σ3·Wᵀ·Jᵀ with the Jacobian at a clamped mean.
        let limX = frustumClampFactor * camera.tanHalfFovX
        let limY = frustumClampFactor * camera.tanHalfFovY
        let tx = min(limX, max(-limX, t.x / t.z)) * t.z
        let ty = min(limY, max(-limY, t.y / t.z)) * t.z
        let j0 = SIMD3<Float>(camera.fx / t.z, 0, -(camera.fx * tx) / (t.z * t.z))
        let j1 = SIMD3<Float>(0, camera.fy / t.z, -(camera.fy * ty) / (t.z * t.z))
        // Rows of T = J·W.
        let w = camera.rotation.transposed
        let tRow0 = w * j0, tRow1 = w * j1
        let s = covariance3D(scale: cloud.scales[i], rotation: cloud.rotations[i])
        let sigma = Mat3(rows: [s[0], s[1], s[2]], [s[1], s[3], s[4]], [s[2], s[4], s[5]])
        let st0 = sigma * tRow0, st1 = sigma * tRow1
        var c00 = dot(tRow0, st0), c01 = dot(tRow0, st1), c11 = dot(tRow1, st1)

        var opacity = cloud.opacities[i]
        let detBefore = c00 * c11 - c01 * c01
        c00 += lowPass
        c11 += lowPass
        let det = c00 * c11 - c01 * c01
        if settings.antialiased {
            opacity *= max(2.5e-5, detBefore / det).squareRoot()
        }
        guard det != 0 else { return .culled }
        let detInv = 1 / det
        let conic = SIMD3<Float>(c11 * detInv, -c01 * detInv, c00 * detInv)

        let mid = 0.5 * (c00 + c11)
        let lambda1 = mid + max(0.1, mid * mid - det).squareRoot()
        let lambda2 = mid - max(0.1, mid * mid - det).squareRoot()
        let radiusF = (3 * max(lambda1, lambda2).squareRoot()).rounded(.up)
        guard radiusF.isFinite else { return .culled }
        let radius = Int32(min(radiusF, Float(1 << 30)))

        let mean = SIMD2<Float>(camera.fx * t.x / t.z + camera.cx - 0.5,
                                camera.fy * t.y / t.z + camera.cy - 0.5)
        let (tileMin, tileMax) = tileRect(center: mean, radius: Float(radius), grid: grid)
        guard (tileMax.x - tileMin.x) * (tileMax.y - tileMin.y) > 0 else { return .culled }

        let colour = SphericalHarmonics.colour(of: cloud, index: i, cameraPosition: camera.position)
        return ProjectedSplat(mean: mean, depth: t.z, conic: conic, opacity: opacity, colour: colour,
                              radius: radius, tileMin: tileMin, tileMax: tileMax)
    }

    /// The tiles a splat's 3σ square covers, clamped to the grid (official getRect).
    public static func tileRect(center p: SIMD2<Float>, radius r: Float,
                                grid: TileGrid) -> (SIMD2<Int32>, SIMD2<Int32>) {
        let size = Float(TileGrid.tileSize)
        func clamped(_ v: Float, _ limit: Int) -> Int32 {
            guard v.isFinite else { return v > 0 ? Int32(limit) : 0 }
            return Int32(min(Float(limit), max(0, v.rounded(.down))))
        }
        let lo = SIMD2(clamped((p.x - r) / size, grid.tilesX), clamped((p.y - r) / size, grid.tilesY))
        let hi = SIMD2(clamped((p.x + r + size - 1) / size, grid.tilesX),
                       clamped((p.y + r + size - 1) / size, grid.tilesY))
        return (lo, hi)
    }

    /// Projects every Gaussian, using all cores.
    public static func run(_ cloud: SplatCloud, camera: Camera, grid: TileGrid,
                           settings: RenderSettings) -> [ProjectedSplat] {
        let count = cloud.count
        var out = [ProjectedSplat](repeating: .culled, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            let target = UnsafeSendableBuffer(buffer)
            Parallel.forEachChunk(count: count, chunk: 4096) { range in
                for i in range {
                    target.base[i] = project(cloud, index: i, camera: camera, grid: grid, settings: settings)
                }
            }
        }
        return out
    }
}
