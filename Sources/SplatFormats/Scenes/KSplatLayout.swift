import Foundation
import SplatCore

/// The headers of a `.ksplat` file (mkkellogg/GaussianSplats3D's SplatBuffer, version 0.1; facts
/// from its `SplatBuffer.parseHeader`/`parseSectionHeaders`), little-endian throughout:
///
/// main header, 4096 bytes: u8 version major, u8 minor, 2 unused; u32 max section count, section
/// count, max splat count, splat count; u16 compression level (at byte 20); f32 scene centre x, y, z
/// (byte 24); f32 min and max SH coefficient of compression level 2 (bytes 36, 40; 0 means ∓1.5);
/// zero padding.
///
/// then one 1024-byte header per section (max section count of them): u32 splat count, max splat
/// count, bucket size, bucket count; f32 bucket block size (byte 16); u16 bucket storage bytes
/// (byte 20, 12 = three f32); u32 compression scale range (byte 24, 0 means the level's default),
/// storage bytes, full bucket count, partially filled bucket count; u16 SH degree (byte 40).
///
/// then the sections' storage in order: u32 lengths of the partially filled buckets, the bucket
/// centres (3 × f32 each: full buckets first, then the partial ones), then max splat count records.
/// Like the library loading a whole file, the reader takes the max counts (the others count what a
/// progressive load has filled so far).
public struct KSplatHeader: Sendable, Equatable {
    public static let byteCount = 4096
    public static let sectionHeaderByteCount = 1024
    /// SplatBuffer.CurrentMajorVersion/CurrentMinorVersion: the layout above.
    public static let version = (major: 0, minor: 1)
    /// `Constants.SphericalHarmonics8BitCompressionRange / 2`: the SH range when the header stores 0.
    static let defaultSHHalfRange: Float = 1.5

    public var versionMajor: Int, versionMinor: Int
    public var maxSectionCount: Int, sectionCount: Int
    public var maxSplatCount: Int, splatCount: Int
    public var compressionLevel: Int
    public var sceneCenter: SIMD3<Float>
    /// The range compression level 2 maps its 8-bit SH coefficients onto.
    public var shRange: ClosedRange<Float>

    /// Reads the fields; `raw` holds at least `byteCount` bytes.
    init(raw: UnsafeRawBufferPointer) {
        versionMajor = Int(raw[0])
        versionMinor = Int(raw[1])
        maxSectionCount = Int(raw.uint32(4))
        sectionCount = Int(raw.uint32(8))
        maxSplatCount = Int(raw.uint32(12))
        splatCount = Int(raw.uint32(16))
        compressionLevel = Int(raw.uint16(20))
        sceneCenter = SIMD3(raw.float(24), raw.float(28), raw.float(32))
        // The library reads these as `value || default`: 0 and NaN take the default.
        func orDefault(_ v: Float, _ fallback: Float) -> Float { v == 0 || v.isNaN ? fallback : v }
        let low = orDefault(raw.float(36), -Self.defaultSHHalfRange)
        let high = orDefault(raw.float(40), Self.defaultSHHalfRange)
        shRange = min(low, high)...max(low, high)
    }

    /// Whether the bytes look like a SplatBuffer: the unused bytes and the padding after the fields
    /// are zero and at least one section is declared (the format has no magic number).
    static func looksLike(_ data: Data) -> Bool {
        guard data.count >= byteCount + sectionHeaderByteCount else { return false }
        return data.withUnsafeBytes { raw in
            raw[2] == 0 && raw[3] == 0 && raw.uint16(22) == 0 && raw.uint32(4) > 0
                && raw[44..<byteCount].allSatisfy { $0 == 0 }
        }
    }
}

/// One section's header and where its buckets and records lie in the file.
public struct KSplatSection: Sendable, Equatable {
    public var splatCount: Int, maxSplatCount: Int
    public var bucketSize: Int, bucketCount: Int
    public var bucketBlockSize: Float
    public var bucketStorageByteCount: Int
    public var compressionScaleRange: Int
    public var fullBucketCount: Int, partiallyFilledBucketCount: Int
    public var shDegree: Int
    /// Byte offsets in the file: the section's start (partial bucket lengths), its bucket centres
    /// and its first record.
    public var base = 0, bucketsBase = 0, dataBase = 0

    init(raw: UnsafeRawBufferPointer, at o: Int, compressionLevel: Int) {
        splatCount = Int(raw.uint32(o))
        maxSplatCount = Int(raw.uint32(o + 4))
        bucketSize = Int(raw.uint32(o + 8))
        bucketCount = Int(raw.uint32(o + 12))
        bucketBlockSize = raw.float(o + 16)
        bucketStorageByteCount = Int(raw.uint16(o + 20))
        let range = Int(raw.uint32(o + 24))
        compressionScaleRange = range != 0 ? range : KSplatRecord.defaultScaleRange(compressionLevel: compressionLevel)
        fullBucketCount = Int(raw.uint32(o + 32))
        partiallyFilledBucketCount = Int(raw.uint32(o + 36))
        shDegree = Int(raw.uint16(o + 40))
    }

    /// Bytes before the records: the partial bucket lengths and the bucket centres; nil on overflow.
    var bucketBytes: Int? {
        guard let centres = OpeningChecks.byteCount(bucketStorageByteCount, each: bucketCount),
              let lengths = OpeningChecks.byteCount(partiallyFilledBucketCount, each: 4) else { return nil }
        let (sum, overflow) = centres.addingReportingOverflow(lengths)
        return overflow ? nil : sum
    }
}

/// One Gaussian's record in a compression level (SplatBuffer.CompressionLevels): centre, scale,
/// rotation (w, x, y, z), colour (r, g, b, a bytes), then SH coefficients.
enum KSplatRecord {
    /// Level 0: float32 everywhere. Levels 1 and 2: centres as u16 offsets from the bucket centre,
    /// scales, rotations (and level 1's SH) as half floats; level 2's SH as u8.
    static func componentBytes(compressionLevel: Int) -> (float: Int, sh: Int) {
        switch compressionLevel {
        case 0: return (4, 4)
        case 1: return (2, 2)
        default: return (2, 1)
        }
    }

    /// SH coefficients after the DC term, three channels: 9 for degree 1, 24 for degree 2.
    static func shComponents(degree: Int) -> Int { 3 * ((degree + 1) * (degree + 1) - 1) }

    static func byteCount(compressionLevel: Int, shDegree: Int) -> Int {
        let (float, sh) = componentBytes(compressionLevel: compressionLevel)
        return 10 * float + 4 + sh * shComponents(degree: shDegree)
    }

    /// Byte offsets inside a record.
    static func offsets(compressionLevel: Int) -> (scale: Int, rotation: Int, colour: Int, sh: Int) {
        let float = componentBytes(compressionLevel: compressionLevel).float
        return (3 * float, 6 * float, 10 * float, 10 * float + 4)
    }

    /// `CompressionLevels[level].ScaleRange`: what a stored 0 in the section header stands for.
    static func defaultScaleRange(compressionLevel: Int) -> Int { compressionLevel == 0 ? 1 : 32767 }
}

extension UnsafeRawBufferPointer {
    @inline(__always) func uint16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
}
