import Foundation

/// The blend stage: front-to-back compositing per pixel, one 16×16 tile at a time
/// (DESIGN.md §3 step 10, the official renderCUDA). CPU twin of the GPU tile blend.
public enum Blend {
    /// Largest α a single splat may have (official).
    public static let maxAlpha: Float = 0.99
    /// Splats weaker than this at a pixel are skipped (official 1/255).
    public static let minAlpha: Float = 1 / 255
    /// Compositing stops *before* a splat that would bring transmittance below this (official).
    public static let minTransmittance: Float = 0.0001

    /// Accumulated values of one pixel.
    public struct PixelResult: Equatable, Sendable {
        public var colour: SIMD3<Float>
        public var transmittance: Float
        public var depthSum: Float
        /// Splats looked at (up to and including the one that would saturate the pixel), those
        /// that changed it, and whether it saturated: the blend's workload (BlendWorkload).
        public var evaluated: Int
        public var contributing: Int
        public var saturated: Bool
    }

    /// Composites the splats `order` (front to back) at the pixel centre `pixel`.
    @inline(__always)
    public static func shade<S: Sequence>(pixel: SIMD2<Float>, order: S,
                                          splats: [ProjectedSplat]) -> PixelResult where S.Element == Int {
        var colour = SIMD3<Float>(repeating: 0)
        var transmittance: Float = 1
        var depthSum: Float = 0
        var evaluated = 0, contributing = 0, saturated = false
        for index in order {
            evaluated += 1
            let s = splats[index]
            let d = s.mean - pixel
            let power = -0.5 * (s.conic.x * d.x * d.x + s.conic.z * d.y * d.y) - s.conic.y * d.x * d.y
            if power > 0 { continue }
            let alpha = min(maxAlpha, s.opacity * exp(power))
            if alpha < minAlpha { continue }
            let next = transmittance * (1 - alpha)
            if next < minTransmittance { saturated = true; break }
            contributing += 1
            colour += s.colour * (alpha * transmittance)
            depthSum += s.depth * (alpha * transmittance)
            transmittance = next
        }
        return PixelResult(colour: colour, transmittance: transmittance, depthSum: depthSum,
                           evaluated: evaluated, contributing: contributing, saturated: saturated)
    }

    /// Blends every tile of the image from the sorted pair list, using all cores. `ranges[tile]` is
    /// the tile's half-open [start, end) range of `sortedValues` (the GPU's ranges buffer).
    public static func run(splats: [ProjectedSplat], sortedValues: [UInt32], ranges: [SIMD2<UInt32>],
                           grid: TileGrid, background: SIMD3<Float>) -> (colour: Image, alpha: Image, depth: Image) {
        let pixelCount = grid.width * grid.height
        var colour = [Float](repeating: 0, count: pixelCount * 3)
        var alpha = [Float](repeating: 0, count: pixelCount)
        var depth = [Float](repeating: 0, count: pixelCount)
        colour.withUnsafeMutableBufferPointer { cb in
            alpha.withUnsafeMutableBufferPointer { ab in
                depth.withUnsafeMutableBufferPointer { db in
                    let (cOut, aOut, dOut) = (UnsafeSendableBuffer(cb), UnsafeSendableBuffer(ab), UnsafeSendableBuffer(db))
                    Parallel.forEachChunk(count: grid.tileCount, chunk: 1) { tiles in
                        for tile in tiles {
                            let range = ranges[tile]
                            let order = (Int(range.x)..<Int(range.y)).lazy.map { Int(sortedValues[$0]) }
                            let x0 = (tile % grid.tilesX) * TileGrid.tileSize
                            let y0 = (tile / grid.tilesX) * TileGrid.tileSize
                            for y in y0..<min(y0 + TileGrid.tileSize, grid.height) {
                                for x in x0..<min(x0 + TileGrid.tileSize, grid.width) {
                                    let r = shade(pixel: SIMD2(Float(x), Float(y)), order: order, splats: splats)
                                    let p = y * grid.width + x
                                    let c = r.colour + r.transmittance * background
                                    cOut.base[p * 3] = c.x
                                    cOut.base[p * 3 + 1] = c.y
                                    cOut.base[p * 3 + 2] = c.z
                                    let a = 1 - r.transmittance
                                    aOut.base[p] = a
                                    dOut.base[p] = a > 0 ? r.depthSum / a : 0
                                }
                            }
                        }
                    }
                }
            }
        }
        return (Image(width: grid.width, height: grid.height, channels: 3, pixels: colour),
                Image(width: grid.width, height: grid.height, channels: 1, pixels: alpha),
                Image(width: grid.width, height: grid.height, channels: 1, pixels: depth))
    }
}
