import Foundation
import SplatCore

/// The antimatter15 `.splat` layout: no header, 32 little-endian bytes per Gaussian:
/// f32 x, y, z; f32 scale x, y, z (linear); u8 r, g, b, a; u8 rotation w, x, y, z (q·128 + 128).
///
/// Mapped to SH degree 0 the way the outside reference image was made (data/README.md):
/// f_dc = (rgb/255 − 0.5)/C0, so 0.5 + C0·f_dc gives rgb/255 back; opacity = a/255 clamped to
/// [1e-4, 1 − 1e-4]; rotation = (byte − 128)/128, normalised.
public struct AntimatterSplat: SceneFormat {
    public static let recordByteCount = 32

    public init() {}
    public var id: SceneFormatID { .antimatterSplat }
    public var extensionsForDamagedFiles: [String] { ["splat"] }

    public func detects(_ source: SceneSource) -> Bool { source.data.map(Self.looksLikeSplat) ?? false }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        LoadedScene(format: id, formatDetail: "antimatter15", cloud: try Self.decode(data: source.bytes(), path: source.path))
    }

    public func encode(_ scene: TemporalCloud) throws -> Data {
        guard scene.isStatic else { throw SceneEncodingError(format: id, problem: "holds one static cloud: the scene moves") }
        return Self.encode(scene.canonical)
    }

    public func fuzzSeeds() -> [FuzzSeed] { [FuzzSeed("tiny.splat", Self.encode(SeedScenes.staticCloud()))] }

    /// A cheap content test (the format has no magic): a positive multiple of 32 bytes whose first
    /// record holds finite floats.
    public static func looksLikeSplat(_ data: Data) -> Bool {
        guard !data.isEmpty, data.count % recordByteCount == 0 else { return false }
        return data.withUnsafeBytes { raw in
            (0..<6).allSatisfy { float(raw, $0 * 4).isFinite }
        }
    }

    public static func decode(data: Data, path: String) throws -> SplatCloud {
        let checks = OpeningChecks(path: path)
        let fail = checks.fail
        guard !data.isEmpty else { throw fail("the file holds no Gaussians") }
        guard data.count % recordByteCount == 0 else {
            throw fail("truncated .splat file: \(data.count) bytes is not a multiple of the "
                       + "\(recordByteCount)-byte record size")
        }
        let n = data.count / recordByteCount
        try checks.gaussians(n, shDegree: 0, temporal: false)
        var positions: [SIMD3<Float>] = []
        var scales: [SIMD3<Float>] = []
        var rotations: [SIMD4<Float>] = []
        var opacities: [Float] = []
        var sh: [Float] = []
        positions.reserveCapacity(n)
        scales.reserveCapacity(n)
        rotations.reserveCapacity(n)
        opacities.reserveCapacity(n)
        sh.reserveCapacity(n * 3)
        try data.withUnsafeBytes { raw in
            for i in 0..<n {
                let o = i * recordByteCount
                let fields = (0..<6).map { float(raw, o + $0 * 4) }
                try fields.withUnsafeBufferPointer { try checks.finite($0, names: fieldNames, field: "field", of: "Gaussian \(i)") }
                if let bad = fields[3...].firstIndex(where: { $0 < 0 }) {
                    throw fail("negative scale in field '\(fieldNames[bad])' of Gaussian \(i)")
                }
                positions.append(SIMD3(fields[0], fields[1], fields[2]))
                scales.append(SIMD3(fields[3], fields[4], fields[5]))
                for c in 0..<3 {
                    sh.append(Float((Double(raw[o + 24 + c]) / 255 - 0.5) / SphericalHarmonics.c0InDouble))
                }
                opacities.append(Swift.min(Swift.max(Float(raw[o + 27]) / 255, 1e-4), 1 - 1e-4))
                let q = SIMD4<Float>((0..<4).map { (Float(raw[o + 28 + $0]) - 128) / 128 })
                rotations.append(normalizedQuaternion(q))
            }
        }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations,
                          opacities: opacities, shDegree: 0, sh: sh)
    }

    static let fieldNames = ["x", "y", "z", "scale_x", "scale_y", "scale_z"]

    @inline(__always) static func float(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// The inverse mapping (SH degree 0 colour, opacity and quaternion rounded to bytes), for
    /// seeds and exports: colour byte = round(255·clamp(0.5 + C0·dc)), alpha = round(255·opacity),
    /// quaternion byte = clamp(round(q·128 + 128), 0, 255).
    public static func encode(_ cloud: SplatCloud) -> Data {
        var out = Data(capacity: cloud.count * recordByteCount)
        func byte(_ v: Float) -> UInt8 { UInt8(min(max((v).rounded(), 0), 255)) }
        for i in 0..<cloud.count {
            for v in [cloud.positions[i].x, cloud.positions[i].y, cloud.positions[i].z,
                      cloud.scales[i].x, cloud.scales[i].y, cloud.scales[i].z] {
                withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
            let dc = cloud.shCoefficient(i, 0)
            let rgb = (SphericalHarmonics.c0 * dc + 0.5) * 255
            out.append(contentsOf: [byte(rgb.x), byte(rgb.y), byte(rgb.z), byte(cloud.opacities[i] * 255)])
            let q = cloud.rotations[i]
            out.append(contentsOf: [byte(q.x * 128 + 128), byte(q.y * 128 + 128), byte(q.z * 128 + 128), byte(q.w * 128 + 128)])
        }
        return out
    }
}

extension SceneFormatID {
    public static let antimatterSplat = SceneFormatID(rawValue: "splat")
}
