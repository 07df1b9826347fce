import Foundation

/// Dynamic 3D Gaussians `params.npz` (JonathonLuiten/Dynamic3DGaussians): a ZIP of .npy arrays,
/// read in memory (never extracted to disk).
///   means3D (T,N,3), unnorm_rotations (T,N,4; w,x,y,z, normalised here), rgb_colors (T,N,3; plain
///   RGB, not SH), log_scales (N,1 isotropic or N,3), logit_opacities (N,1). Other members ignored.
/// Timestep k is at time k (frames), or k / frameRate seconds. Consecutive timesteps interpolate
/// (Keyframes): the trainer renders integer timesteps only, so in-between times are ours.
public enum DynamicGaussiansNPZ {
    static let required = ["means3D", "unnorm_rotations", "rgb_colors", "log_scales", "logit_opacities"]

    public static func matches(_ data: Data) -> Bool {
        guard ZipArchive.hasZipMagic(data), let zip = try? ZipArchive(data: data, path: "") else { return false }
        return zip.entry(named: "means3D.npy") != nil
    }

    /// Decompressed members may not exceed this many times the file's size (deflate's best ratio
    /// is about 1000:1; float arrays compress far less) nor 4 GiB: a lying header cannot make us
    /// allocate more.
    static func memberLimit(fileSize: Int) -> Int { min(4 << 30, max(64 << 20, fileSize * 64)) }

    public static func scene(data: Data, path: String, frameRate: Double?) throws -> TemporalCloud {
        let zip = try ZipArchive(data: data, path: path)
        let limit = memberLimit(fileSize: data.count)
        func array(_ name: String) throws -> NPYArray {
            guard zip.entry(named: "\(name).npy") != nil else {
                throw SceneFileError(path: path, problem: "npz has no '\(name)' array (Dynamic 3D Gaussians params need \(required.joined(separator: ", ")))")
            }
            return try NPYArray.parse(try zip.read("\(name).npy", limit: limit), name: "\(name).npy", path: path)
        }
        let means = try array("means3D"), rotations = try array("unnorm_rotations"), colours = try array("rgb_colors")
        let logScales = try array("log_scales"), logitOpacities = try array("logit_opacities")
        func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: problem) }
        guard means.shape.count == 3, means.shape[2] == 3 else { throw fail("means3D must have shape (T, N, 3), got \(means.shape)") }
        let (t, n) = (means.shape[0], means.shape[1])
        guard t > 0, n > 0 else { throw fail("the file holds no Gaussians") }
        try MemoryBudget.check(gaussians: n, frames: t, shDegree: 0, temporal: false, path: path)
        guard rotations.shape == [t, n, 4] else { throw fail("unnorm_rotations must have shape (\(t), \(n), 4), got \(rotations.shape)") }
        guard colours.shape == [t, n, 3] else { throw fail("rgb_colors must have shape (\(t), \(n), 3), got \(colours.shape)") }
        guard logScales.shape == [n, 1] || logScales.shape == [n, 3] else {
            throw fail("log_scales must have shape (\(n), 1) or (\(n), 3), got \(logScales.shape)")
        }
        guard logitOpacities.shape == [n, 1] || logitOpacities.shape == [n] else {
            throw fail("logit_opacities must have shape (\(n), 1), got \(logitOpacities.shape)")
        }
        for (name, a) in [("means3D", means), ("unnorm_rotations", rotations), ("rgb_colors", colours),
                          ("log_scales", logScales), ("logit_opacities", logitOpacities)] {
            if let bad = a.values.firstIndex(where: { !$0.isFinite }) {
                throw fail("non-finite value in '\(name)' at element \(bad)")
            }
        }
        let isotropic = logScales.shape[1] == 1
        let scales = (0..<n).map { i -> SIMD3<Float> in
            isotropic ? SIMD3(repeating: exp(logScales.values[i]))
                : SIMD3(exp(logScales.values[i * 3]), exp(logScales.values[i * 3 + 1]), exp(logScales.values[i * 3 + 2]))
        }
        let opacities = logitOpacities.values.map(sigmoid)
        var frames: [SplatCloud] = []
        frames.reserveCapacity(t)
        for k in 0..<t {
            var positions = [SIMD3<Float>](), quaternions = [SIMD4<Float>](), sh = [Float]()
            positions.reserveCapacity(n)
            quaternions.reserveCapacity(n)
            sh.reserveCapacity(3 * n)
            for i in 0..<n {
                let p = (k * n + i) * 3, q = (k * n + i) * 4
                positions.append(SIMD3(means.values[p], means.values[p + 1], means.values[p + 2]))
                quaternions.append(normalizedQuaternion(SIMD4(rotations.values[q], rotations.values[q + 1],
                                                              rotations.values[q + 2], rotations.values[q + 3])))
                for c in 0..<3 { sh.append((colours.values[p + c] - 0.5) / SphericalHarmonics.c0) }
            }
            frames.append(SplatCloud(positions: positions, scales: scales, rotations: quaternions, opacities: opacities,
                                     shDegree: 0, sh: sh))
        }
        let step = frameRate.map { 1 / $0 } ?? 1
        let times = (0..<t).map { Float(Double($0) * step) }
        return TemporalCloud(keyframes: Keyframes(times: times, frames: frames),
                             metadata: SceneMetadata(timeRange: times.first!...times.last!,
                                                     timeUnit: frameRate == nil ? "frames" : "seconds", frameRate: frameRate))
    }

    /// Writes keyframes with the same Gaussians (SH degree 0, shared scales and opacities: the
    /// first frame's) as a params.npz with stored (uncompressed) members.
    public static func write(_ frames: [SplatCloud]) -> Data {
        let n = frames[0].count, t = frames.count
        var means = [Float](), rotations = [Float](), colours = [Float]()
        for f in frames {
            for i in 0..<n {
                let p = f.positions[i], q = f.rotations[i]
                means += [p.x, p.y, p.z]
                rotations += [q.x, q.y, q.z, q.w]
                for c in 0..<3 { colours.append(SphericalHarmonics.c0 * f.sh[i * 3 + c] + 0.5) }
            }
        }
        let first = frames[0]
        let logScales = first.scales.flatMap { [log($0.x), log($0.y), log($0.z)] }
        let logits = first.opacities.map { o -> Float in
            let c = min(max(o, 1e-6), 1 - 1e-6)
            return log(c / (1 - c))
        }
        return ZipWriter.stored([
            ("means3D.npy", NPYWriter.float32(means, shape: [t, n, 3])),
            ("unnorm_rotations.npy", NPYWriter.float32(rotations, shape: [t, n, 4])),
            ("rgb_colors.npy", NPYWriter.float32(colours, shape: [t, n, 3])),
            ("log_scales.npy", NPYWriter.float32(logScales, shape: [n, 3])),
            ("logit_opacities.npy", NPYWriter.float32(logits, shape: [n, 1])),
        ])
    }
}

/// Writes little-endian float32 .npy arrays (format version 1.0).
enum NPYWriter {
    static func float32(_ values: [Float], shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + length (2) + header + newline must be a multiple of 64.
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        out += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        out += Array(header.utf8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }
}

/// Writes a ZIP archive of stored (uncompressed) members (PKWARE APPNOTE: local headers, central
/// directory, end record), enough for writing npz files.
enum ZipWriter {
    static func stored(_ members: [(name: String, bytes: [UInt8])]) -> Data {
        var out = [UInt8](), central = [UInt8]()
        func u16(_ v: Int, _ into: inout [UInt8]) { into += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: UInt32, _ into: inout [UInt8]) { for s in stride(from: 0, to: 32, by: 8) { into.append(UInt8((v >> UInt32(s)) & 0xFF)) } }
        for member in members {
            let name = Array(member.name.utf8), crc = CRC32.checksum(member.bytes), offset = out.count
            u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0x21, &out)
            u32(crc, &out); u32(UInt32(member.bytes.count), &out); u32(UInt32(member.bytes.count), &out)
            u16(name.count, &out); u16(0, &out); out += name; out += member.bytes
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0x21, &central); u32(crc, &central)
            u32(UInt32(member.bytes.count), &central); u32(UInt32(member.bytes.count), &central)
            u16(name.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(0, &central); u32(UInt32(offset), &central); central += name
        }
        let directoryOffset = out.count
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(members.count, &out); u16(members.count, &out)
        u32(UInt32(central.count), &out); u32(UInt32(directoryOffset), &out); u16(0, &out)
        return Data(out)
    }
}
