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
        let n = records.count
        let k = layout.coefficients
        let shSources = shSourceOffsets()
        var positions: [SIMD3<Float>] = [], scales: [SIMD3<Float>] = [], rotations: [SIMD4<Float>] = [], opacities: [Float] = []
        var finite = true
        // Every row of every array is written (non-finite values too), so all are initialised.
        let sh: [Float] = Self.filledArray(n * k * 3) { shOut in
            positions = Self.filledArray(n) { p in
                scales = Self.filledArray(n) { s in
                    rotations = Self.filledArray(n) { r in
                        opacities = Self.filledArray(n) { o in
                            let out = Outputs(positions: p, scales: s, rotations: r, opacities: o, sh: shOut)
                            data.withUnsafeBytes { finite = decodeAll($0, into: out, shSources: shSources) }
                        }
                    }
                }
            }
        }
        guard finite else { return nil }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations,
                          opacities: opacities, shDegree: layout.degree, sh: sh)
    }

    /// An array of `count` elements that `fill` initialises completely. Its pages are asked to be
    /// huge pages first: a large cloud takes hundreds of MB, and faulting them in 4 KB at a time
    /// costs about as much as decoding (measured with perf on the 1M-Gaussian ball).
    static func filledArray<T>(_ count: Int, _ fill: (UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            fill(buffer)
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

    /// The destination buffers, shared by the chunks (each chunk writes only its own rows).
    private struct Outputs: @unchecked Sendable {
        let positions: UnsafeMutableBufferPointer<SIMD3<Float>>
        let scales: UnsafeMutableBufferPointer<SIMD3<Float>>
        let rotations: UnsafeMutableBufferPointer<SIMD4<Float>>
        let opacities: UnsafeMutableBufferPointer<Float>
        let sh: UnsafeMutableBufferPointer<Float>
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

    /// Decodes every chunk, in parallel; false when any requested value is not finite.
    private func decodeAll(_ raw: UnsafeRawBufferPointer, into out: Outputs, shSources: [Int]) -> Bool {
        let n = records.count
        let chunks = (n + Self.chunkRows - 1) / Self.chunkRows
        let flags = UnsafeMutableBufferPointer<Bool>.allocate(capacity: max(chunks, 1))
        defer { flags.deallocate() }
        flags.initialize(repeating: true)
        let sharedFlags = SharedFlags(flags: flags)
        shSources.withUnsafeBufferPointer { sources in
            let shared = SharedSources(sources: sources, raw: raw)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let rows = chunk * Self.chunkRows..<min(n, (chunk + 1) * Self.chunkRows)
                sharedFlags.flags[chunk] = decode(rows: rows, from: shared.raw, into: out, shSources: shared.sources)
            }
        }
        return flags.allSatisfy { $0 }
    }

    private struct SharedFlags: @unchecked Sendable { let flags: UnsafeMutableBufferPointer<Bool> }
    private struct SharedSources: @unchecked Sendable {
        let sources: UnsafeBufferPointer<Int>
        let raw: UnsafeRawBufferPointer
    }

    /// One chunk of rows; false when a requested value is NaN or infinite.
    private func decode(rows: Range<Int>, from raw: UnsafeRawBufferPointer, into out: Outputs,
                        shSources: UnsafeBufferPointer<Int>) -> Bool {
        let o = records.offsets
        let (x, y, z) = (o[0], o[1], o[2])
        let opacity = o[layout.opacity]
        let (s0, s1, s2) = (o[layout.scale], o[layout.scale + 1], o[layout.scale + 2])
        let (r0, r1, r2, r3) = (o[layout.rotation], o[layout.rotation + 1], o[layout.rotation + 2], o[layout.rotation + 3])
        let perRow = shSources.count
        let base = raw.baseAddress!
        // Exponent bits all ones: NaN or infinity. OR-ed over every value, tested once per chunk.
        var nonFinite: UInt32 = 0
        for i in rows {
            let record = base + records.start + i * records.stride
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
