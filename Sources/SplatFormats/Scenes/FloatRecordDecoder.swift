import Foundation
import SplatCore

/// Decodes 3DGS vertices stored as little-endian float32 records at fixed offsets — the layout
/// nearly every trainer writes — at memory speed: plain loads at precomputed offsets, no
/// per-property dispatch, rows split across cores. Produces exactly the floats of the general
/// row reader (same activations, same order of operations).
struct FloatRecordDecoder {
    let layout: ColumnLayout
    let records: PLYFloatRecords
    /// Rows per parallel chunk: large enough to amortise scheduling, small enough to balance.
    static let chunkRows = 16_384

    /// The cloud, or nil when some requested value is NaN or infinite (the caller then reports it
    /// with the general reader's exact message).
    func decode(_ data: Data) -> SplatCloud? {
        data.withUnsafeBytes { raw in
            decode { decodeRows in decodeRows(raw.baseAddress! + records.start, 0..<records.count) }
        }
    }

    /// The cloud from records handed over in pieces (a file read a few MB at a time): `read` calls
    /// `decodeRows(first, rows)` for consecutive row ranges covering every row, `first` pointing
    /// at the record of `rows.lowerBound`. Nil when some value is not finite. A cloud of the same
    /// count and degree in `storage` is taken (left nil) and overwritten instead of allocating.
    func decode(reusing storage: inout SplatCloud?,
                pieces read: (_ decodeRows: (UnsafeRawPointer, Range<Int>) -> Void) throws -> Void) rethrows -> SplatCloud? {
        var cloud: SplatCloud
        if let old = storage, old.count == records.count, old.shDegree == layout.degree, old.viewOrigins == nil {
            storage = nil
            cloud = old  // now the only reference, when the cache let go of it: written in place
        } else {
            storage = nil
            cloud = Self.uninitialisedCloud(count: records.count, degree: layout.degree)
        }
        let shSources = shSourceOffsets()
        var finite = true
        try CloudRows.withRows(of: &cloud) { out in
            try read { first, rows in
                if !decodeAll(first, rows: rows, into: out, shSources: shSources) { finite = false }
            }
        }
        return finite ? cloud : nil
    }

    func decode(pieces read: (_ decodeRows: (UnsafeRawPointer, Range<Int>) -> Void) throws -> Void) rethrows -> SplatCloud? {
        var none: SplatCloud? = nil
        return try decode(reusing: &none, pieces: read)
    }

    /// A cloud whose arrays have their size but not their values yet (the decoder writes every row).
    static func uninitialisedCloud(count n: Int, degree: Int) -> SplatCloud {
        let k = SplatCloud.coefficientCount(degree: degree)
        return SplatCloud(positions: filledArray(n) { _ in }, scales: filledArray(n) { _ in },
                          rotations: filledArray(n) { _ in }, opacities: filledArray(n) { _ in },
                          shDegree: degree, sh: filledArray(n * k * 3) { _ in })
    }

    /// An array of `count` elements that `fill` initialises completely. Its pages are asked to be
    /// huge pages first: a large cloud takes hundreds of MB, and faulting them in 4 KB at a time
    /// costs about as much as decoding (measured with perf on the 1M-Gaussian ball).
    static func filledArray<T>(_ count: Int, _ fill: (UnsafeMutableBufferPointer<T>) throws -> Void) rethrows -> [T] {
        try [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            try fill(buffer)
            initialised = count
        }
    }

    /// madvise(MADV_HUGEPAGE) over the 2 MB-aligned inside of `buffer`; a hint the kernel may ignore.
    private static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        let hugePage = 2 << 20
        guard let base = buffer.baseAddress, buffer.count >= 2 * hugePage else { return }
        let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(hugePage - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, MADV_HUGEPAGE)
    }

    /// Byte offsets (inside a record) of the SH values in SplatCloud's order: coefficient-major,
    /// channel-minor; f_rest is channel-major in the file (see GaussianPLY).
    private func shSourceOffsets() -> [Int] {
        let k = layout.coefficients
        var sources = [Int](repeating: 0, count: 3 * k)
        for c in 0..<3 {
            sources[c] = records.offsets[3 + c]
            for coefficient in 1..<k {
                sources[coefficient * 3 + c] = records.offsets[layout.restStart + c * (k - 1) + coefficient - 1]
            }
        }
        return sources
    }

    /// Decodes `rows` (their records start at `first`) in chunks, in parallel; false when any
    /// requested value is not finite.
    private func decodeAll(_ first: UnsafeRawPointer, rows: Range<Int>, into out: CloudRows, shSources: [Int]) -> Bool {
        let chunks = (rows.count + Self.chunkRows - 1) / Self.chunkRows
        let flags = UnsafeMutableBufferPointer<Bool>.allocate(capacity: max(chunks, 1))
        defer { flags.deallocate() }
        flags.initialize(repeating: true)
        let sharedFlags = SharedFlags(flags: flags)
        shSources.withUnsafeBufferPointer { sources in
            let shared = SharedSources(sources: sources, first: first, firstRow: rows.lowerBound)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = rows.lowerBound + chunk * Self.chunkRows
                let part = start..<min(rows.upperBound, start + Self.chunkRows)
                sharedFlags.flags[chunk] = decode(rows: part, from: shared, into: out)
            }
        }
        return flags.allSatisfy { $0 }
    }

    private struct SharedFlags: @unchecked Sendable { let flags: UnsafeMutableBufferPointer<Bool> }
    private struct SharedSources: @unchecked Sendable {
        let sources: UnsafeBufferPointer<Int>
        /// The record of row `firstRow`.
        let first: UnsafeRawPointer
        let firstRow: Int
    }

    /// One chunk of rows; false when a requested value is NaN or infinite.
    private func decode(rows: Range<Int>, from source: SharedSources, into out: CloudRows) -> Bool {
        let shSources = source.sources
        let o = records.offsets
        let (x, y, z) = (o[0], o[1], o[2])
        let opacity = o[layout.opacity]
        let (s0, s1, s2) = (o[layout.scale], o[layout.scale + 1], o[layout.scale + 2])
        let (r0, r1, r2, r3) = (o[layout.rotation], o[layout.rotation + 1], o[layout.rotation + 2], o[layout.rotation + 3])
        let perRow = shSources.count
        // Exponent bits all ones: NaN or infinity. OR-ed over every value, tested once per chunk.
        var nonFinite: UInt32 = 0
        for i in rows {
            let record = source.first + (i - source.firstRow) * records.stride
            @inline(__always) func value(_ offset: Int) -> Float {
                let bits = UInt32(littleEndian: record.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                nonFinite |= (bits & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0
                return Float(bitPattern: bits)
            }
            out.positions[i] = SIMD3(value(x), value(y), value(z))
            out.opacities[i] = sigmoid(value(opacity))
            out.scales[i] = SIMD3(exp(value(s0)), exp(value(s1)), exp(value(s2)))
            out.rotations[i] = normalizedQuaternion(SIMD4(value(r0), value(r1), value(r2), value(r3)))
            let sh = out.sh.baseAddress! + i * perRow
            for j in 0..<perRow { sh[j] = value(shSources[j]) }
        }
        return nonFinite == 0
    }
}
