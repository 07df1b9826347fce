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

    /// The nearest centroid (squared distance; ties to the lower index) of each listed row.
    /// Centroids are sorted by their projection on the centroids' principal axis; since
    /// |a·u − b·u| ≤ ‖a − b‖ for a unit u, the search walks outward from the row's projection and
    /// stops on each side once the projection gap alone exceeds the best distance (with a margin
    /// for rounding). The answer is the brute-force one, found in a fraction of the comparisons.
    static func assign(_ vectors: [Float], rows: [Int], dimension d: Int, centroids: [Float]) -> [Int] {
        let size = centroids.count / d
        let axis = principalAxis(centroids, dimension: d)
        @Sendable func project(_ values: UnsafeBufferPointer<Float>, _ base: Int) -> Float {
            var sum: Float = 0
            for e in 0..<d { sum += values[base + e] * axis[e] }
            return sum
        }
        let keys = centroids.withUnsafeBufferPointer { c in (0..<size).map { project(c, $0 * d) } }
        let order = (0..<size).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        let sortedKeys = order.map { keys[$0] }
        var labels = [Int](repeating: 0, count: rows.count)
        let blocks = max(1, min(64, rows.count / 256))
        labels.withUnsafeMutableBufferPointer { buffer in
            let out = DisjointWrites(base: buffer)
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                vectors.withUnsafeBufferPointer { v in
                    centroids.withUnsafeBufferPointer { c in
                        for t in (b * rows.count / blocks)..<((b + 1) * rows.count / blocks) {
                            let row = rows[t] * d
                            let p = project(v, row)
                            var best = -1, bestDistance = Float.infinity
                            func consider(_ j: Int) {
                                var distance: Float = 0
                                let base = j * d
                                for e in 0..<d {
                                    let diff = v[row + e] - c[base + e]
                                    distance += diff * diff
                                    if distance > bestDistance { return }
                                }
                                if distance < bestDistance || (distance == bestDistance && j < best) { bestDistance = distance; best = j }
                            }
                            func beyond(_ k: Int) -> Bool {
                                let gap = sortedKeys[k] - p
                                return gap * gap > bestDistance * 1.001 + 1e-12
                            }
                            // First sorted key ≥ p, then outward on both sides.
                            var lo = 0, hi = size
                            while lo < hi {
                                let mid = (lo + hi) / 2
                                if sortedKeys[mid] < p { lo = mid + 1 } else { hi = mid }
                            }
                            var up = lo, down = lo - 1
                            while up < size || down >= 0 {
                                if up < size {
                                    if beyond(up) { up = size } else { consider(order[up]); up += 1 }
                                }
                                if down >= 0 {
                                    if beyond(down) { down = -1 } else { consider(order[down]); down -= 1 }
                                }
                            }
                            out.base[t] = best
                        }
                    }
                }
            }
        }
        return labels
    }

    /// The unit direction of largest spread of the centroids: 30 power iterations on their
    /// covariance from a fixed start (deterministic); the first axis when they do not spread.
    static func principalAxis(_ centroids: [Float], dimension d: Int) -> [Float] {
        let size = centroids.count / d
        var mean = [Double](repeating: 0, count: d)
        for j in 0..<size { for e in 0..<d { mean[e] += Double(centroids[j * d + e]) } }
        for e in 0..<d { mean[e] /= Double(size) }
        var axis = [Double](repeating: 1 / Double(d).squareRoot(), count: d)
        for _ in 0..<30 {
            var next = [Double](repeating: 0, count: d)
            for j in 0..<size {
                var dot: Double = 0
                for e in 0..<d { dot += (Double(centroids[j * d + e]) - mean[e]) * axis[e] }
                for e in 0..<d { next[e] += dot * (Double(centroids[j * d + e]) - mean[e]) }
            }
            let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return (0..<d).map { $0 == 0 ? 1 : 0 } }
            axis = next.map { $0 / norm }
        }
        return axis.map { Float($0) }
    }

    /// The label buffer, shared by workers that each write their own block of indices.
    private struct DisjointWrites: @unchecked Sendable {
        let base: UnsafeMutableBufferPointer<Int>
    }
}
