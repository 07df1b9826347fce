import Foundation
import SplatCore

/// PlayCanvas's compressed PLY (`*.compressed.ply`, SuperSplat's default export), binary little
/// endian. Layout as PlayCanvas's engine and splat-transform read it (facts from their public code
/// and from gsply's reader):
/// - element `chunk`, one per 256 vertices in file order: float min_x … max_z (position bounds),
///   min_scale_x … max_scale_z (log-scale bounds) and, in newer files, min_r … max_b (colour bounds;
///   without them colours span [0, 1]);
/// - element `vertex`: uint32 packed_position and packed_scale (11-10-11 bits x, y, z, each a
///   fraction of its chunk's range), packed_rotation (2 bits: which of rot_0…rot_3, i.e. w, x, y, z,
///   is largest and left out; three 10-bit values (v/1023 − 0.5)·√2 in order), packed_color (8 bits
///   each r, g, b, opacity; colour = 0.5 + C0·f_dc, opacity already activated);
/// - optional element `sh`: uint8 f_rest_0 … in the 3DGS PLY's channel-major order, value
///   (b + 0.5)/256·8 − 4 (the engine maps byte 0 to −4 exactly).
public struct CompressedPLY: SceneFormat {
    public static let chunkSize = 256

    public init() {}
    public var id: SceneFormatID { .compressedPLY }

    public func detects(_ source: SceneSource) -> Bool {
        guard let header = source.plyHeader else { return false }
        return Self.matches(header)
    }

    public static func matches(_ header: PLYHeader) -> Bool {
        header.element(named: "chunk") != nil && header.element(named: "vertex")?.property(named: "packed_position") != nil
    }

    public func decode(_ source: SceneSource, options: SceneLoader.Options) throws -> LoadedScene {
        let cloud = try Self.decode(data: source.bytes(), path: source.path)
        return LoadedScene(format: id, formatDetail: "PlayCanvas, SH degree \(cloud.shDegree)", cloud: cloud)
    }

    public func encode(_ scene: TemporalCloud) throws -> Data {
        guard scene.isStatic else { throw SceneEncodingError(format: id, problem: "holds one static cloud: the scene moves") }
        return Self.encode(scene.canonical)
    }

    public func fuzzSeeds() -> [FuzzSeed] {
        let cloud = SeedScenes.staticCloud()
        let flat = SplatCloud(positions: cloud.positions, scales: cloud.scales, rotations: cloud.rotations,
                              opacities: cloud.opacities, shDegree: 0, sh: (0..<cloud.count).flatMap { Array(cloud.sh[($0 * 12)..<($0 * 12 + 3)]) })
        return [FuzzSeed("tiny.compressed.ply", Self.encode(cloud)),
                FuzzSeed("tiny-sh0.compressed.ply", Self.encode(flat, colourBounds: false))]
    }

    // MARK: - Reading

    static let positionBounds = ["min_x", "min_y", "min_z", "max_x", "max_y", "max_z"]
    static let scaleBounds = ["min_scale_x", "min_scale_y", "min_scale_z", "max_scale_x", "max_scale_y", "max_scale_z"]
    static let colourBounds = ["min_r", "min_g", "min_b", "max_r", "max_g", "max_b"]
    static let packed = ["packed_position", "packed_rotation", "packed_scale", "packed_color"]

    public static func decode(data: Data, path: String) throws -> SplatCloud {
        let checks = OpeningChecks(path: path)
        try checks.nonEmpty(data)
        let ply = try PLYFile(data: data, path: path)
        let fail = checks.fail
        guard ply.encoding == .binaryLittleEndian else {
            throw fail("compressed PLY must be binary_little_endian, not \(ply.encoding.rawValue)")
        }
        let layout = try Layout(header: ply.header, fail: fail)
        let n = layout.vertex.count
        try checks.gaussians(n, shDegree: layout.shDegree, temporal: false)
        let chunks = layout.chunk.count
        guard chunks == (n + chunkSize - 1) / chunkSize else {
            throw fail("compressed PLY has \(chunks) chunks for \(n) vertices; expected \((n + chunkSize - 1) / chunkSize) (one per \(chunkSize))")
        }

        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> SplatCloud in
            try decode(body: UnsafeRawBufferPointer(rebasing: raw[ply.header.byteCount..<raw.count]), layout: layout, checks: checks)
        }
    }

    /// Unpacks every vertex; the layout's offsets were checked against the body's size.
    static func decode(body: UnsafeRawBufferPointer, layout: Layout, checks: OpeningChecks) throws -> SplatCloud {
        let fail = checks.fail
        let n = layout.vertex.count, chunks = layout.chunk.count
        let k = SplatCloud.coefficientCount(degree: layout.shDegree)
        var positions = [SIMD3<Float>](), scales = [SIMD3<Float>](), rotations = [SIMD4<Float>](), opacities = [Float]()
        positions.reserveCapacity(n)
        scales.reserveCapacity(n)
        rotations.reserveCapacity(n)
        opacities.reserveCapacity(n)
        var sh = [Float](repeating: 0, count: n * k * 3)
        // Chunk bounds: 18 floats each (colour bounds default to [0, 1]).
        var bounds = [Float](repeating: 0, count: chunks * 18)
        for c in 0..<chunks {
            let record = layout.chunkStart + c * layout.chunkRecord
            for (j, offset) in layout.chunkColumns.enumerated() {
                let fallback: Float = j < 15 ? 0 : 1
                bounds[c * 18 + j] = offset.map { body.float(record + $0) } ?? fallback
            }
            try bounds[(c * 18)..<(c * 18 + 18)].withUnsafeBufferPointer {
                try checks.finite($0, names: positionBounds + scaleBounds + colourBounds, field: "property", of: "chunk \(c)")
            }
        }
        for i in 0..<n {
            let b = (i / chunkSize) * 18
            let record = layout.vertexStart + i * layout.vertexRecord
            let columns = layout.vertexColumns
            let words = (body.uint32(record + columns[0]), body.uint32(record + columns[1]),
                         body.uint32(record + columns[2]), body.uint32(record + columns[3]))
            let p = unpack111011(words.0), s = unpack111011(words.2)
            let lo = SIMD3(bounds[b], bounds[b + 1], bounds[b + 2]), hi = SIMD3(bounds[b + 3], bounds[b + 4], bounds[b + 5])
            let slo = SIMD3(bounds[b + 6], bounds[b + 7], bounds[b + 8]), shi = SIMD3(bounds[b + 9], bounds[b + 10], bounds[b + 11])
            let position = lo + (hi - lo) * p
            let logScale = slo + (shi - slo) * s
            let scale = SIMD3(exp(logScale.x), exp(logScale.y), exp(logScale.z))
            guard allFinite(position), allFinite(scale) else {
                throw fail("chunk \(i / chunkSize) bounds give vertex \(i) a non-finite position or scale")
            }
            positions.append(position)
            scales.append(scale)
            rotations.append(unpackRotation(words.1))
            let colour = words.3
            let rgb = SIMD3(Float((colour >> 24) & 0xFF), Float((colour >> 16) & 0xFF), Float((colour >> 8) & 0xFF)) / 255
            let clo = SIMD3(bounds[b + 12], bounds[b + 13], bounds[b + 14]), chi = SIMD3(bounds[b + 15], bounds[b + 16], bounds[b + 17])
            let dc = (clo + (chi - clo) * rgb - 0.5) / SphericalHarmonics.c0
            guard allFinite(dc) else { throw fail("chunk \(i / chunkSize) colour bounds give vertex \(i) a non-finite colour") }
            for c in 0..<3 { sh[i * k * 3 + c] = dc[c] }
            opacities.append(min(max(Float(colour & 0xFF) / 255, 1e-4), 1 - 1e-4))
            if k > 1 {
                let shRecord = layout.shStart + i * layout.shRecord
                for c in 0..<3 {
                    for coefficient in 1..<k {
                        let byte = body[shRecord + c * (k - 1) + coefficient - 1]
                        sh[(i * k + coefficient) * 3 + c] = shValue(byte)
                    }
                }
            }
        }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                          shDegree: layout.shDegree, sh: sh)
    }

    @inline(__always) static func allFinite(_ v: SIMD3<Float>) -> Bool { v.x.isFinite && v.y.isFinite && v.z.isFinite }

    /// 11 bits x (high), 10 bits y, 11 bits z (low), each as a fraction of its range.
    @inline(__always) static func unpack111011(_ w: UInt32) -> SIMD3<Float> {
        SIMD3(Float(w >> 21) / 2047, Float((w >> 11) & 0x3FF) / 1023, Float(w & 0x7FF) / 2047)
    }

    /// Smallest three in (w, x, y, z) order: the top two bits name the largest component.
    static func unpackRotation(_ w: UInt32) -> SIMD4<Float> {
        let scale = Float(2).squareRoot()
        let a = (Float((w >> 20) & 0x3FF) / 1023 - 0.5) * scale
        let b = (Float((w >> 10) & 0x3FF) / 1023 - 0.5) * scale
        let c = (Float(w & 0x3FF) / 1023 - 0.5) * scale
        let m = max(0, 1 - a * a - b * b - c * c).squareRoot()
        let q: SIMD4<Float>
        switch w >> 30 {
        case 0: q = SIMD4(m, a, b, c)
        case 1: q = SIMD4(a, m, b, c)
        case 2: q = SIMD4(a, b, m, c)
        default: q = SIMD4(a, b, c, m)
        }
        return normalizedQuaternion(q)
    }

    @inline(__always) static func shValue(_ byte: UInt8) -> Float {
        byte == 0 ? -4 : ((Float(byte) + 0.5) / 256 - 0.5) * 8
    }

    /// Where each needed property sits in its element's records, and the elements' places in the body.
    struct Layout {
        let chunk: PLYElement, vertex: PLYElement
        let shDegree: Int
        var chunkStart = 0, vertexStart = 0, shStart = 0
        var chunkRecord = 0, vertexRecord = 0, shRecord = 0
        /// Byte offsets in a chunk record of the 18 bounds (nil: colour bounds absent).
        var chunkColumns: [Int?] = []
        var vertexColumns: [Int] = []

        init(header: PLYHeader, fail: (String) -> SceneFileError) throws {
            guard let chunk = header.element(named: "chunk"), let vertex = header.element(named: "vertex") else {
                throw fail("compressed PLY needs a 'chunk' and a 'vertex' element")
            }
            self.chunk = chunk
            self.vertex = vertex
            let sh = header.element(named: "sh")
            var degree = 0
            if let sh {
                guard sh.count == vertex.count else {
                    throw fail("compressed PLY has \(sh.count) 'sh' records for \(vertex.count) vertices")
                }
                switch sh.properties.count {
                case 0: degree = 0
                case 9: degree = 1
                case 24: degree = 2
                case 45: degree = 3
                default:
                    throw fail("unsupported number of SH properties in compressed PLY: \(sh.properties.count) (expected 9, 24 or 45)")
                }
                for (j, p) in sh.properties.enumerated() where p.name != "f_rest_\(j)" || p.kind != .scalar(.uint8) {
                    throw fail("property \(j) of element 'sh' is '\(plyExcerpt(p.name))'; compressed PLY expects uint8 f_rest_\(j)")
                }
            }
            shDegree = degree
            var offset = 0
            for e in header.elements {
                guard let size = e.fixedByteSize else { throw fail("compressed PLY element '\(plyExcerpt(e.name))' has a list property") }
                switch e.name {
                case "chunk": chunkStart = offset; chunkRecord = size
                case "vertex": vertexStart = offset; vertexRecord = size
                case "sh": shStart = offset; shRecord = size
                default: break
                }
                // PLYFile checked that every element fits in the body, so this cannot overflow.
                offset += size * e.count
            }
            let hasColour = chunk.property(named: "min_r") != nil
            for name in CompressedPLY.positionBounds + CompressedPLY.scaleBounds {
                chunkColumns.append(try Self.offset(of: name, in: chunk, type: .float32, fail: fail))
            }
            for name in CompressedPLY.colourBounds {
                chunkColumns.append(hasColour ? try Self.offset(of: name, in: chunk, type: .float32, fail: fail) : nil)
            }
            vertexColumns = try CompressedPLY.packed.map { try Self.offset(of: $0, in: vertex, type: .uint32, fail: fail) }
        }

        static func offset(of name: String, in element: PLYElement, type: PLYScalarType, fail: (String) -> SceneFileError) throws -> Int {
            var offset = 0
            for p in element.properties {
                guard case .scalar(let t) = p.kind else { break }
                if p.name == name {
                    guard t == type else {
                        throw fail("property '\(name)' of element '\(element.name)' is \(t.rawValue); compressed PLY stores it as \(type.rawValue)")
                    }
                    return offset
                }
                offset += t.byteSize
            }
            throw fail("compressed PLY element '\(element.name)' has no property '\(name)'")
        }
    }

    // MARK: - Writing

    /// Vertex order in the written file.
    public enum Order: Sendable {
        /// Morton (Z-order) over the scene's bounds, as PlayCanvas's writers do: neighbours share a
        /// chunk, so chunk bounds are tight and quantisation fine.
        case morton
        /// The cloud's order (tests compare Gaussian by Gaussian).
        case asGiven
    }

    /// The cloud in compressed PLY, with the colour bounds of newer files unless `colourBounds` is false.
    public static func encode(_ cloud: SplatCloud, order: Order = .morton, colourBounds: Bool = true) -> Data {
        let n = cloud.count, k = cloud.coefficientsPerGaussian
        let indices = order == .morton ? mortonOrder(cloud.positions) : Array(0..<n)
        let chunks = (n + chunkSize - 1) / chunkSize
        let logScale = { (i: Int) -> SIMD3<Float> in
            let s = cloud.scales[i]
            return SIMD3((0..<3).map { min(max(log(max(s[$0], Float.leastNormalMagnitude)), -20), 20) })
        }
        let colour = { (i: Int) -> SIMD3<Float> in SphericalHarmonics.c0 * cloud.shCoefficient(i, 0) + 0.5 }

        var header = "ply\nformat binary_little_endian 1.0\ncomment Generated by splat4d\nelement chunk \(chunks)\n"
        for name in positionBounds + scaleBounds + (colourBounds ? CompressedPLY.colourBounds : []) { header += "property float \(name)\n" }
        header += "element vertex \(n)\n"
        for name in packed { header += "property uint \(name)\n" }
        if k > 1 {
            header += "element sh \(n)\n"
            for j in 0..<(3 * (k - 1)) { header += "property uchar f_rest_\(j)\n" }
        }
        header += "end_header\n"

        var floats: [Float] = []
        var words: [UInt32] = []
        words.reserveCapacity(n * 4)
        for c in 0..<chunks {
            let members = indices[(c * chunkSize)..<min(n, (c + 1) * chunkSize)]
            let p = Bounds(members.map { cloud.positions[$0] })
            let s = Bounds(members.map(logScale))
            let rgb = Bounds(members.map(colour))
            floats += [p.lo.x, p.lo.y, p.lo.z, p.hi.x, p.hi.y, p.hi.z, s.lo.x, s.lo.y, s.lo.z, s.hi.x, s.hi.y, s.hi.z]
            if colourBounds { floats += [rgb.lo.x, rgb.lo.y, rgb.lo.z, rgb.hi.x, rgb.hi.y, rgb.hi.z] }
            let colourRange = colourBounds ? rgb : Bounds(lo: .zero, hi: .one)
            for i in members {
                words.append(pack111011(p.fraction(cloud.positions[i])))
                words.append(packRotation(cloud.rotations[i]))
                words.append(pack111011(s.fraction(logScale(i))))
                let f = colourRange.fraction(colour(i))
                words.append(byte(f.x) << 24 | byte(f.y) << 16 | byte(f.z) << 8 | byte(cloud.opacities[i]))
            }
        }
        var out = Data(header.utf8)
        floats.map { $0.bitPattern.littleEndian }.withUnsafeBytes { out.append(contentsOf: $0) }
        words.map { $0.littleEndian }.withUnsafeBytes { out.append(contentsOf: $0) }
        if k > 1 {
            var bytes = [UInt8]()
            bytes.reserveCapacity(n * 3 * (k - 1))
            for i in indices {
                for c in 0..<3 {
                    for coefficient in 1..<k {
                        // Inverse of shValue: floor((v/8 + 0.5)·256), clamped to a byte.
                        let v = cloud.sh[(i * k + coefficient) * 3 + c]
                        bytes.append(UInt8(min(max(((v / 8 + 0.5) * 256).rounded(.down), 0), 255)))
                    }
                }
            }
            out.append(contentsOf: bytes)
        }
        return out
    }

    /// A fraction in [0, 1] to 8 bits, rounded.
    @inline(__always) static func byte(_ f: Float) -> UInt32 { UInt32(min(max(f, 0), 1) * 255 + 0.5) }

    @inline(__always) static func pack111011(_ f: SIMD3<Float>) -> UInt32 {
        let c = f.clamped(lowerBound: .zero, upperBound: .one)
        return UInt32(c.x * 2047 + 0.5) << 21 | UInt32(c.y * 1023 + 0.5) << 11 | UInt32(c.z * 2047 + 0.5)
    }

    static func packRotation(_ rotation: SIMD4<Float>) -> UInt32 {
        var q = normalizedQuaternion(rotation)
        let largest = (0..<4).max { abs(q[$0]) < abs(q[$1]) }!
        if q[largest] < 0 { q = -q }
        var word = UInt32(largest) << 30
        var shift: UInt32 = 20
        for j in 0..<4 where j != largest {
            let f = min(max(q[j] / Float(2).squareRoot() + 0.5, 0), 1)
            word |= UInt32(f * 1023 + 0.5) << shift
            shift &-= 10
        }
        return word
    }

    /// Positions in Z-order of their 10-bit cells over the bounds (stable among equal codes).
    static func mortonOrder(_ positions: [SIMD3<Float>]) -> [Int] {
        let b = Bounds(positions)
        func spread(_ v: UInt32) -> UInt64 {
            var x = UInt64(v) & 0x3FF, out: UInt64 = 0
            for bit in 0..<10 { out |= ((x >> UInt64(bit)) & 1) << UInt64(3 * bit) }
            x = out
            return x
        }
        let codes = positions.map { p -> UInt64 in
            let f = b.fraction(p) * 1023
            return spread(UInt32(f.x)) << 2 | spread(UInt32(f.y)) << 1 | spread(UInt32(f.z))
        }
        return (0..<positions.count).sorted { codes[$0] != codes[$1] ? codes[$0] < codes[$1] : $0 < $1 }
    }

    /// Axis-aligned bounds of a chunk's values, and a value's place in them.
    struct Bounds {
        var lo: SIMD3<Float>, hi: SIMD3<Float>
        init(lo: SIMD3<Float>, hi: SIMD3<Float>) { self.lo = lo; self.hi = hi }
        init(_ values: [SIMD3<Float>]) {
            lo = values.reduce(SIMD3(repeating: .infinity)) { pointwiseMin($0, $1) }
            hi = values.reduce(SIMD3(repeating: -.infinity)) { pointwiseMax($0, $1) }
        }
        func fraction(_ v: SIMD3<Float>) -> SIMD3<Float> {
            let range = hi - lo
            return SIMD3((0..<3).map { range[$0] > 0 ? (v[$0] - lo[$0]) / range[$0] : 0 })
        }
    }
}

extension SceneFormatID {
    public static let compressedPLY = SceneFormatID(rawValue: "compressed-ply")
}

extension UnsafeRawBufferPointer {
    @inline(__always) func uint32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always) func float(_ offset: Int) -> Float { Float(bitPattern: uint32(offset)) }
}
