import Foundation
import SplatCore

/// Writes a cloud as a bundled SOG version 2 (layout: `SOG`). Gaussians go in Morton order (as
/// PlayCanvas's writer does: neighbours share image regions, so the WebP images compress), into
/// textures `width` = ⌈√N / 4⌉·4 wide and ⌈N / width / 4⌉·4 high. Scales and DC colours get
/// 256-entry codebooks by deterministic 1-D k-means over all three axes (channels) pooled; the
/// higher SH bands a palette by deterministic k-means, whose values get a 256-entry codebook too.
/// The same cloud always gives the same bytes.
public enum SOGWriter {
    /// WebP's largest width or height.
    static let maxSide = 16383
    /// The SH palette never exceeds this (PlayCanvas trains up to 65,536 on a GPU; on the CPU a
    /// larger palette costs minutes per million Gaussians).
    static let paletteLimit = 4096

    /// `fullCodebooks`: every codebook has 256 entries, as PlayCanvas writes them; false keeps
    /// only the entries in use (the fuzz seeds, which must stay under the fuzzer's 8 KiB).
    public static func encode(_ cloud: SplatCloud, fullCodebooks: Bool = true) throws -> Data {
        func used(_ book: (centroids: [Float], labels: [UInt8])) -> [Float] {
            fullCodebooks ? book.centroids : Array(book.centroids.prefix(Int(book.labels.max() ?? 0) + 1))
        }
        let n = cloud.count
        guard n > 0 else { throw SceneEncodingError(format: .sog, problem: "the scene holds no Gaussians") }
        let width = Int((Double(n).squareRoot() / 4).rounded(.up)) * 4
        let height = Int((Double(n) / Double(width) / 4).rounded(.up)) * 4
        guard width <= maxSide, height <= maxSide else {
            throw SceneEncodingError(format: .sog, problem: "\(n) Gaussians need \(width)×\(height) images, more than WebP's \(maxSide)×\(maxSide)")
        }
        let order = CompressedPLY.mortonOrder(cloud.positions)
        let pixels = width * height
        func image(_ fill: (inout [UInt8]) -> Void) -> [UInt8] {
            var rgba = [UInt8](repeating: 0, count: pixels * 4)
            fill(&rgba)
            return [UInt8](WebPImage(width: width, height: height, rgba: rgba).losslessWebP())
        }

        // Positions: 16 bits per axis of the log-transformed value between its bounds.
        let logs = order.map { i in
            let p = cloud.positions[i]
            return SIMD3(logTransform(p.x), logTransform(p.y), logTransform(p.z))
        }
        let mins = logs.reduce(SIMD3<Float>(repeating: .infinity)) { pointwiseMin($0, $1) }
        let maxs = logs.reduce(SIMD3<Float>(repeating: -.infinity)) { pointwiseMax($0, $1) }
        let range = maxs - mins
        let quantised = logs.map { l -> SIMD3<UInt16> in
            var f = ((l - mins) / range * 65535).rounded(.toNearestOrAwayFromZero)
            f.replace(with: SIMD3<Float>(repeating: 0), where: range .<= 0)  // one value on the axis: every code 0
            return SIMD3<UInt16>(f.clamped(lowerBound: SIMD3(repeating: 0), upperBound: SIMD3(repeating: 65535)))
        }
        let meansL = image { rgba in
            for (t, q) in quantised.enumerated() {
                for a in 0..<3 { rgba[t * 4 + a] = UInt8(q[a] & 0xFF) }
                rgba[t * 4 + 3] = 255
            }
        }
        let meansU = image { rgba in
            for (t, q) in quantised.enumerated() {
                for a in 0..<3 { rgba[t * 4 + a] = UInt8(q[a] >> 8) }
                rgba[t * 4 + 3] = 255
            }
        }
        let quats = image { rgba in
            for (t, i) in order.enumerated() {
                let packed = packQuaternion(cloud.rotations[i])
                for c in 0..<4 { rgba[t * 4 + c] = packed[c] }
            }
        }

        // Scales: log scales, clamped like the compressed PLY writer's (a zero scale has no log).
        var logScales = [Float](repeating: 0, count: n * 3)
        for (t, i) in order.enumerated() {
            for a in 0..<3 { logScales[a * n + t] = min(max(log(max(cloud.scales[i][a], .leastNormalMagnitude)), -20), 20) }
        }
        let scaleBook = SOGCodebook.scalar(logScales)
        let scales = image { rgba in
            for t in 0..<n {
                for a in 0..<3 { rgba[t * 4 + a] = scaleBook.labels[a * n + t] }
                rgba[t * 4 + 3] = 255
            }
        }

        // DC colours and opacity.
        var dc = [Float](repeating: 0, count: n * 3)
        for (t, i) in order.enumerated() {
            for c in 0..<3 { dc[c * n + t] = cloud.shCoefficient(i, 0)[c] }
        }
        let colourBook = SOGCodebook.scalar(dc)
        let sh0 = image { rgba in
            for (t, i) in order.enumerated() {
                for c in 0..<3 { rgba[t * 4 + c] = colourBook.labels[c * n + t] }
                rgba[t * 4 + 3] = UInt8(min(max(cloud.opacities[i], 0), 1) * 255 + 0.5)
            }
        }

        var members: [(name: String, bytes: [UInt8])] = [("means_l.webp", meansL), ("means_u.webp", meansU),
                                                         ("scales.webp", scales), ("quats.webp", quats), ("sh0.webp", sh0)]
        var meta = SOGMeta(count: n, meansMins: mins, meansMaxs: maxs, meansFiles: ["means_l.webp", "means_u.webp"],
                           scalesCodebook: used(scaleBook), scalesFile: "scales.webp", quatsFile: "quats.webp",
                           sh0Codebook: used(colourBook), sh0File: "sh0.webp")
        if cloud.shDegree > 0 {
            let (bands, centroids, labels) = higherBands(cloud, order: order, width: width, height: height, used: used)
            meta.shN = bands
            members += [("shN_centroids.webp", centroids), ("shN_labels.webp", labels)]
        }
        return ZipWriter.stored([("meta.json", [UInt8](meta.json()))] + members)
    }

    /// The palette (k-means over each Gaussian's higher-band coefficients, coefficient-major then
    /// channel, as the 3DGS PLY's f_rest), its codebook, and the centroid and label images.
    static func higherBands(_ cloud: SplatCloud, order: [Int], width: Int, height: Int,
                            used: ((centroids: [Float], labels: [UInt8])) -> [Float]) -> (SOGMeta.HigherBands, centroids: [UInt8], labels: [UInt8]) {
        let n = cloud.count, k = cloud.coefficientsPerGaussian, coefficients = k - 1, d = coefficients * 3
        var rest = [Float](repeating: 0, count: n * d)
        for (t, i) in order.enumerated() {
            for j in 0..<coefficients {
                for c in 0..<3 { rest[t * d + c * coefficients + j] = cloud.sh[(i * k + j + 1) * 3 + c] }
            }
        }
        let size = paletteSize(n)
        let palette = SOGCodebook.vectors(rest, dimension: d, size: size)
        let book = SOGCodebook.scalar(palette.centroids)
        let rows = (size + 63) / 64
        var centroidPixels = [UInt8](repeating: 0, count: 64 * coefficients * rows * 4)
        for p in 0..<size {
            for j in 0..<coefficients {
                let texel = (p * coefficients + j) * 4  // row p / 64, column (p mod 64)·coefficients + j
                for c in 0..<3 { centroidPixels[texel + c] = book.labels[p * d + c * coefficients + j] }
                centroidPixels[texel + 3] = 255
            }
        }
        var labelPixels = [UInt8](repeating: 0, count: width * height * 4)
        for t in 0..<n {
            labelPixels[t * 4] = UInt8(palette.labels[t] & 0xFF)
            labelPixels[t * 4 + 1] = UInt8(palette.labels[t] >> 8)
            labelPixels[t * 4 + 3] = 255
        }
        let meta = SOGMeta.HigherBands(count: size, bands: cloud.shDegree, codebook: used(book),
                                       centroidsFile: "shN_centroids.webp", labelsFile: "shN_labels.webp")
        return (meta, [UInt8](WebPImage(width: 64 * coefficients, height: rows, rgba: centroidPixels).losslessWebP()),
                [UInt8](WebPImage(width: width, height: height, rgba: labelPixels).losslessWebP()))
    }

    /// PlayCanvas's palette size, min(64, 2^⌊log2(N / 1024)⌋)·1024, here at most `paletteLimit`
    /// and at most N.
    static func paletteSize(_ n: Int) -> Int {
        let power = pow(2, (log2(Double(n) / 1024)).rounded(.down))
        return max(1, min(n, paletteLimit, Int(min(64, power) * 1024)))
    }

    /// sign(v)·ln(|v| + 1): fine steps near the origin, coarse far away.
    @inline(__always) static func logTransform(_ v: Float) -> Float { v < 0 ? -log(1 - v) : log(1 + v) }

    @inline(__always) static func inverseLogTransform(_ l: Float) -> Float { l < 0 ? -(exp(-l) - 1) : exp(l) - 1 }

    /// Smallest three in (w, x, y, z) order, the largest made positive; tag 252 + its index.
    static func packQuaternion(_ rotation: SIMD4<Float>) -> [UInt8] {
        var q = normalizedQuaternion(rotation)
        let largest = (0..<4).max { abs(q[$0]) < abs(q[$1]) }!
        if q[largest] < 0 { q = -q }
        var out: [UInt8] = []
        for j in 0..<4 where j != largest {
            out.append(UInt8(min(max((q[j] * Float(2).squareRoot() * 0.5 + 0.5) * 255, 0), 255).rounded()))
        }
        return out + [UInt8(252 + largest)]
    }
}
