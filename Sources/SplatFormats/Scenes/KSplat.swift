import Foundation
import SplatCore

/// mkkellogg/GaussianSplats3D's `.ksplat` (its SplatBuffer written to disk), version 0.1,
/// compression levels 0, 1 and 2 (layout in `KSplatHeader`; facts from the library's
/// `SplatBuffer.js`). Read-only: the issue asks for no writer.
///
/// Mapping (the library's PLY parser is the writer's only source of values): centres as they are
/// (level 0: f32; levels 1, 2: u16 offsets from the bucket centre, (v − range)·(block/2)/range +
/// centre); scales linear (f32 or half); rotation stored w, x, y, z (normalised by the writer);
/// colour r, g, b, a bytes written as ⌊(0.5 + C0·f_dc)·255⌋ and ⌊sigmoid(opacity)·255⌋, read back
/// as f_dc = (b/255 − 0.5)/C0 and opacity a/255 (clamped to [1e-4, 1 − 1e-4]), as for `.splat`;
/// SH degree 1 and 2 (the most the format holds) per band channel-major: degree 1's nine values
/// are R of coefficients 1–3, then G, then B; degree 2's fifteen likewise for coefficients 4–8.
/// Level 1 stores SH as halves, level 2 as bytes b → min + b/255·(max − min) over the header's range.
/// Axes: the library keeps the PLY's (no flip), so the file's axes are Splat4D's. Dropped: the
/// scene centre (the library's partitioning origin, not a transform); sections of several SH
/// degrees are read at the smallest (as the library renders them).
public struct KSplat: SceneFormat {
    public init() {}
    public var id: SceneFormatID { .ksplat }
    public var extensionsForDamagedFiles: [String] { ["ksplat"] }

    public func detects(_ source: SceneSource) -> Bool { source.data.map(KSplatHeader.looksLike) ?? false }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let file = try Self.decode(data: source.bytes(), path: source.path)
        let h = file.header
        let sections = file.sections.count == 1 ? "1 section" : "\(file.sections.count) sections"
        return LoadedScene(format: id, formatDetail: "version \(h.versionMajor).\(h.versionMinor), compression level \(h.compressionLevel), \(sections)",
                           cloud: file.cloud)
    }

    public func fuzzSeeds() -> [FuzzSeed] {
        let cloud = SeedScenes.staticCloud()
        return [FuzzSeed("tiny-level0.ksplat", KSplatSeedWriter.file(cloud, compressionLevel: 0)),
                FuzzSeed("tiny-level1.ksplat", KSplatSeedWriter.file(cloud, compressionLevel: 1, sectionSize: 2)),
                FuzzSeed("tiny-level2.ksplat", KSplatSeedWriter.file(cloud, compressionLevel: 2, bucketSize: 2))]
    }

    /// A decoded file: the cloud and the headers it was read by.
    public struct File: Sendable {
        public var cloud: SplatCloud
        public var header: KSplatHeader
        public var sections: [KSplatSection]
    }

    // MARK: - Reading

    public static func decode(data: Data, path: String) throws -> File {
        let checks = OpeningChecks(path: path)
        try checks.nonEmpty(data)
        let (header, sections) = try data.withUnsafeBytes { try readHeaders($0, checks: checks) }
        let shDegree = sections.map(\.shDegree).min() ?? 0
        try checks.gaussians(header.maxSplatCount, shDegree: shDegree, temporal: false)
        let decoder = KSplatDecoder(header: header, sections: sections, shDegree: shDegree)
        let cloud = try data.withUnsafeBytes { try decoder.decode($0, checks: checks) }
        return File(cloud: cloud, header: header, sections: sections)
    }

    /// The main header and every section header, each count and size checked against the file's
    /// length before anything is allocated.
    static func readHeaders(_ raw: UnsafeRawBufferPointer, checks: OpeningChecks) throws -> (KSplatHeader, [KSplatSection]) {
        let fail = checks.fail
        guard raw.count >= KSplatHeader.byteCount else {
            throw fail("truncated .ksplat file: \(raw.count) bytes, the header alone takes \(KSplatHeader.byteCount)")
        }
        let header = KSplatHeader(raw: raw)
        // The library reads 0.1 and later minor versions of major version 0 the same way.
        guard header.versionMajor == KSplatHeader.version.major, header.versionMinor >= KSplatHeader.version.minor else {
            throw fail("ksplat version \(header.versionMajor).\(header.versionMinor) is not supported (this reader takes version 0.1)")
        }
        guard (0...2).contains(header.compressionLevel) else {
            throw fail("ksplat compression level \(header.compressionLevel) is not supported (this reader takes levels 0, 1 and 2)")
        }
        let headersEnd = OpeningChecks.byteCount(header.maxSectionCount, each: KSplatHeader.sectionHeaderByteCount)
            .map { $0 + KSplatHeader.byteCount }
        guard header.maxSectionCount > 0 else { throw fail("the .ksplat header declares no sections") }
        guard let headersEnd, headersEnd <= raw.count else {
            throw fail("truncated .ksplat file: the header declares \(header.maxSectionCount) sections, whose headers "
                       + "need \(headersEnd.map(String.init) ?? "more than \(Int.max)") bytes, but the file holds only \(raw.count)")
        }
        var sections: [KSplatSection] = []
        var base = headersEnd, total = 0
        for i in 0..<header.maxSectionCount {
            var section = KSplatSection(raw: raw, at: KSplatHeader.byteCount + i * KSplatHeader.sectionHeaderByteCount,
                                        compressionLevel: header.compressionLevel)
            guard section.shDegree <= 2 else {
                throw fail("ksplat section \(i): SH degree \(section.shDegree) is not supported (the format stores degrees 0 to 2)")
            }
            if header.compressionLevel >= 1, section.bucketStorageByteCount != 12 {
                throw fail("ksplat section \(i): bucket storage of \(section.bucketStorageByteCount) bytes, expected 12 (three float32)")
            }
            let recordBytes = KSplatRecord.byteCount(compressionLevel: header.compressionLevel, shDegree: section.shDegree)
            guard let bucketBytes = section.bucketBytes,
                  let records = OpeningChecks.byteCount(section.maxSplatCount, each: recordBytes),
                  case let (storage, o1) = bucketBytes.addingReportingOverflow(records), !o1,
                  case let (end, o2) = base.addingReportingOverflow(storage), !o2, end <= raw.count else {
                throw fail("truncated .ksplat file: section \(i) declares \(section.maxSplatCount) Gaussians and "
                           + "\(section.bucketCount) buckets from byte \(base), past the file's \(raw.count) bytes")
            }
            section.base = base
            section.bucketsBase = base + 4 * section.partiallyFilledBucketCount
            section.dataBase = base + bucketBytes
            if header.compressionLevel >= 1 { try checkBuckets(section, index: i, raw: raw, fail: fail) }
            sections.append(section)
            base = end
            total += section.maxSplatCount
        }
        guard total == header.maxSplatCount else {
            throw fail("the .ksplat header declares \(header.maxSplatCount) Gaussians but its sections hold \(total)")
        }
        return (header, sections)
    }

    /// Levels 1 and 2 find each record's bucket by position: full buckets of `bucketSize` first,
    /// then the partial ones by their stored lengths, which together must cover the section.
    static func checkBuckets(_ s: KSplatSection, index i: Int, raw: UnsafeRawBufferPointer,
                             fail: (String) -> SceneFileError) throws {
        guard s.fullBucketCount <= s.bucketCount, s.bucketCount - s.fullBucketCount == s.partiallyFilledBucketCount else {
            throw fail("ksplat section \(i): \(s.fullBucketCount) full and \(s.partiallyFilledBucketCount) partially "
                       + "filled buckets do not make its \(s.bucketCount) buckets")
        }
        // Each term is at most 2^32 and there are at most a quarter as many as the file's bytes.
        var covered = OpeningChecks.byteCount(s.fullBucketCount, each: s.bucketSize) ?? Int.max
        for b in 0..<s.partiallyFilledBucketCount where covered <= s.maxSplatCount { covered += Int(raw.uint32(s.base + 4 * b)) }
        guard covered == s.maxSplatCount else {
            throw fail("ksplat section \(i): its buckets hold \(covered) Gaussians but it declares \(s.maxSplatCount)")
        }
    }
}

extension SceneFormatID {
    public static let ksplat = SceneFormatID(rawValue: "ksplat")
}
