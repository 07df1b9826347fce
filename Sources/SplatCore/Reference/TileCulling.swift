import Foundation

/// Which tiles of a splat's 3σ rectangle it can actually draw into: a tile is kept when some
/// point of it could give α ≥ 1/255, i.e. opacity·exp(−½·q(d)) ≥ 1/255 where q is the conic's
/// quadratic form and d the offset from the mean. Tiles where it cannot are skipped by the blend
/// anyway (α < 1/255 is never blended), so dropping them leaves every pixel unchanged while
/// sorting and blending fewer pairs. CPU twin of the tile test in the GPU's preprocess/keys.
public enum TileCulling {
    /// Slack on the quadratic-form bound: a tile within this of the threshold is kept, so float
    /// differences between CPU and GPU can only keep a tile, never drop a contributing one.
    public static let margin: Float = 1e-3

    /// Largest q(d) at which the splat can still reach α = 1/255.
    @inline(__always)
    public static func reach(opacity: Float) -> Float {
        2 * log(max(255 * opacity, 1e-30))
    }

    /// Smallest q(d) = a·dx² + 2b·dx·dy + c·dy² over d = mean − p for p in the box
    /// [x0, x1] × [y0, y1] (pixel centres), conic (a, b, c) positive definite.
    @inline(__always)
    public static func minimumQuadratic(conic: SIMD3<Float>, mean: SIMD2<Float>,
                                        x0: Float, x1: Float, y0: Float, y1: Float) -> Float {
        if mean.x >= x0 && mean.x <= x1 && mean.y >= y0 && mean.y <= y1 { return 0 }
        let (a, b, c) = (conic.x, conic.y, conic.z)
        func q(_ dx: Float, _ dy: Float) -> Float { a * dx * dx + 2 * b * dx * dy + c * dy * dy }
        // On a vertical edge x = xe, the best y solves ∂q/∂dy = 0: dy = −b·dx/c, clamped to the edge.
        func vertical(_ xe: Float) -> Float {
            let dx = mean.x - xe
            let dy = min(max(-b * dx / c, mean.y - y1), mean.y - y0)
            return q(dx, dy)
        }
        func horizontal(_ ye: Float) -> Float {
            let dy = mean.y - ye
            let dx = min(max(-b * dy / a, mean.x - x1), mean.x - x0)
            return q(dx, dy)
        }
        return min(min(vertical(x0), vertical(x1)), min(horizontal(y0), horizontal(y1)))
    }

    /// Whether the splat can draw into tile (tx, ty).
    @inline(__always)
    public static func touches(_ s: ProjectedSplat, tileX tx: Int32, tileY ty: Int32) -> Bool {
        let size = Float(TileGrid.tileSize)
        let x0 = Float(tx) * size, y0 = Float(ty) * size
        return touches(s, x0: x0, x1: x0 + size - 1, y0: y0, y1: y0 + size - 1)
    }

    /// Whether the splat can reach α ≥ 1/255 at some pixel centre of the box [x0, x1] × [y0, y1]
    /// (the blend's test for a subgroup's pixels).
    @inline(__always)
    public static func touches(_ s: ProjectedSplat, x0: Float, x1: Float, y0: Float, y1: Float) -> Bool {
        minimumQuadratic(conic: s.conic, mean: s.mean, x0: x0, x1: x1, y0: y0, y1: y1) <= reach(opacity: s.opacity) + margin
    }

    /// The tiles of the splat's rectangle it can draw into, row-major.
    public static func tiles(of s: ProjectedSplat, grid: TileGrid) -> [Int] {
        guard s.radius > 0 else { return [] }
        var out: [Int] = []
        for ty in s.tileMin.y..<s.tileMax.y {
            for tx in s.tileMin.x..<s.tileMax.x where touches(s, tileX: tx, tileY: ty) {
                out.append(Int(ty) * grid.tilesX + Int(tx))
            }
        }
        return out
    }
}
