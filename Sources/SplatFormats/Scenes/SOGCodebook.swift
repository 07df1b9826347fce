import Dispatch
import Foundation

/// Deterministic k-means (Lloyd's algorithm with a fixed initialisation, no randomness) for SOG's
/// codebooks: the same values always give the same centroids and labels, so a scene always
/// converts to the same bytes.
enum SOGCodebook {
    /// `size` centroids (ascending) for the pooled scalar values, and each value's label.
    /// Initialised at the quantiles of the distinct values ((j + ½)·D/K), then `iterations`
    /// Lloyd steps over the sorted values with prefix sums (one step costs O(K log N)); an empty
    /// cluster keeps its centroid. Labels are the nearest centroid.
    static func scalar(_ values: [Float], size: Int = 256, iterations: Int = 30) -> (centroids: [Float], labels: [UInt8]) {
        precondition(!values.isEmpty && size >= 1 && size <= 256)
        let sorted = values.sorted()
        let n = sorted.count
        var prefix = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + Double(sorted[i]) }
        // Distinct values: as few as the codebook holds are kept exactly (padded with the last);
        // else the initial centroids are their quantiles, so no two start equal.
        var distinct: [Float] = []
        for v in sorted where distinct.last != v { distinct.append(v) }
        if distinct.count <= size {
            let book = distinct + [Float](repeating: distinct.last!, count: size - distinct.count)
            return (book, values.map { nearest($0, in: distinct) })
        }
        var centroids = (0..<size).map { j in Double(distinct[Int((Double(j) + 0.5) * Double(distinct.count) / Double(size))]) }
        // First index whose value is ≥ x.
        func lowerBound(_ x: Double) -> Int {
            var lo = 0, hi = n
            while lo < hi {
                let mid = (lo + hi) / 2
                if Double(sorted[mid]) < x { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        for _ in 0..<iterations {
            var start = 0
            var moved = false
            for j in 0..<size {
                let end = j == size - 1 ? n : lowerBound((centroids[j] + centroids[j + 1]) / 2)
                if end > start {
                    let mean = (prefix[end] - prefix[start]) / Double(end - start)
                    if mean != centroids[j] { moved = true }
                    centroids[j] = mean
                }
                start = max(start, end)
            }
            if !moved { break }
        }
        let book = centroids.map { Float($0) }
        return (book, values.map { nearest($0, in: book) })
    }

    /// The nearest centroid of an ascending list (binary search over the midpoints).
    static func nearest(_ v: Float, in centroids: [Float]) -> UInt8 {
        var lo = 0, hi = centroids.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if v < (centroids[mid] + centroids[mid + 1]) / 2 { hi = mid } else { lo = mid + 1 }
        }
        return UInt8(lo)
    }

    /// `size` centroids of `dimension`-long vectors (`vectors` holds them one after another) and
    /// each vector's label. Initialised with the vectors at evenly spaced indices (the caller's
    /// order is spatial, so the palette starts spread over the scene), then `iterations` Lloyd
    /// steps; assignments run on all cores, each vector's independently, so the result does not
    /// depend on the core count. At most `trainingLimit` evenly spaced vectors train the
    /// centroids; every vector is labelled at the end.
    static func vectors(_ vectors: [Float], dimension d: Int, size: Int, iterations: Int = 10,
                        trainingLimit: Int = 65536) -> (centroids: [Float], labels: [Int]) {
        let n = vectors.count / d
        precondition(n > 0 && size >= 1 && size <= n)
        var centroids = [Float](repeating: 0, count: size * d)
        for j in 0..<size {
            let i = j * n / size
            for e in 0..<d { centroids[j * d + e] = vectors[i * d + e] }
        }
        let training = n <= trainingLimit ? Array(0..<n) : (0..<trainingLimit).map { $0 * n / trainingLimit }
        for _ in 0..<iterations {
            let labels = assign(vectors, rows: training, dimension: d, centroids: centroids)
            var sums = [Double](repeating: 0, count: size * d)
            var counts = [Int](repeating: 0, count: size)
            for (t, i) in training.enumerated() {
                let label = labels[t]
                counts[label] += 1
                for e in 0..<d { sums[label * d + e] += Double(vectors[i * d + e]) }
            }
            for j in 0..<size where counts[j] > 0 {
                for e in 0..<d { centroids[j * d + e] = Float(sums[j * d + e] / Double(counts[j])) }
            }
        }
        return (centroids, assign(vectors, rows: Array(0..<n), dimension: d, centroids: centroids))
    }

    /// The nearest centroid (squared distance; ties to the lower index) of each listed row, by
    /// brute force in 8-wide SIMD (each vector zero-padded to a multiple of 8 values).
    static func assign(_ vectors: [Float], rows: [Int], dimension d: Int, centroids: [Float]) -> [Int] {
        let size = centroids.count / d, lanes = (d + 7) / 8
        let packed = (0..<size * lanes).map { slot -> SIMD8<Float> in
            let (j, l) = slot.quotientAndRemainder(dividingBy: lanes)
            var lane = SIMD8<Float>()
            for e in (l * 8)..<min(d, l * 8 + 8) { lane[e - l * 8] = centroids[j * d + e] }
            return lane
        }
        var labels = [Int](repeating: 0, count: rows.count)
        let blocks = max(1, min(64, rows.count / 256))
        labels.withUnsafeMutableBufferPointer { buffer in
            let out = DisjointWrites(base: buffer)
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                vectors.withUnsafeBufferPointer { v in
                    packed.withUnsafeBufferPointer { c in
                        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: lanes) { x in
                            for t in (b * rows.count / blocks)..<((b + 1) * rows.count / blocks) {
                                let row = rows[t] * d
                                for l in 0..<lanes { x[l] = SIMD8() }
                                for e in 0..<d { x[e / 8][e % 8] = v[row + e] }
                                var best = 0, bestDistance = Float.infinity
                                for j in 0..<size {
                                    var sum = SIMD8<Float>()
                                    let base = j * lanes
                                    for l in 0..<lanes {
                                        let diff = x[l] - c[base + l]
                                        sum += diff * diff
                                    }
                                    let distance = sum.sum()
                                    if distance < bestDistance { bestDistance = distance; best = j }
                                }
                                out.base[t] = best
                            }
                        }
                    }
                }
            }
        }
        return labels
    }

    /// The label buffer, shared by workers that each write their own block of indices.
    private struct DisjointWrites: @unchecked Sendable {
        let base: UnsafeMutableBufferPointer<Int>
    }
}
