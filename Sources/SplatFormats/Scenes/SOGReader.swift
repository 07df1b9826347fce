import Dispatch
import Foundation
import SplatCore

/// Decodes SOG version 2's images into a cloud (layout: `SOG`). Every image's size is checked
/// against the count before its pixels are allocated, every byte that indexes a codebook or the
/// palette is checked against its size.
enum SOGReader {
    static func decode(meta metaBytes: Data, files: SOGFiles) throws -> SplatCloud {
        let metaPath = files.describe("meta.json")
        let checks = OpeningChecks(path: metaPath)
        let meta = try SOGMeta.parse(metaBytes, fail: checks.fail)
        let n = meta.count
        let degree = meta.shN?.bands ?? 0
        try checks.gaussians(n, shDegree: degree, temporal: false, none: "meta.json's 'count' is 0: the scene holds no Gaussians")
        // Writers round the texture up to multiples of 4 (and readers may use powers of two):
        // anything far larger than the count needs is not a SOG texture.
        let maxPixels = n * 4 + 65536
        // Every image is read first (sizes bounded), then all are decoded at once, one per core.
        var requests = [(meta.meansFiles[0], maxPixels), (meta.meansFiles[1], maxPixels), (meta.quatsFile, maxPixels),
                        (meta.scalesFile, maxPixels), (meta.sh0File, maxPixels)]
        if let shN = meta.shN {
            let rows = (shN.count + 63) / 64
            requests += [(shN.centroidsFile, 64 * (SplatCloud.coefficientCount(degree: degree) - 1) * rows), (shN.labelsFile, maxPixels)]
        }
        let images = try decodeImages(requests, files: files)
        for (index, role) in ["means_l", "means_u", "quats", "scales", "sh0", nil, "shN labels"].enumerated() where index < images.count {
            guard let role, images[index].width * images[index].height < n else { continue }
            let image = images[index]
            throw SceneFileError(path: files.describe(requests[index].0), problem: "the \(role) image is \(image.width)×\(image.height) "
                                 + "(\(image.width * image.height) pixels), fewer than the \(n) Gaussians meta.json declares")
        }
        let (low, high, quats, scales, sh0) = (images[0], images[1], images[2], images[3], images[4])

        let k = SplatCloud.coefficientCount(degree: degree)
        var positions = [SIMD3<Float>](repeating: .zero, count: n)
        var scaleValues = [SIMD3<Float>](repeating: .zero, count: n)
        var rotations = [SIMD4<Float>](repeating: .zero, count: n)
        var opacities = [Float](repeating: 0, count: n)
        var sh = [Float](repeating: 0, count: n * k * 3)

        let lo = meta.meansMins
        // A zero range decodes to the minimum plus the raw fraction, as PlayCanvas's reader does.
        var range = meta.meansMaxs - lo
        range.replace(with: SIMD3(repeating: 1), where: range .== 0)
        for i in 0..<n {
            let o = i * 4
            let q = SIMD3(Float(UInt16(low.rgba[o]) | UInt16(high.rgba[o]) << 8),
                          Float(UInt16(low.rgba[o + 1]) | UInt16(high.rgba[o + 1]) << 8),
                          Float(UInt16(low.rgba[o + 2]) | UInt16(high.rgba[o + 2]) << 8))
            let l = lo + range * (q / 65535)
            let p = SIMD3(SOGWriter.inverseLogTransform(l.x), SOGWriter.inverseLogTransform(l.y), SOGWriter.inverseLogTransform(l.z))
            guard p.x.isFinite, p.y.isFinite, p.z.isFinite else {
                throw checks.fail("means.mins/maxs give Gaussian \(i) a non-finite position")
            }
            positions[i] = p
        }
        let scaleCodebook = meta.scalesCodebook.map { exp($0) }
        if let j = scaleCodebook.firstIndex(where: { !$0.isFinite || $0 <= 0 }) {
            throw checks.fail("scales.codebook[\(j)] = \(meta.scalesCodebook[j]) gives a non-finite or zero scale")
        }
        for i in 0..<n {
            let o = i * 4
            for c in 0..<3 {
                let label = Int(scales.rgba[o + c])
                guard label < scaleCodebook.count else {
                    throw SceneFileError(path: files.describe(meta.scalesFile), problem: "Gaussian \(i)'s scale index \(label) is "
                                         + "past the \(scaleCodebook.count)-entry scales.codebook")
                }
                scaleValues[i][c] = scaleCodebook[label]
            }
            let tag = Int(quats.rgba[o + 3])
            guard (252...255).contains(tag) else {
                throw SceneFileError(path: files.describe(meta.quatsFile),
                                     problem: "Gaussian \(i)'s largest-component tag is \(tag), not 252 to 255")
            }
            rotations[i] = unpackQuaternion(quats.rgba[o], quats.rgba[o + 1], quats.rgba[o + 2], largest: tag - 252)
            for c in 0..<3 {
                let label = Int(sh0.rgba[o + c])
                guard label < meta.sh0Codebook.count else {
                    throw SceneFileError(path: files.describe(meta.sh0File), problem: "Gaussian \(i)'s colour index \(label) is "
                                         + "past the \(meta.sh0Codebook.count)-entry sh0.codebook")
                }
                sh[i * k * 3 + c] = meta.sh0Codebook[label]
            }
            // PlayCanvas clamps to [1e-6, 1 − 1e-6] before its logit; the activated value is that clamp.
            opacities[i] = min(max(Float(sh0.rgba[o + 3]) / 255, 1e-6), 1 - 1e-6)
        }
        if let shN = meta.shN {
            try decodeHigherBands(shN, centroids: images[5], labels: images[6], n: n, k: k, files: files, into: &sh)
        }
        return SplatCloud(positions: positions, scales: scaleValues, rotations: rotations, opacities: opacities,
                          shDegree: degree, sh: sh)
    }

    static func decodeHigherBands(_ shN: SOGMeta.HigherBands, centroids: WebPImage, labels: WebPImage, n: Int, k: Int,
                                  files: SOGFiles, into sh: inout [Float]) throws {
        let coefficients = k - 1
        // PlayCanvas's writer stores as many rows as its k-means found centroids (at most
        // shN.count): labels must stay within both.
        guard centroids.width == 64 * coefficients else {
            throw SceneFileError(path: files.describe(shN.centroidsFile), problem: "the shN centroids image is "
                                 + "\(centroids.width)×\(centroids.height); palette entries of SH degree \(shN.bands) "
                                 + "need it \(64 * coefficients) wide")
        }
        let entries = min(shN.count, centroids.height * 64)
        // Each palette entry's coefficients once, then each Gaussian copies its entry's.
        var palette = [Float](repeating: 0, count: entries * coefficients * 3)
        for p in 0..<entries {
            for j in 0..<coefficients {
                let texel = ((p / 64) * centroids.width + (p % 64) * coefficients + j) * 4
                for c in 0..<3 {
                    let index = Int(centroids.rgba[texel + c])
                    guard index < shN.codebook.count else {
                        throw SceneFileError(path: files.describe(shN.centroidsFile), problem: "palette entry \(p)'s index \(index) "
                                             + "is past the \(shN.codebook.count)-entry shN.codebook")
                    }
                    palette[(p * coefficients + j) * 3 + c] = shN.codebook[index]
                }
            }
        }
        for i in 0..<n {
            let label = Int(labels.rgba[i * 4]) | Int(labels.rgba[i * 4 + 1]) << 8
            guard label < entries else {
                throw SceneFileError(path: files.describe(shN.labelsFile),
                                     problem: "Gaussian \(i)'s palette label \(label) is past the \(entries) palette entries")
            }
            for j in 0..<coefficients {
                for c in 0..<3 { sh[(i * k + j + 1) * 3 + c] = palette[(label * coefficients + j) * 3 + c] }
            }
        }
    }

    /// The images, in the order asked, each at most `maxPixels`: the files are read one by one
    /// (a missing or oversized one stops here), then decoded in parallel; the first failure in
    /// that order is the one reported.
    static func decodeImages(_ requests: [(name: String, maxPixels: Int)], files: SOGFiles) throws -> [WebPImage] {
        // Lossless WebP never needs much more than 4 bytes a pixel; the limit stops a bomb early
        // (the pixel count is checked on the header next).
        let bytes = try requests.map { try files.read($0.name, limit: $0.maxPixels * 5 + 65536) }
        let names = requests.map { files.describe($0.name) }
        var results = [Result<WebPImage, SceneFileError>](repeating: .failure(SceneFileError(path: "", problem: "")), count: requests.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = DisjointResults(base: buffer)
            DispatchQueue.concurrentPerform(iterations: requests.count) { i in
                do {
                    out.base[i] = .success(try WebPImage.decode(bytes[i], path: names[i], maxPixels: requests[i].maxPixels))
                } catch let error as SceneFileError {
                    out.base[i] = .failure(error)
                } catch {
                    out.base[i] = .failure(SceneFileError(path: names[i], problem: "\(error)"))
                }
            }
        }
        return try results.map { try $0.get() }
    }

    /// The decoded images, shared by workers that each write their own slot.
    private struct DisjointResults: @unchecked Sendable {
        let base: UnsafeMutableBufferPointer<Result<WebPImage, SceneFileError>>
    }

    /// The three stored components in (w, x, y, z) order without the largest, each
    /// (byte/255·2 − 1)/√2; the largest is positive and makes the quaternion unit length.
    static func unpackQuaternion(_ a: UInt8, _ b: UInt8, _ c: UInt8, largest: Int) -> SIMD4<Float> {
        let stored = (SIMD3(Float(a), Float(b), Float(c)) / 255 * 2 - 1) / Float(2).squareRoot()
        var q = SIMD4<Float>(repeating: 0)
        var s = 0
        for j in 0..<4 where j != largest {
            q[j] = stored[s]
            s += 1
        }
        q[largest] = max(0, 1 - (q * q).sum()).squareRoot()
        return normalizedQuaternion(q)
    }
}
