import Foundation
import SplatCore

/// Niantic's SPZ, versions 2, 3 and 4 (facts from the nianticlabs/spz format description). Versions 2 and 3: one gzip
/// stream holding a 16-byte header (u32 magic "NGSP", u32 version, u32 count, u8 SH degree, u8
/// fractional bits, u8 flags, u8 reserved) and then, attribute by attribute for all Gaussians:
/// positions (3 × 24-bit signed fixed point, value/2^fractionalBits), alphas (u8, activated),
/// colours (u8: f_dc = (b/255 − 0.5)/0.15), scales (u8: log scale = b/16 − 10), rotations (v2: x, y, z
/// as b/127.5 − 1 with w ≥ 0 implied; v3: "smallest three" in a u32), then SH coefficients 1… as
/// u8 (b − 128)/128, coefficient-major with the three channels inner.
///
/// SPZ stores right-up-back axes (OpenGL); Splat4D's scenes are the 3DGS PLY's right-down-forward,
/// so y and z flip: positions (x, −y, −z), quaternions (w, x, −y, −z), and the SH coefficients odd
/// in y and z change sign. Flag bit 0 marks a scene trained antialiased. Version 4 keeps version
/// 3's arrays, each in its own zstd stream behind a plain header (SPZStreams).
public struct SPZ: SceneFormat {
    public static let magic: UInt32 = 0x5053_474E  // "NGSP" little-endian
    public static let headerByteCount = 16
    static let colourScale: Float = 0.15
    public static let antialiasedFlag: UInt8 = 0x1
    public static let extensionsFlag: UInt8 = 0x2

    public init() {}
    public var id: SceneFormatID { .spz }
    public var extensionsForDamagedFiles: [String] { ["spz"] }

    /// A gzip stream whose first inflated bytes are the NGSP magic, or SPZ 4's plain NGSP header.
    public func detects(_ source: SceneSource) -> Bool {
        guard let data = source.data, data.count >= 4 else { return false }
        if data.prefix(4).elementsEqual(Self.magicBytes) { return true }
        guard data.starts(with: [0x1F, 0x8B]), let head = Inflate.prefix(data, count: 4, wrapper: .gzip) else { return false }
        return head.elementsEqual(Self.magicBytes)
    }

    static let magicBytes: [UInt8] = [0x4E, 0x47, 0x53, 0x50]

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let file = try Self.decode(data: source.bytes(), path: source.path)
        return LoadedScene(format: id, formatDetail: "version \(file.version)\(file.antialiased ? ", antialiased" : "")",
                           cloud: file.cloud, antialiased: file.antialiased)
    }

    public func encode(_ scene: TemporalCloud) throws -> Data {
        guard scene.isStatic else { throw SceneEncodingError(format: id, problem: "holds one static cloud: the scene moves") }
        return Self.encode(scene.canonical)
    }

    public func fuzzSeeds() -> [FuzzSeed] {
        [FuzzSeed("tiny-v3.spz", Self.encode(SeedScenes.staticCloud())),
         FuzzSeed("tiny-v2.spz", Self.encode(SeedScenes.staticCloud(), version: 2, antialiased: true)),
         FuzzSeed("tiny-v4.spz", Self.encode(SeedScenes.staticCloud(), version: 4, antialiased: true))]
    }

    /// A decoded SPZ file: the cloud in Splat4D's axes, and what the header said.
    public struct File: Sendable {
        public var cloud: SplatCloud
        public var version: Int
        public var antialiased: Bool
    }

    // MARK: - Reading

    public static func decode(data: Data, path: String) throws -> File {
        let checks = OpeningChecks(path: path)
        let fail = checks.fail
        try checks.nonEmpty(data)
        if data.count >= 8, data.prefix(4).elementsEqual(magicBytes) {
            // Version 4 and later: a plain header and zstd streams.
            let version = data.withUnsafeBytes { $0.uint32(4) }
            guard version == SPZStreams.version else {
                throw fail("SPZ version \(version) is not supported (this reader takes versions 2 and 3 in one gzip stream, and version 4)")
            }
            let (header, payload) = try SPZStreams.read(data, checks: checks)
            let layout = Layout(count: Int(header.count), shDegree: Int(header.shDegree), version: Int(header.version))
            let cloud = payload.withUnsafeBytes { layout.cloud(from: $0, fractionalBits: Int(header.fractionalBits)) }
            return File(cloud: cloud, version: Int(header.version), antialiased: header.flags & antialiasedFlag != 0)
        }
        guard data.starts(with: [0x1F, 0x8B]) else { throw fail("not an SPZ file (no gzip stream)") }
        guard let head = Inflate.prefix(data, count: headerByteCount, wrapper: .gzip), head.count == headerByteCount else {
            throw fail("truncated SPZ file: the gzip stream ends before the \(headerByteCount)-byte header")
        }
        let header = head.withUnsafeBytes { Header(raw: $0) }
        guard header.magic == magic else { throw fail("not an SPZ file (the gzip stream does not start with NGSP)") }
        guard header.version == 2 || header.version == 3 else {
            throw fail("SPZ version \(header.version) is not supported (this reader takes versions 2 and 3 in one gzip stream, and version 4)")
        }
        try validate(header, checks: checks)
        let n = Int(header.count)
        let layout = Layout(count: n, shDegree: Int(header.shDegree), version: Int(header.version))
        // DEFLATE expands at most 1032:1 (RFC 1951's longest match per the fewest bits): a header
        // declaring more than that of the file's bytes is damaged, before anything is allocated.
        guard layout.byteCount <= OpeningChecks.byteCount(data.count, each: 1032) ?? Int.max else {
            throw fail("SPZ header declares \(n) Gaussians (\(layout.byteCount) bytes) but the file holds only \(data.count) compressed bytes")
        }
        let hasExtensions = header.flags & extensionsFlag != 0
        let bytes: [UInt8]
        do {
            // Extension records may follow the attributes; without them the size is exact.
            bytes = try Inflate.decompress(data, expectedSize: hasExtensions ? nil : layout.byteCount,
                                           limit: layout.byteCount + (hasExtensions ? 1 << 24 : 0), wrapper: .gzip)
        } catch let error as InflateError {
            throw fail("damaged SPZ gzip stream (\(error.reason))")
        }
        guard bytes.count >= layout.byteCount else {
            throw fail("truncated SPZ file: \(bytes.count) bytes inflated, \(layout.byteCount) needed for \(n) Gaussians")
        }
        let cloud = bytes.withUnsafeBytes { layout.cloud(from: $0, fractionalBits: Int(header.fractionalBits)) }
        return File(cloud: cloud, version: Int(header.version), antialiased: header.flags & antialiasedFlag != 0)
    }

    /// The header fields every version shares: SH degree, fractional bits, and a count the
    /// memory budget holds.
    static func validate(_ header: Header, checks: OpeningChecks) throws {
        guard header.shDegree <= 3 else { throw checks.fail("SPZ SH degree \(header.shDegree) is not 0 to 3") }
        guard header.fractionalBits <= 23 else { throw checks.fail("SPZ fractional bits \(header.fractionalBits) is more than 23") }
        try checks.gaussians(Int(header.count), shDegree: Int(header.shDegree), temporal: false)
    }

    struct Header {
        var magic: UInt32, version: UInt32, count: UInt32
        var shDegree: UInt8, fractionalBits: UInt8, flags: UInt8

        init(magic: UInt32 = SPZ.magic, version: UInt32, count: UInt32, shDegree: UInt8, fractionalBits: UInt8, flags: UInt8) {
            self.magic = magic
            self.version = version
            self.count = count
            self.shDegree = shDegree
            self.fractionalBits = fractionalBits
            self.flags = flags
        }

        init(raw: UnsafeRawBufferPointer) {
            self.init(magic: raw.uint32(0), version: raw.uint32(4), count: raw.uint32(8),
                      shDegree: raw[12], fractionalBits: raw[13], flags: raw[14])
        }

        var bytes: [UInt8] {
            var out: [UInt8] = []
            for word in [magic, version, count] { withUnsafeBytes(of: word.littleEndian) { out += $0 } }
            return out + [shDegree, fractionalBits, flags, 0]
        }
    }

    /// Where each attribute array starts, for a count, SH degree and version.
    struct Layout {
        let count: Int, shDegree: Int, version: Int
        var rotationBytes: Int { version >= 3 ? 4 : 3 }
        var shCoefficients: Int { SplatCloud.coefficientCount(degree: shDegree) - 1 }
        var alphas: Int { headerByteCount + 9 * count }
        var colours: Int { alphas + count }
        var scales: Int { colours + 3 * count }
        var rotations: Int { scales + 3 * count }
        var sh: Int { rotations + rotationBytes * count }
        var byteCount: Int { sh + 3 * shCoefficients * count }

        func cloud(from raw: UnsafeRawBufferPointer, fractionalBits: Int) -> SplatCloud {
            let k = shCoefficients + 1
            let unit = 1 / Float(1 << fractionalBits)
            var positions = [SIMD3<Float>](), scalesOut = [SIMD3<Float>](), rotationsOut = [SIMD4<Float>](), opacities = [Float]()
            positions.reserveCapacity(count)
            scalesOut.reserveCapacity(count)
            rotationsOut.reserveCapacity(count)
            opacities.reserveCapacity(count)
            var shOut = [Float](repeating: 0, count: count * k * 3)
            for i in 0..<count {
                var p = SIMD3<Float>()
                for axis in 0..<3 {
                    let o = headerByteCount + 9 * i + 3 * axis
                    // 24-bit two's complement: shift into the top of an Int32 and back.
                    let fixed = Int32(bitPattern: UInt32(raw[o]) << 8 | UInt32(raw[o + 1]) << 16 | UInt32(raw[o + 2]) << 24) >> 8
                    p[axis] = Float(fixed) * unit
                }
                positions.append(p * axisFlip)
                opacities.append(min(max(Float(raw[alphas + i]) / 255, 1e-4), 1 - 1e-4))
                scalesOut.append(SIMD3((0..<3).map { exp(Float(raw[scales + 3 * i + $0]) / 16 - 10) }))
                let xyzw = version >= 3 ? SPZ.unpackSmallestThree(raw.uint32(rotations + 4 * i))
                    : SPZ.unpackFirstThree(raw[rotations + 3 * i], raw[rotations + 3 * i + 1], raw[rotations + 3 * i + 2])
                rotationsOut.append(normalizedQuaternion(SIMD4(xyzw.w, xyzw.x, -xyzw.y, -xyzw.z)))
                for c in 0..<3 {
                    shOut[i * k * 3 + c] = (Float(raw[colours + 3 * i + c]) / 255 - 0.5) / colourScale
                }
                for j in 0..<(3 * shCoefficients) {
                    let coefficient = 1 + j / 3
                    shOut[i * k * 3 + 3 + j] = (Float(raw[sh + 3 * shCoefficients * i + j]) - 128) / 128 * SPZ.shFlip[coefficient]
                }
            }
            return SplatCloud(positions: positions, scales: scalesOut, rotations: rotationsOut, opacities: opacities,
                              shDegree: shDegree, sh: shOut)
        }
    }

    /// Right-up-back ↔ right-down-forward: a half turn about x (its own inverse).
    static let axisFlip = SIMD3<Float>(1, -1, -1)

    /// Sign of each real SH basis function (3DGS order) under (x, y, z) → (x, −y, −z): −1 where the
    /// polynomial is odd in y and z together (degree 1: y, z, x; degree 2: xy, yz, 3z²−1, xz, x²−y²; …).
    static let shFlip: [Float] = [1, -1, -1, 1, -1, 1, 1, -1, 1, -1, 1, -1, -1, 1, -1, 1]

    /// Version 2: x, y, z bytes (b/127.5 − 1), w = √(1 − x² − y² − z²) ≥ 0. Returns (x, y, z, w).
    static func unpackFirstThree(_ x: UInt8, _ y: UInt8, _ z: UInt8) -> SIMD4<Float> {
        let v = SIMD3(Float(x), Float(y), Float(z)) / 127.5 - 1
        return SIMD4(v, max(0, 1 - (v * v).sum()).squareRoot())
    }

    /// Version 3: bits 30–31 name the largest of (x, y, z, w), left out and positive; the other
    /// three, in order, take 10 bits each from the top down (9 bits of magnitude in units of
    /// 1/(511·√2), then a sign bit above them). Returns (x, y, z, w).
    static func unpackSmallestThree(_ word: UInt32) -> SIMD4<Float> {
        let largest = Int(word >> 30)
        var q = SIMD4<Float>()
        var rest = word
        var sumSquares: Float = 0
        for axis in stride(from: 3, through: 0, by: -1) where axis != largest {
            let magnitude = Float(rest & 0x1FF) / 511 / Float(2).squareRoot()
            q[axis] = rest & 0x200 != 0 ? -magnitude : magnitude
            sumSquares += magnitude * magnitude
            rest >>= 10
        }
        q[largest] = max(0, 1 - sumSquares).squareRoot()
        return q
    }

    static func packSmallestThree(_ xyzw: SIMD4<Float>) -> UInt32 {
        var q = xyzw / max((xyzw * xyzw).sum().squareRoot(), .leastNormalMagnitude)
        let largest = (0..<4).max { abs(q[$0]) < abs(q[$1]) }!
        if q[largest] < 0 { q = -q }
        var word: UInt32 = 0
        for axis in 0..<4 where axis != largest {
            let magnitude = UInt32(min(max((abs(q[axis]) * Float(2).squareRoot() * 511).rounded(), 0), 511))
            word = word << 10 | (q[axis] < 0 ? 0x200 : 0) | magnitude
        }
        return word | UInt32(largest) << 30
    }

    // MARK: - Writing

    /// The cloud as SPZ (version 3 unless asked: the version most readers take), 12 fractional bits
    /// as Niantic's writer uses, or fewer when a coordinate would not fit in 24 bits.
    public static func encode(_ cloud: SplatCloud, version: Int = 3, antialiased: Bool = false) -> Data {
        precondition((2...4).contains(version), "SPZ writer takes versions 2, 3 and 4")
        let n = cloud.count, k = cloud.coefficientsPerGaussian
        let extent = cloud.positions.reduce(Float(0)) { max($0, abs($1.x), abs($1.y), abs($1.z)) }
        var fractionalBits = 12
        while fractionalBits > 0 && extent * Float(1 << fractionalBits) >= Float(1 << 23) { fractionalBits -= 1 }
        let layout = Layout(count: n, shDegree: cloud.shDegree, version: version)
        let header = Header(version: UInt32(version), count: UInt32(n), shDegree: UInt8(cloud.shDegree),
                            fractionalBits: UInt8(fractionalBits), flags: antialiased ? antialiasedFlag : 0)
        var out = [UInt8](repeating: 0, count: layout.byteCount)
        out.replaceSubrange(0..<headerByteCount, with: header.bytes)
        func byte(_ v: Float) -> UInt8 { UInt8(min(max(v.rounded(), 0), 255)) }
        let scale = Float(1 << fractionalBits)
        for i in 0..<n {
            let p = cloud.positions[i] * axisFlip
            for axis in 0..<3 {
                let fixed = Int32(min(max((p[axis] * scale).rounded(), -8_388_608), 8_388_607))
                let bits = UInt32(bitPattern: fixed)
                for b in 0..<3 { out[headerByteCount + 9 * i + 3 * axis + b] = UInt8(truncatingIfNeeded: bits >> UInt32(8 * b)) }
            }
            out[layout.alphas + i] = byte(cloud.opacities[i] * 255)
            let dc = cloud.shCoefficient(i, 0)
            for c in 0..<3 {
                out[layout.colours + 3 * i + c] = byte((dc[c] * colourScale + 0.5) * 255)
                out[layout.scales + 3 * i + c] = byte((log(max(cloud.scales[i][c], .leastNormalMagnitude)) + 10) * 16)
            }
            // Splat4D's (w, x, y, z) in right-down-forward to SPZ's (x, y, z, w) in right-up-back.
            let r = cloud.rotations[i]
            var xyzw = SIMD4(r[1], -r[2], -r[3], r[0])
            if version >= 3 {
                let word = packSmallestThree(xyzw)
                for b in 0..<4 { out[layout.rotations + 4 * i + b] = UInt8(truncatingIfNeeded: word >> UInt32(8 * b)) }
            } else {
                xyzw /= max((xyzw * xyzw).sum().squareRoot(), .leastNormalMagnitude)
                if xyzw.w < 0 { xyzw = -xyzw }
                for axis in 0..<3 { out[layout.rotations + 3 * i + axis] = byte((xyzw[axis] + 1) * 127.5) }
            }
            for j in 0..<(3 * (k - 1)) {
                let coefficient = 1 + j / 3
                out[layout.sh + 3 * (k - 1) * i + j] = byte(cloud.sh[i * k * 3 + 3 + j] * shFlip[coefficient] * 128 + 128)
            }
        }
        if version == Int(SPZStreams.version) { return SPZStreams.write(header, payload: out, layout: layout) }
        return out.withUnsafeBytes { Deflate.compress($0, wrapper: .gzip) }
    }
}

extension SceneFormatID {
    public static let spz = SceneFormatID(rawValue: "spz")
}
