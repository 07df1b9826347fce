import Foundation
import SplatCore

/// The splaTV `.splatv` container (antimatter15/splaTV): Spacetime-Gaussians-lite data packed for a
/// WebGL2 RGBA32UI texture, behind a small JSON header that may carry the training cameras.
///
/// Facts relied on, all from antimatter15/splaTV `hybrid.js` at commit 8b313fea028d (the viewer that
/// writes and reads this layout; `splatxr.js` at 16ee82e88282 reads it the same way). The repository
/// has no separate convert script: `hybrid.js`'s worker (`processPlyBuffer`) converts an STG-lite PLY
/// in the browser and the page downloads the result as model.splatv.
///
/// Container (`main`'s texdata handler writes it; `chunkHandler` and `readChunks` read it):
/// - bytes 0..<8: two little-endian u32, the magic 0x674b (bytes "Kg\0\0"; the reader throws "This
///   does not look like a splatv file" otherwise) and the byte length of the JSON that follows.
/// - the JSON (UTF-8) is a list of chunk descriptors. The writer emits one:
///   `{type: "splat", size: texdata.byteLength, texwidth, texheight, cameras}`, `cameras` being a
///   3DGS cameras.json list (id, img_name, width, height, position, rotation rows camera-to-world,
///   fx, fy). The reader queues every descriptor and then reads the chunks' bodies back to back,
///   `size` bytes each, right after the JSON; a chunk whose type is not "splat" is read and only
///   logged, so unknown chunks are skipped by their size. Bytes after the last chunk are not read.
/// - a "splat" chunk is the texture itself: its Gaussian count is floor(size / 64) (the worker's
///   `vertexCount = floor(byteLength / 4 / 16)`). The writer uses texwidth = 4096 texels (1024
///   Gaussians a row; the shader's `(index & 0x3ff) << 2 | k, index >> 10` addressing assumes it) and
///   texheight = ceil(4n / 4096), and zero-fills the rest of the last row, so `size` =
///   texwidth·texheight·16 and the tail of the chunk is all-zero padding records.
///
/// One Gaussian = 4 RGBA32UI texels = 16 little-endian u32 words (packer in `processPlyBuffer`;
/// unpacking in the vertex shader; `packHalf2x16(a, b)` = half(a) | half(b) << 16 and GLSL
/// `unpackHalf2x16(w)` gives .x = low half, .y = high half):
///   word 0, 1, 2   f32 x, y, z
///   word 3, 4      half2(rot_0, rot_1), half2(rot_2, rot_3): the shader's `rot` is
///                  (rot_0, rot_1, rot_2, rot_3) and its rotation matrix uses rot.x as the real
///                  part (R00 = 1 − 2(rot.z² + rot.w²)), so the order is w, x, y, z as in 3DGS PLYs
///   word 5, 6      half2(exp(scale_0), exp(scale_1)), half2(exp(scale_2), unused): linear scales
///   word 7         RGBA8, r in the lowest byte: r,g,b = clamp(f_dc_k·255) (STG-lite f_dc is plain
///                  RGB; the shader divides the bytes by 255 and uses them as colour, no SH), and
///                  a = sigmoid(opacity)·255 (both stored through a Uint8Array, so truncated)
///   word 8...12    half2(motion_0, motion_1) ... half2(motion_8, unused); the shader's
///                  tpos = (m0, m1, m2)·dt + (m3, m4, m5)·dt² + (m6, m7, m8)·dt³
///   word 13, 14    half2(omega_0, omega_1), half2(omega_2, omega_3); rot = rot + omega·dt, then
///                  divided by its length
///   word 15        half2(trbf_center, exp(trbf_scale)); dt = time − trbf_center and
///                  topacity = exp(−(dt / exp(trbf_scale))²): no ½ in the falloff
/// - The viewer drives `time` with sin(now/1000)/2 + 1/2, so a file covers t in [0, 1].
/// - The writer's `floatToHalf` truncates the mantissa and turns anything at or above 2^16 (and NaN)
///   into ±∞; so a real file may hold an infinite exp(trbf_scale), which here means "no falloff".
/// - The shader also skips a Gaussian whose topacity < 0.02 (a viewer cull, not part of the model;
///   as DESIGN.md §4 and the STG trainer, this loader uses falloffCutoff 0).
///
/// Mapping to TemporalCloud: rotations raw (w, x, y, z), scales linear, opacity = a/255, SH degree 0
/// with dc = (rgb/255 − 0.5)/C0 (so 0.5 + C0·dc gives rgb/255 back), velocities/accelerations/jerks
/// = motion_0..2/3..5/6..8, angularVelocities = omega_0..3, timeCenters = trbf_center, timeScales =
/// the stored (already exponentiated) trbf scale; falloffCutoff 0; metadata: time range 0...1 in
/// "segment" units, cameras from the splat chunk. Trailing all-zero records (the texture padding)
/// are dropped. Hostile-input rules: the JSON length and every chunk are checked against the file
/// before anything is read or allocated, and a non-finite used field (±∞ is allowed for the trbf
/// scale only) or a negative scale is an error naming the Gaussian.
public struct SplatV: SceneFormat {
    public static let magic: UInt32 = 0x674b
    /// Bytes per Gaussian: four RGBA32UI texels.
    public static let recordByteCount = 64
    /// The texture width the viewer's shader addresses (1024 Gaussians a row).
    public static let textureWidth = 4096

    public init() {}
    public var id: SceneFormatID { .splatv }

    public func detects(_ source: SceneSource) -> Bool { source.data.map(Self.looksLikeSplatV) ?? false }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        LoadedScene(format: id, formatDetail: "splaTV", scene: try Self.decode(data: source.bytes(), path: source.path))
    }

    /// The scene with the cameras it carries.
    public func encode(_ scene: TemporalCloud) throws -> Data {
        try Self.encode(scene, cameras: scene.metadata.cameras)
    }

    public func fuzzSeeds() throws -> [FuzzSeed] {
        let camera = Camera.lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0], fovY: 50, width: 32, height: 24)!
        return [FuzzSeed("tiny.splatv", try Self.encode(SeedScenes.polynomialMotion(), cameras: [camera]))]
    }

    /// Field names for errors, in the order of `Record.values` (x, y, z first).
    static let fieldNames = ["x", "y", "z", "rot_0", "rot_1", "rot_2", "rot_3", "scale_0", "scale_1", "scale_2"]
        + (0..<9).map { "motion_\($0)" } + (0..<4).map { "omega_\($0)" } + ["trbf_center", "trbf_scale"]

    /// The magic number, regardless of what follows (a damaged file then gets a splatv error).
    public static func looksLikeSplatV(_ data: Data) -> Bool {
        data.count >= 4 && data.withUnsafeBytes { word($0, 0) } == magic
    }

    // MARK: - Decoding

    public static func decode(data: Data, path: String) throws -> TemporalCloud {
        let checks = OpeningChecks(path: path)
        return try data.withUnsafeBytes { raw -> TemporalCloud in
            let descriptors = try chunkDescriptors(raw, checks)
            let chunk = try splatChunk(descriptors, bodyStart: 8 + Int(word(raw, 4)), fileSize: raw.count, checks)
            let cameras = try parseCameras(chunk.descriptor["cameras"], path: path)
            // The texture's last row is zero-filled: trailing all-zero records are padding.
            var count = chunk.size / recordByteCount
            while count > 0, isZeroRecord(raw, chunk.offset + (count - 1) * recordByteCount) { count -= 1 }
            try checks.gaussians(count, shDegree: 0, temporal: true, none: "the splat chunk holds no Gaussians")
            return try records(raw, from: chunk.offset, count: count, checks,
                               metadata: SceneMetadata(timeRange: 0...1, timeUnit: "segment", cameras: cameras))
        }
    }

    /// The checked 8-byte preamble (magic, JSON length) and the JSON list of chunk descriptors.
    static func chunkDescriptors(_ raw: UnsafeRawBufferPointer, _ checks: OpeningChecks) throws -> [Any] {
        guard raw.count >= 8 else { throw checks.fail("truncated splatv header: \(raw.count) bytes, 8 needed") }
        let fileMagic = word(raw, 0)
        guard fileMagic == magic else {
            throw checks.fail("not a splatv file (magic \(hex(fileMagic)), expected \(hex(magic)))")
        }
        let jsonLength = Int(word(raw, 4))
        guard jsonLength <= raw.count - 8 else {
            throw checks.fail("JSON header length \(jsonLength) exceeds the file (\(raw.count) bytes)")
        }
        guard let root = JSONValues.parse(Data(raw[8..<(8 + jsonLength)])) else { throw checks.fail("JSON header is not valid JSON") }
        guard let descriptors = root as? [Any] else { throw checks.fail("JSON header is not a list of chunk descriptors") }
        return descriptors
    }

    /// Where a chunk's body lies: its descriptor, offset and size in bytes, and its index in the header.
    struct Chunk {
        var descriptor: [String: Any]
        var offset: Int
        var size: Int
        var index: Int
    }

    /// The one splat chunk (bodies follow the JSON back to back), checked against its texture size
    /// and the bytes that the file holds.
    static func splatChunk(_ descriptors: [Any], bodyStart: Int, fileSize: Int, _ checks: OpeningChecks) throws -> Chunk {
        let fail = checks.fail
        var offset = bodyStart
        var splat: Chunk?
        for (index, entry) in descriptors.enumerated() {
            guard let descriptor = entry as? [String: Any] else { throw fail("chunk \(index): expected an object") }
            guard let type = descriptor["type"] as? String else {
                throw fail("chunk \(index): " + (descriptor["type"] == nil ? "missing key 'type'" : "'type' must be a string"))
            }
            guard let size = try wholeNumber(descriptor, "size", chunk: index, path: checks.path) else {
                throw fail("chunk \(index): missing key 'size'")
            }
            if type == "splat" {
                if let first = splat { throw fail("more than one splat chunk (chunks \(first.index) and \(index))") }
                splat = Chunk(descriptor: descriptor, offset: offset, size: size, index: index)
            }
            // Saturating: a chunk past the end only matters if it is the splat chunk.
            offset = offset.addingReportingOverflow(size).overflow ? Int.max : offset + size
        }
        guard let chunk = splat else { throw fail("no splat chunk in the JSON header") }
        guard chunk.size % recordByteCount == 0 else {
            throw fail("splat chunk size \(chunk.size) is not a multiple of \(recordByteCount) bytes")
        }
        if let width = try wholeNumber(chunk.descriptor, "texwidth", chunk: chunk.index, path: checks.path),
           let height = try wholeNumber(chunk.descriptor, "texheight", chunk: chunk.index, path: checks.path) {
            let texels = OpeningChecks.byteCount(width, each: height)
            guard let texels, texels <= Int.max / 16, texels * 16 == chunk.size else {
                throw fail("splat chunk size \(chunk.size) does not match its \(width)×\(height) texture")
            }
        }
        let declared = chunk.size / recordByteCount
        let present = chunk.offset >= fileSize ? 0 : (fileSize - chunk.offset) / recordByteCount
        guard present >= declared else { throw fail("truncated splatv body: \(declared) Gaussians declared, \(present) present") }
        return chunk
    }

    /// Decodes `count` records from `offset` (checked to lie in the file) into a lite-STG cloud.
    static func records(_ raw: UnsafeRawBufferPointer, from offset: Int, count: Int, _ checks: OpeningChecks,
                        metadata: SceneMetadata) throws -> TemporalCloud {
        var positions = [SIMD3<Float>](), scales = [SIMD3<Float>](), rotations = [SIMD4<Float>]()
        var opacities = [Float](), sh = [Float]()
        var timeCenters = [Float](), velocities = [SIMD3<Float>](), accelerations = [SIMD3<Float>]()
        var jerks = [SIMD3<Float>](), angularVelocities = [SIMD4<Float>](), timeScales = [Float]()
        positions.reserveCapacity(count); scales.reserveCapacity(count); rotations.reserveCapacity(count)
        opacities.reserveCapacity(count); sh.reserveCapacity(count * 3); timeCenters.reserveCapacity(count)
        velocities.reserveCapacity(count); accelerations.reserveCapacity(count); jerks.reserveCapacity(count)
        angularVelocities.reserveCapacity(count); timeScales.reserveCapacity(count)
        for i in 0..<count {
            let o = offset + i * recordByteCount
            let v = values(raw, o)
            try checkRecord(v, index: i, checks)
            positions.append(SIMD3(v[0], v[1], v[2]))
            rotations.append(SIMD4(v[3], v[4], v[5], v[6]))
            scales.append(SIMD3(v[7], v[8], v[9]))
            velocities.append(SIMD3(v[10], v[11], v[12]))
            accelerations.append(SIMD3(v[13], v[14], v[15]))
            jerks.append(SIMD3(v[16], v[17], v[18]))
            angularVelocities.append(SIMD4(v[19], v[20], v[21], v[22]))
            timeCenters.append(v[23])
            timeScales.append(v[24])
            for c in 0..<3 { sh.append(Float((Double(raw[o + 28 + c]) / 255 - 0.5) / SphericalHarmonics.c0InDouble)) }
            opacities.append(Float(raw[o + 31]) / 255)
        }
        let motion = TemporalCloud.Motion(timeCenters: timeCenters, velocities: velocities, accelerations: accelerations,
                                          jerks: jerks, angularVelocities: angularVelocities, timeScales: timeScales,
                                          falloffCutoff: 0)
        return TemporalCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                             shDegree: 0, sh: sh, motion: motion, metadata: metadata)
    }

    /// Every used number finite (±∞ allowed for the trbf scale: "no falloff"), scales not negative.
    static func checkRecord(_ v: [Float], index i: Int, _ checks: OpeningChecks) throws {
        let trbfScale = fieldNames.count - 1
        if let bad = v.indices.first(where: { $0 == trbfScale ? v[$0].isNaN : !v[$0].isFinite }) {
            throw checks.fail("non-finite value in field '\(fieldNames[bad])' of Gaussian \(i)")
        }
        if let bad = (7...9).first(where: { v[$0] < 0 }) {
            throw checks.fail("negative scale in field '\(fieldNames[bad])' of Gaussian \(i)")
        }
        if v[trbfScale] < 0 { throw checks.fail("negative value in field 'trbf_scale' of Gaussian \(i)") }
    }

    /// The 25 used numbers of the record at `o`, in `fieldNames` order.
    static func values(_ raw: UnsafeRawBufferPointer, _ o: Int) -> [Float] {
        var v = [Float]()
        v.reserveCapacity(fieldNames.count)
        for k in 0..<3 { v.append(Float(bitPattern: word(raw, o + 4 * k))) }
        for (w, both) in halfWords {
            let bits = word(raw, o + 4 * w)
            v.append(HalfFloat.float(fromBits: UInt16(truncatingIfNeeded: bits)))
            if both { v.append(HalfFloat.float(fromBits: UInt16(truncatingIfNeeded: bits >> 16))) }
        }
        return v
    }

    /// The words holding halves, and whether the high half is used too: rotation, scales, motion,
    /// omega, trbf (word 7 is the colour).
    static let halfWords: [(Int, Bool)] = [(3, true), (4, true), (5, true), (6, false), (8, true), (9, true),
                                           (10, true), (11, true), (12, false), (13, true), (14, true), (15, true)]

    static func isZeroRecord(_ raw: UnsafeRawBufferPointer, _ o: Int) -> Bool {
        (0..<16).allSatisfy { word(raw, o + 4 * $0) == 0 }
    }

    /// A non-negative whole number under `key` of chunk `chunk`, nil when the key is absent.
    static func wholeNumber(_ object: [String: Any], _ key: String, chunk: Int, path: String) throws -> Int? {
        try JSONValues.wholeNumber(object[key], key: key) { SceneFileError(path: path, problem: "chunk \(chunk): \($0)") }
    }

    static func parseCameras(_ value: Any?, path: String) throws -> [Camera] {
        guard let value else { return [] }
        guard let entries = value as? [Any] else {
            throw SceneFileError(path: path, problem: "splat chunk: 'cameras' must be a list of cameras")
        }
        return try entries.enumerated().map { try CameraFile.camera(from: $1, index: $0, path: path) }
    }

    // MARK: - Encoding

    /// Why a cloud cannot be written as splatv.
    public struct EncodingError: SplatError, Equatable {
        public var description: String
        public var kind: ErrorKind { .badOption }
    }

    /// The cloud as a `.splatv` file the viewer can open: one splat chunk, a 4096-texel-wide texture
    /// zero-filled to whole rows, `cameras` in cameras.json form (cx, cy are not stored: the viewer
    /// centres the principal point; the viewer itself needs at least one camera). Only the SH DC term
    /// is kept (as rgb = 0.5 + C0·dc, rounded to a byte); opacity is rounded to a byte; everything
    /// but the position is rounded to half floats, to nearest even. A static cloud gets zero motion
    /// and an infinite trbf scale (no falloff). The time range in the metadata is not stored.
    public static func encode(_ cloud: TemporalCloud, cameras: [Camera]) throws -> Data {
        let n = cloud.count
        guard n > 0 else { throw EncodingError(description: "splatv: the cloud holds no Gaussians") }
        let perRow = textureWidth / 4
        let height = (n + perRow - 1) / perRow
        let size = height * textureWidth * 16
        let coefficients = SplatCloud.coefficientCount(degree: cloud.shDegree)
        var words = [UInt32](repeating: 0, count: size / 4)
        for i in 0..<n {
            func fail(_ field: Int, _ what: String) -> EncodingError {
                EncodingError(description: "splatv: \(what) in field '\(fieldNames[field])' of Gaussian \(i)")
            }
            let p = cloud.positions[i], q = cloud.rotations[i], s = cloud.scales[i]
            var v: [Float] = [p.x, p.y, p.z, q[0], q[1], q[2], q[3], s.x, s.y, s.z]
            if let m = cloud.motion {
                let a = m.velocities[i], b = m.accelerations[i], c = m.jerks[i], w = m.angularVelocities[i]
                v += [a.x, a.y, a.z, b.x, b.y, b.z, c.x, c.y, c.z, w[0], w[1], w[2], w[3], m.timeCenters[i], m.timeScales[i]]
            } else {
                v += [Float](repeating: 0, count: 14) + [.infinity]
            }
            var h = [UInt16]()
            for (k, x) in v.enumerated() {
                if k >= 7 && k <= 9 && x < 0 { throw fail(k, "negative scale \(x)") }
                if k == 24 {
                    guard !x.isNaN, x >= 0 else { throw fail(k, "invalid time scale \(x)") }
                } else {
                    guard x.isFinite else { throw fail(k, "non-finite value") }
                }
                guard k >= 3 else { continue }
                let bits = HalfFloat.bits(x)
                if k != 24 && bits & 0x7c00 == 0x7c00 { throw fail(k, "value \(x) beyond the half-float range") }
                h.append(bits)
            }
            let pack = { (a: UInt16, b: UInt16) in UInt32(a) | UInt32(b) << 16 }
            let rgb = (0..<3).map { c -> UInt32 in
                let dc = Double(cloud.sh[(i * coefficients) * 3 + c])
                let value = (0.5 + SphericalHarmonics.c0InDouble * dc) * 255
                return UInt32(value.isNaN ? 0 : min(max(value, 0), 255).rounded())
            }
            let alpha = UInt32((min(max(Double(cloud.opacities[i]), 0), 1) * 255).rounded())
            let record: [UInt32] = [
                p.x.bitPattern, p.y.bitPattern, p.z.bitPattern,
                pack(h[0], h[1]), pack(h[2], h[3]), pack(h[4], h[5]), pack(h[6], 0),
                rgb[0] | rgb[1] << 8 | rgb[2] << 16 | alpha << 24,
                pack(h[7], h[8]), pack(h[9], h[10]), pack(h[11], h[12]), pack(h[13], h[14]), pack(h[15], 0),
                pack(h[16], h[17]), pack(h[18], h[19]), pack(h[20], h[21]),
            ]
            words.replaceSubrange((i * 16)..<(i * 16 + 16), with: record)
        }
        let header: [[String: Any]] = [[
            "type": "splat", "size": size, "texwidth": textureWidth, "texheight": height,
            "cameras": cameras.enumerated().map { cameraJSON($1, id: $0) },
        ]]
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var data = Data(capacity: 8 + json.count + size)
        appendWord(&data, magic)
        appendWord(&data, UInt32(json.count))
        data.append(json)
        words.map(\.littleEndian).withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// A camera as a 3DGS cameras.json entry.
    static func cameraJSON(_ camera: Camera, id: Int) -> [String: Any] {
        let c2w = camera.rotation.transposed
        let row = { (r: SIMD3<Float>) in [Double(r.x), Double(r.y), Double(r.z)] }
        return ["id": id, "img_name": camera.name, "width": camera.width, "height": camera.height,
                "position": row(camera.position), "rotation": [row(c2w.r0), row(c2w.r1), row(c2w.r2)],
                "fx": Double(camera.fx), "fy": Double(camera.fy)]
    }

    // MARK: - Bits

    @inline(__always) static func word(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    static func appendWord(_ data: inout Data, _ w: UInt32) {
        withUnsafeBytes(of: w.littleEndian) { data.append(contentsOf: $0) }
    }

    static func hex(_ w: UInt32) -> String { "0x" + String(w, radix: 16) }
}

extension SceneFormatID {
    public static let splatv = SceneFormatID(rawValue: "splatv")
}
