import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats

// MARK: - Hand-built files

private func le32(_ w: UInt32) -> [UInt8] { withUnsafeBytes(of: w.littleEndian) { Array($0) } }

/// magic, JSON length, JSON, then `body` (the chunk bodies, back to back).
private func splatvFile(json: String, body: [UInt8], magic: UInt32 = 0x674b) -> Data {
    let header = Array(json.utf8)
    return Data(le32(magic) + le32(UInt32(header.count)) + header + body)
}

private func record(_ words: [UInt32]) -> [UInt8] {
    precondition(words.count == 16)
    return words.flatMap(le32)
}

private func half2(_ low: UInt16, _ high: UInt16) -> UInt32 { UInt32(low) | UInt32(high) << 16 }

/// One Gaussian with a distinct, exactly representable value in every field (comments give the
/// values; bit patterns are IEEE binary16). The unused halves hold NaN and ∞: the viewer never
/// reads them, so neither do we.
private let handRecord: [UInt32] = [
    0x3FC0_0000, 0xC000_0000, 0x3E80_0000,  // f32 x, y, z = 1.5, −2, 0.25
    half2(0x3800, 0x3400),                  // rot_0 (w) = 0.5, rot_1 (x) = 0.25
    half2(0xBA00, 0x3C00),                  // rot_2 (y) = −0.75, rot_3 (z) = 1
    half2(0x3000, 0x4000),                  // scale x = 0.125, y = 2 (linear)
    half2(0x4200, 0x7E00),                  // scale z = 3, unused (NaN)
    0xCC33_00FF,                            // r 255, g 0, b 51, a 204 (r in the low byte)
    half2(0x2C00, 0xB000),                  // motion_0 = 1/16, motion_1 = −1/8
    half2(0x3200, 0x3400),                  // motion_2 = 3/16, motion_3 = 1/4
    half2(0x3500, 0xB600),                  // motion_4 = 5/16, motion_5 = −3/8
    half2(0x3700, 0x3800),                  // motion_6 = 7/16, motion_7 = 1/2
    half2(0xB880, 0x7C00),                  // motion_8 = −9/16, unused (∞)
    half2(0x3800, 0xBC00),                  // omega_0 = 0.5, omega_1 = −1
    half2(0x4000, 0x3400),                  // omega_2 = 2, omega_3 = 0.25
    half2(0x3400, 0x3800),                  // trbf_center = 0.25, exp(trbf_scale) = 0.5
]

private let cameraJSON = """
{"id":0,"img_name":"00001","width":1959,"height":1090,"position":[-3.0,-0.125,-3.75],\
"rotation":[[0,0,1],[0,1,0],[-1,0,0]],"fy":1164.5,"fx":1159.5}
"""

private func splatChunk(size: Int, width: Int? = nil, height: Int? = nil, cameras: String? = cameraJSON) -> String {
    var s = "{\"type\":\"splat\",\"size\":\(size)"
    if let width { s += ",\"texwidth\":\(width)" }
    if let height { s += ",\"texheight\":\(height)" }
    if let cameras { s += ",\"cameras\":[\(cameras)]" }
    return s + "}"
}

/// A valid one-Gaussian file: a 4×1 texture.
private func handFile() -> Data {
    splatvFile(json: "[\(splatChunk(size: 64, width: 4, height: 1))]", body: record(handRecord))
}

private func expectProblem(_ problem: String, path: String = "m.splatv", file: StaticString = #filePath,
                           line: UInt = #line, _ data: Data) {
    XCTAssertThrowsError(try SceneLoader.load(data: data, path: path), file: file, line: line) { error in
        XCTAssertEqual(error as? SceneFileError, SceneFileError(path: path, problem: problem), file: file, line: line)
    }
}

private func assertClose(_ a: SIMD3<Float>, _ b: SIMD3<Float>, _ tolerance: Float, file: StaticString = #filePath,
                         line: UInt = #line) {
    for k in 0..<3 { XCTAssertEqual(a[k], b[k], accuracy: tolerance, "lane \(k)", file: file, line: line) }
}

private func assertClose(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ tolerance: Float, file: StaticString = #filePath,
                         line: UInt = #line) {
    for k in 0..<4 { XCTAssertEqual(a[k], b[k], accuracy: tolerance, "lane \(k)", file: file, line: line) }
}

/// A deterministic generator for the round-trip and corruption tests.
private struct LCG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
    mutating func unit() -> Float { Float(next() % 1_000_001) / 1_000_000 }
    mutating func range(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * unit() }
}

final class SplatVTests: XCTestCase {
    let c0 = 0.28209479177387814

    // MARK: Field mapping

    func testHandBuiltRecordMapsEveryField() throws {
        let scene = try SceneLoader.load(data: handFile(), path: "any-name.bin")
        XCTAssertEqual(scene.format, .splatv)
        XCTAssertEqual(scene.formatDetail, "splaTV")
        let cloud = scene.scene
        XCTAssertEqual(cloud.count, 1)
        XCTAssertEqual(cloud.positions, [SIMD3(1.5, -2, 0.25)])
        XCTAssertEqual(cloud.rotations, [SIMD4(0.5, 0.25, -0.75, 1)])  // raw, w first
        XCTAssertEqual(cloud.scales, [SIMD3(0.125, 2, 3)])  // linear, as stored
        XCTAssertEqual(cloud.shDegree, 0)
        let dc = { (byte: Double) in Float((byte / 255 - 0.5) / self.c0) }
        XCTAssertEqual(cloud.sh, [dc(255), dc(0), dc(51)])
        XCTAssertEqual(0.5 + Float(c0) * cloud.sh[0], 1, accuracy: 1e-6)
        XCTAssertEqual(0.5 + Float(c0) * cloud.sh[1], 0, accuracy: 1e-6)
        XCTAssertEqual(0.5 + Float(c0) * cloud.sh[2], 0.2, accuracy: 1e-6)
        XCTAssertEqual(cloud.opacities, [Float(204) / 255])  // a/255 = 0.8
        let m = try XCTUnwrap(cloud.motion)
        XCTAssertEqual(m.velocities, [SIMD3(1.0 / 16, -1.0 / 8, 3.0 / 16)])
        XCTAssertEqual(m.accelerations, [SIMD3(1.0 / 4, 5.0 / 16, -3.0 / 8)])
        XCTAssertEqual(m.jerks, [SIMD3(7.0 / 16, 1.0 / 2, -9.0 / 16)])
        XCTAssertEqual(m.angularVelocities, [SIMD4(0.5, -1, 2, 0.25)])
        XCTAssertEqual(m.timeCenters, [0.25])
        XCTAssertEqual(m.timeScales, [0.5])  // stored already exponentiated
        XCTAssertEqual(m.falloffCutoff, 0)
        XCTAssertEqual(cloud.metadata.timeRange, 0...1)
        XCTAssertEqual(cloud.metadata.timeUnit, "segment")
        XCTAssertNil(cloud.metadata.frameRate)
        XCTAssertEqual(cloud.metadata.cameras.count, 1)
    }

    func testSliceAtTwoTimes() throws {
        let cloud = try SplatV.decode(data: handFile(), path: "h.splatv")
        // t = trbf_center: Δt = 0, the reference state at peak opacity.
        let a = try XCTUnwrap(cloud.state(0, at: 0.25))
        XCTAssertEqual(a.position, SIMD3(1.5, -2, 0.25))
        assertClose(a.rotation, SIMD4(0.5, 0.25, -0.75, 1) / Float(1.875).squareRoot(), 1e-6)  // |q|² = 1.875
        XCTAssertEqual(a.opacity, 0.8, accuracy: 1e-6)
        // t = 1: Δt = 0.75, Δt² = 0.5625, Δt³ = 0.421875.
        let b = try XCTUnwrap(cloud.state(0, at: 1))
        // x: 1.5 + 0.046875 + 0.140625 + 0.1845703125; y: −2 − 0.09375 + 0.17578125 + 0.2109375;
        // z: 0.25 + 0.140625 − 0.2109375 − 0.2373046875.
        assertClose(b.position, SIMD3(1.8720703125, -1.70703125, -0.0576171875), 1e-6)
        // rot + omega·0.75 = (0.875, −0.5, 0.75, 1.1875), |·|² = 2.98828125.
        assertClose(b.rotation, SIMD4(0.875, -0.5, 0.75, 1.1875) / Float(2.98828125).squareRoot(), 1e-6)
        // 0.8·exp(−(0.75/0.5)²), no ½.
        XCTAssertEqual(b.opacity, 0.8 * exp(-2.25), accuracy: 1e-6)
        XCTAssertEqual(b.opacity, 0.084319, accuracy: 1e-6)
        // Far from the centre the temporal factor drops it.
        XCTAssertNil(cloud.state(0, at: 2))
    }

    func testCamerasInTheHeaderComeBackAsCameras() throws {
        let second = """
        {"id":1,"img_name":"00009","width":640,"height":480,"position":[1,2,3],\
        "rotation":[[1,0,0],[0,1,0],[0,0,1]],"fy":500,"fx":510}
        """
        let file = splatvFile(json: "[\(splatChunk(size: 64, cameras: cameraJSON + "," + second))]",
                              body: record(handRecord))
        let cameras = try SplatV.decode(data: file, path: "c.splatv").metadata.cameras
        XCTAssertEqual(cameras.count, 2)
        let c = cameras[0]
        XCTAssertEqual(c.name, "00001")
        XCTAssertEqual(c.width, 1959)
        XCTAssertEqual(c.height, 1090)
        XCTAssertEqual(c.fx, 1159.5)
        XCTAssertEqual(c.fy, 1164.5)
        XCTAssertEqual(c.cx, 979.5)
        XCTAssertEqual(c.cy, 545)
        // rotation rows are camera-to-world: world-to-camera is their transpose.
        XCTAssertEqual(c.rotation, Mat3(rows: [0, 0, -1], [0, 1, 0], [1, 0, 0]))
        assertClose(c.position, SIMD3(-3, -0.125, -3.75), 1e-6)
        XCTAssertEqual(cameras[1], Camera(width: 640, height: 480, fx: 510, fy: 500, position: [1, 2, 3],
                                          cameraToWorld: .identity, name: "00009"))
        // The same parsing as a cameras.json file.
        XCTAssertEqual(cameras, try CameraFile.parse(Data("[\(cameraJSON),\(second)]".utf8), path: "cameras.json"))
    }

    func testNoCamerasAndUnknownChunksAreSkipped() throws {
        // An unknown chunk's body (5 bytes) sits between the JSON and the splat chunk; bytes after
        // the last chunk are not read.
        let json = "[{\"type\":\"notes\",\"size\":5},\(splatChunk(size: 64, cameras: nil))]"
        let file = splatvFile(json: json, body: [1, 2, 3, 4, 5] + record(handRecord) + [9, 9, 9])
        let cloud = try SplatV.decode(data: file, path: "u.splatv")
        XCTAssertEqual(cloud.positions, [SIMD3(1.5, -2, 0.25)])
        XCTAssertEqual(cloud.metadata.cameras, [])
    }

    func testTexturePaddingIsDropped() throws {
        // Two Gaussians in a 4096×1 texture, as the viewer writes it: 1022 all-zero records follow.
        let second = record(handRecord.enumerated().map { $0 == 0 ? 0x4000_0000 : $1 })  // x = 2
        let body = record(handRecord) + second + [UInt8](repeating: 0, count: 1022 * 64)
        let file = splatvFile(json: "[\(splatChunk(size: 65536, width: 4096, height: 1))]", body: body)
        let cloud = try SplatV.decode(data: file, path: "p.splatv")
        XCTAssertEqual(cloud.count, 2)
        XCTAssertEqual(cloud.positions.map(\.x), [1.5, 2])
    }

    func testInfiniteTimeScaleMeansNoFalloff() throws {
        var words = handRecord
        words[15] = half2(0x3400, 0x7C00)  // exp(trbf_scale) overflowed to +∞, as the viewer's packer does
        let cloud = try SplatV.decode(data: splatvFile(json: "[\(splatChunk(size: 64))]", body: record(words)),
                                      path: "i.splatv")
        XCTAssertEqual(cloud.motion?.timeScales, [.infinity])
        XCTAssertEqual(cloud.state(0, at: 1)?.opacity, 0.8)
        XCTAssertEqual(cloud.state(0, at: 0)?.opacity, 0.8)
    }

    func testDetectionIsByMagicAndComesFirst() throws {
        // Padded with JSON whitespace to a multiple of 32 bytes, the file also passes the headerless
        // .splat test: the magic must win, whatever the name.
        var json = "[\(splatChunk(size: 64))]"
        while (8 + json.utf8.count + 64) % 32 != 0 { json += " " }
        let file = splatvFile(json: json, body: record(handRecord))
        XCTAssertTrue(AntimatterSplat.looksLikeSplat(file))
        XCTAssertTrue(SplatV.looksLikeSplatV(file))
        XCTAssertEqual(try SceneLoader.load(data: file, path: "scene.splat").format, .splatv)
        XCTAssertEqual(try SceneLoader.load(data: file, path: "scene.ply").format, .splatv)
        XCTAssertEqual(SceneFormats.format(.splatv)?.name, "splatv")
        XCTAssertFalse(SplatV.looksLikeSplatV(Data([0x4b, 0x67, 0])))
        XCTAssertFalse(SplatV.looksLikeSplatV(Data([0x4b, 0x67, 0, 1])))
    }

    // MARK: Half floats

    func testHalfFloatBitPatterns() {
        let known: [(UInt16, Float)] = [
            (0x3C00, 1), (0xC000, -2), (0x3555, 0.333251953125), (0x7BFF, 65504), (0x0400, 0x1p-14),
            (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24), (0x8001, -0x1p-24), (0x0000, 0),
            (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        for (bits, value) in known {
            XCTAssertEqual(HalfFloat.float(fromBits: bits), value, "\(String(bits, radix: 16))")
            XCTAssertEqual(HalfFloat.bits(value), bits, "\(value)")
        }
        XCTAssertEqual(HalfFloat.float(fromBits: 0x8000).bitPattern, (-Float(0)).bitPattern)
        XCTAssertEqual(HalfFloat.bits(-0.0), 0x8000)
        XCTAssertTrue(HalfFloat.float(fromBits: 0x7E00).isNaN)
        XCTAssertTrue(HalfFloat.float(fromBits: 0xFC01).isNaN)
        XCTAssertEqual(HalfFloat.bits(.nan) & 0x7E00, 0x7E00)
        // Round to nearest, ties to even.
        XCTAssertEqual(HalfFloat.bits(1 + 0x1p-11), 0x3C00)      // tie, even is down
        XCTAssertEqual(HalfFloat.bits(1 + 3 * 0x1p-11), 0x3C02)  // tie, even is up
        XCTAssertEqual(HalfFloat.bits(1 + 0x1p-11 + 0x1p-20), 0x3C01)
        XCTAssertEqual(HalfFloat.bits(65519), 0x7BFF)
        XCTAssertEqual(HalfFloat.bits(65520), 0x7C00)            // tie between 65504 and 2^16: ∞
        XCTAssertEqual(HalfFloat.bits(1e9), 0x7C00)
        XCTAssertEqual(HalfFloat.bits(0x1p-25), 0x0000)          // tie between 0 and 2^−24
        XCTAssertEqual(HalfFloat.bits(0x1.8p-25), 0x0001)
        XCTAssertEqual(HalfFloat.bits(3 * 0x1p-25), 0x0002)      // tie between 1 and 2 subnormal steps
        XCTAssertEqual(HalfFloat.bits(0x1p-26), 0x0000)
        XCTAssertEqual(HalfFloat.bits(Float.leastNonzeroMagnitude), 0x0000)
        XCTAssertEqual(HalfFloat.bits(0x1p-14 - 0x1p-26), 0x0400)  // rounds up into the normals
    }

    #if !(os(macOS) && arch(x86_64))
    func testHalfFloatsAgreeWithFloat16() {
        for bits in 0...UInt16.max {
            let ours = HalfFloat.float(fromBits: bits), theirs = Float(Float16(bitPattern: bits))
            if theirs.isNaN { XCTAssertTrue(ours.isNaN); continue }
            XCTAssertEqual(ours.bitPattern, theirs.bitPattern, "\(bits)")
            // Every half, and the floats next to it and halfway to the next, encode as Float16 does.
            let next = Float(Float16(bitPattern: bits &+ 1))
            var probes = [ours, ours.nextUp, ours.nextDown]
            if next.isFinite, (bits & 0x7FFF) < 0x7BFF { let mid = (ours + next) / 2; probes += [mid, mid.nextUp, mid.nextDown] }
            for f in probes {
                XCTAssertEqual(HalfFloat.bits(f), Float16(f).bitPattern, "\(f)")
            }
        }
        var rng = LCG(state: 7)
        for _ in 0..<200_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next() << 1 ^ rng.next()))
            guard !f.isNaN else { continue }
            XCTAssertEqual(HalfFloat.bits(f), Float16(f).bitPattern, "\(f)")
        }
    }
    #endif

    // MARK: Encoding

    private func randomCloud(count n: Int, shDegree: Int, seed: UInt64) -> TemporalCloud {
        var r = LCG(state: seed)
        let k = SplatCloud.coefficientCount(degree: shDegree) * 3
        let v3 = { (r: inout LCG, s: Float) in SIMD3(r.range(-s, s), r.range(-s, s), r.range(-s, s)) }
        let v4 = { (r: inout LCG, s: Float) in SIMD4(r.range(-s, s), r.range(-s, s), r.range(-s, s), r.range(-s, s)) }
        var positions = [SIMD3<Float>](), scales = [SIMD3<Float>](), rotations = [SIMD4<Float>](), opacities = [Float]()
        var sh = [Float](), centers = [Float](), vel = [SIMD3<Float>](), acc = [SIMD3<Float>](), jerk = [SIMD3<Float>]()
        var omega = [SIMD4<Float>](), timeScales = [Float]()
        for _ in 0..<n {
            positions.append(v3(&r, 10))
            scales.append(SIMD3(r.range(0.001, 2), r.range(0.001, 2), r.range(0.001, 2)))
            rotations.append(v4(&r, 1))
            opacities.append(r.unit())
            for _ in 0..<k { sh.append(r.range(-2, 2)) }
            centers.append(r.unit())
            vel.append(v3(&r, 1)); acc.append(v3(&r, 0.5)); jerk.append(v3(&r, 0.25)); omega.append(v4(&r, 0.5))
            timeScales.append(r.range(0.01, 3))
        }
        return TemporalCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                             shDegree: shDegree, sh: sh,
                             motion: .init(timeCenters: centers, velocities: vel, accelerations: acc, jerks: jerk,
                                           angularVelocities: omega, timeScales: timeScales))
    }

    func testEncodeDecodeRoundTrip() throws {
        let n = 1030  // two texture rows
        let cloud = randomCloud(count: n, shDegree: 1, seed: 42)
        let cameras = [
            Camera.lookAt(eye: [0, 0, -5], target: .zero, up: [0, -1, 0], fovY: 50, width: 320, height: 240)!,
            Camera(width: 64, height: 48, fx: 70, fy: 71, position: [1, -2, 3],
                   cameraToWorld: Mat3(rows: [0, 0, 1], [0, 1, 0], [-1, 0, 0]), name: "side"),
        ]
        let data = try SplatV.encode(cloud, cameras: cameras)

        // The layout the viewer expects: one splat chunk, a 4096-wide texture filled to whole rows.
        XCTAssertEqual([UInt8](data.prefix(4)), [0x4B, 0x67, 0, 0])
        let jsonLength = Int(data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) })
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + jsonLength))) as? [[String: Any]])
        XCTAssertEqual(header.count, 1)
        XCTAssertEqual(header[0]["type"] as? String, "splat")
        XCTAssertEqual(header[0]["texwidth"] as? Int, 4096)
        XCTAssertEqual(header[0]["texheight"] as? Int, 2)
        XCTAssertEqual(header[0]["size"] as? Int, 2 * 4096 * 16)
        XCTAssertEqual(data.count, 8 + jsonLength + 2 * 4096 * 16)

        let loaded = try SceneLoader.load(data: data, path: "roundtrip.bin")
        XCTAssertEqual(loaded.format, .splatv)
        let back = loaded.scene
        XCTAssertEqual(back.count, n)
        XCTAssertEqual(back.positions, cloud.positions)  // f32, exact
        let m = try XCTUnwrap(cloud.motion), mb = try XCTUnwrap(back.motion)
        // Half floats: relative error ≤ 2^−11, absolute 2^−25 near zero.
        func close(_ a: Float, _ b: Float, _ what: String, _ i: Int) {
            XCTAssertLessThanOrEqual(abs(a - b), abs(b) * 0x1p-11 + 0x1p-25, "\(what) of Gaussian \(i): \(a) vs \(b)")
        }
        for i in 0..<n {
            for k in 0..<3 {
                close(back.scales[i][k], cloud.scales[i][k], "scale", i)
                close(mb.velocities[i][k], m.velocities[i][k], "velocity", i)
                close(mb.accelerations[i][k], m.accelerations[i][k], "acceleration", i)
                close(mb.jerks[i][k], m.jerks[i][k], "jerk", i)
                // Colour: the DC term only, through a byte.
                let rgb = min(max(0.5 + Float(c0) * cloud.sh[(i * 4) * 3 + k], 0), 1)
                XCTAssertEqual(0.5 + Float(c0) * back.sh[i * 3 + k], rgb, accuracy: 0.5 / 255 + 1e-6)
            }
            for k in 0..<4 {
                close(back.rotations[i][k], cloud.rotations[i][k], "rotation", i)
                close(mb.angularVelocities[i][k], m.angularVelocities[i][k], "omega", i)
            }
            close(mb.timeCenters[i], m.timeCenters[i], "time centre", i)
            close(mb.timeScales[i], m.timeScales[i], "time scale", i)
            XCTAssertEqual(back.opacities[i], cloud.opacities[i], accuracy: 0.5 / 255 + 1e-6)
        }
        XCTAssertEqual(back.shDegree, 0)
        XCTAssertEqual(back.metadata.timeRange, 0...1)
        XCTAssertEqual(back.metadata.cameras.count, 2)
        for (a, b) in zip(back.metadata.cameras, cameras) {
            XCTAssertEqual(a.name, b.name)
            XCTAssertEqual([a.width, a.height], [b.width, b.height])
            XCTAssertEqual([a.fx, a.fy, a.cx, a.cy], [b.fx, b.fy, b.cx, b.cy])
            assertClose(a.rotation.r0, b.rotation.r0, 1e-6)
            assertClose(a.rotation.r1, b.rotation.r1, 1e-6)
            assertClose(a.rotation.r2, b.rotation.r2, 1e-6)
            assertClose(a.translation, b.translation, 1e-5)
        }
        // Re-encoding what was decoded is lossless (the Gaussians; cameras pass through floats).
        var withoutCameras = back
        withoutCameras.metadata.cameras = []
        XCTAssertEqual(try SplatV.decode(data: SplatV.encode(back, cameras: []), path: "x"), withoutCameras)
    }

    func testStaticCloudEncodesWithoutFalloff() throws {
        let still = TemporalCloud(static: SplatCloud(positions: [[1, 2, 3]], scales: [[0.5, 0.5, 0.5]],
                                                     rotations: [[1, 0, 0, 0]], opacities: [0.6], shDegree: 0, sh: [0, 0, 0]))
        let back = try SplatV.decode(data: SplatV.encode(still, cameras: []), path: "s.splatv")
        XCTAssertEqual(back.motion?.timeScales, [.infinity])
        XCTAssertEqual(back.motion?.velocities, [.zero])
        XCTAssertEqual(back.motion?.angularVelocities, [.zero])
        XCTAssertEqual(back.positions, [SIMD3(1, 2, 3)])
        XCTAssertEqual(back.opacities, [Float(153) / 255])
        XCTAssertEqual(back.sh, [Float((128.0 / 255 - 0.5) / c0), Float((128.0 / 255 - 0.5) / c0), Float((128.0 / 255 - 0.5) / c0)])
        for t: Float in [0, 0.5, 1] { XCTAssertEqual(back.state(0, at: t)?.position, SIMD3(1, 2, 3)) }
        XCTAssertEqual(back.state(0, at: 0.9)?.opacity, Float(153) / 255)
    }

    func testEncodingRejectsWhatTheFormatCannotHold() {
        func expect(_ message: String, _ cloud: TemporalCloud, line: UInt = #line) {
            XCTAssertThrowsError(try SplatV.encode(cloud, cameras: []), line: line) { error in
                XCTAssertEqual((error as? SplatV.EncodingError)?.description, message, line: line)
            }
        }
        var cloud = randomCloud(count: 3, shDegree: 0, seed: 1)
        cloud.positions[1].y = .nan
        expect("splatv: non-finite value in field 'y' of Gaussian 1", cloud)
        cloud = randomCloud(count: 3, shDegree: 0, seed: 1)
        cloud.motion!.velocities[2].x = 1e6
        expect("splatv: value 1000000.0 beyond the half-float range in field 'motion_0' of Gaussian 2", cloud)
        cloud = randomCloud(count: 3, shDegree: 0, seed: 1)
        cloud.scales[0].z = -1
        expect("splatv: negative scale -1.0 in field 'scale_2' of Gaussian 0", cloud)
        cloud = randomCloud(count: 3, shDegree: 0, seed: 1)
        cloud.motion!.timeScales[0] = .nan
        expect("splatv: invalid time scale nan in field 'trbf_scale' of Gaussian 0", cloud)
        expect("splatv: the cloud holds no Gaussians", randomCloud(count: 0, shDegree: 0, seed: 1))
    }

    // MARK: Malformed input

    func testWrongMagicFallsThroughToOtherFormats() {
        var data = handFile()
        data[0] = 0x4C
        if data.count % 32 == 0 { data.append(0) }  // not a headerless .splat either
        XCTAssertFalse(AntimatterSplat.looksLikeSplat(data))
        XCTAssertFalse(SplatV.looksLikeSplatV(data))
        expectProblem("not a PLY or .splat file (unrecognised content)", data)
        XCTAssertThrowsError(try SplatV.decode(data: data, path: "m.splatv")) { error in
            XCTAssertEqual((error as? SceneFileError)?.problem, "not a splatv file (magic 0x674c, expected 0x674b)")
        }
    }

    func testHeaderErrors() {
        expectProblem("truncated splatv header: 6 bytes, 8 needed", Data([0x4B, 0x67, 0, 0, 1, 0]))
        var data = Data(le32(0x674b) + le32(999_999) + Array("[]".utf8))
        expectProblem("JSON header length 999999 exceeds the file (10 bytes)", data)
        data = Data(le32(0x674b) + le32(0xFFFF_FFFF))
        expectProblem("JSON header length 4294967295 exceeds the file (8 bytes)", data)
        expectProblem("JSON header is not valid JSON", splatvFile(json: "[{\"type\": ", body: []))
        expectProblem("JSON header is not valid JSON", splatvFile(json: "", body: []))
        expectProblem("JSON header is not a list of chunk descriptors", splatvFile(json: splatChunk(size: 64), body: record(handRecord)))
        expectProblem("chunk 0: expected an object", splatvFile(json: "[1]", body: []))
        expectProblem("chunk 1: missing key 'type'", splatvFile(json: "[\(splatChunk(size: 64)),{\"size\":1}]", body: record(handRecord)))
        expectProblem("chunk 0: 'type' must be a string", splatvFile(json: "[{\"type\":7,\"size\":1}]", body: [0]))
        expectProblem("chunk 0: missing key 'size'", splatvFile(json: "[{\"type\":\"splat\"}]", body: []))
        for bad in ["-64", "64.5", "true", "\"64\"", "1e300"] {
            expectProblem("chunk 0: 'size' must be a whole number", splatvFile(json: "[{\"type\":\"splat\",\"size\":\(bad)}]", body: []))
        }
        expectProblem("chunk 0: 'texwidth' must be a whole number", splatvFile(json: "[{\"type\":\"splat\",\"size\":64,\"texwidth\":-4,\"texheight\":1}]", body: record(handRecord)))
        expectProblem("no splat chunk in the JSON header", splatvFile(json: "[{\"type\":\"notes\",\"size\":0}]", body: []))
        expectProblem("no splat chunk in the JSON header", splatvFile(json: "[]", body: []))
        expectProblem("more than one splat chunk (chunks 0 and 1)",
                      splatvFile(json: "[\(splatChunk(size: 64)),\(splatChunk(size: 64))]", body: record(handRecord) + record(handRecord)))
    }

    func testBodyErrors() {
        expectProblem("splat chunk size 65 is not a multiple of 64 bytes",
                      splatvFile(json: "[\(splatChunk(size: 65))]", body: record(handRecord) + [0]))
        // Ten declared (a 40×1 texture), seven and a bit present.
        let seven: [UInt8] = [UInt8](repeating: 0, count: 0) + (0..<7).flatMap { (_: Int) -> [UInt8] in record(handRecord) } + [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        expectProblem("truncated splatv body: 10 Gaussians declared, 7 present",
                      splatvFile(json: "[\(splatChunk(size: 640, width: 40, height: 1))]", body: seven))
        // A huge declared size is refused before anything is allocated.
        expectProblem("truncated splatv body: 1099511627776 Gaussians declared, 1 present",
                      splatvFile(json: "[\(splatChunk(size: 64 << 40))]", body: record(handRecord)))
        // An unknown chunk that claims the rest of the file pushes the splat chunk past the end.
        expectProblem("truncated splatv body: 1 Gaussians declared, 0 present",
                      splatvFile(json: "[{\"type\":\"notes\",\"size\":1000000},\(splatChunk(size: 64))]", body: record(handRecord)))
        expectProblem("truncated splatv body: 1 Gaussians declared, 0 present",
                      splatvFile(json: "[{\"type\":\"notes\",\"size\":9007199254740992},{\"type\":\"notes\",\"size\":9007199254740992},"
                                    + "\(splatChunk(size: 64))]", body: record(handRecord)))
        // The texture dimensions disagree with the size.
        expectProblem("splat chunk size 64 does not match its 4096×2 texture",
                      splatvFile(json: "[\(splatChunk(size: 64, width: 4096, height: 2))]", body: record(handRecord)))
        expectProblem("splat chunk size 64 does not match its 9007199254740992×9007199254740992 texture",
                      splatvFile(json: "[\(splatChunk(size: 64, width: 1 << 53, height: 1 << 53))]", body: record(handRecord)))
        expectProblem("the splat chunk holds no Gaussians",
                      splatvFile(json: "[\(splatChunk(size: 128))]", body: [UInt8](repeating: 0, count: 128)))
        expectProblem("the splat chunk holds no Gaussians", splatvFile(json: "[\(splatChunk(size: 0))]", body: []))
    }

    func testNonFiniteAndNegativeValuesNameTheGaussian() {
        func file(_ change: (inout [UInt32]) -> Void) -> Data {
            var second = handRecord
            change(&second)
            return splatvFile(json: "[\(splatChunk(size: 128))]", body: record(handRecord) + record(second))
        }
        expectProblem("non-finite value in field 'motion_4' of Gaussian 1", file { $0[10] = half2(0x7E00, 0xB600) })
        expectProblem("non-finite value in field 'y' of Gaussian 1", file { $0[1] = Float.infinity.bitPattern })
        expectProblem("non-finite value in field 'rot_3' of Gaussian 1", file { $0[4] = half2(0xBA00, 0xFC00) })
        expectProblem("non-finite value in field 'omega_2' of Gaussian 1", file { $0[14] = half2(0x7C01, 0x3400) })
        expectProblem("non-finite value in field 'trbf_center' of Gaussian 1", file { $0[15] = half2(0x7C00, 0x3800) })
        expectProblem("non-finite value in field 'trbf_scale' of Gaussian 1", file { $0[15] = half2(0x3400, 0x7E00) })
        expectProblem("negative scale in field 'scale_1' of Gaussian 1", file { $0[5] = half2(0x3000, 0xC000) })
        expectProblem("negative value in field 'trbf_scale' of Gaussian 1", file { $0[15] = half2(0x3400, 0xB800) })
    }

    func testCameraErrors() {
        let noFx = cameraJSON.replacingOccurrences(of: ",\"fx\":1159.5", with: "")
        expectProblem("camera 0: missing key 'fx'",
                      splatvFile(json: "[\(splatChunk(size: 64, cameras: noFx))]", body: record(handRecord)))
        expectProblem("splat chunk: 'cameras' must be a list of cameras",
                      splatvFile(json: "[{\"type\":\"splat\",\"size\":64,\"cameras\":{}}]", body: record(handRecord)))
    }

    // MARK: Crash safety

    /// Three Gaussians (a 12×1 texture), an unknown chunk, two cameras.
    private func smallValidFile() -> Data {
        let second = record(handRecord.enumerated().map { $0 == 0 ? 0x4000_0000 : $1 })
        let third = record(handRecord.enumerated().map { $0 == 15 ? half2(0x3800, 0x7C00) : $1 })
        let json = "[{\"type\":\"notes\",\"size\":3},\(splatChunk(size: 192, width: 12, height: 1, cameras: cameraJSON + "," + cameraJSON))]"
        return splatvFile(json: json, body: [7, 7, 7] + record(handRecord) + second + third)
    }

    private func loadsOrThrowsSceneFileError(_ data: Data, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try SceneLoader.load(data: data, path: "fuzz.splatv")
        } catch is SceneFileError {
        } catch {
            XCTFail("\(what): unexpected error \(error)", file: file, line: line)
        }
    }

    func testEveryPrefixLoadsOrFailsCleanly() throws {
        let data = smallValidFile()
        XCTAssertEqual(try SceneLoader.load(data: data, path: "ok.splatv").scene.count, 3)
        for length in 0..<data.count {
            loadsOrThrowsSceneFileError(data.prefix(length), "prefix \(length)")
        }
    }

    func testCorruptionsLoadOrFailCleanly() {
        let original = smallValidFile()
        let jsonEnd = 8 + Int(original.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) })
        var rng = LCG(state: 2024)
        var loaded = 0
        for trial in 0..<4000 {
            var data = original
            let edits = 1 + Int(rng.next() % 4)
            for _ in 0..<edits {
                // Aim a third of the edits at the header and JSON, where the structure lives.
                let position = rng.next() % 3 == 0 ? Int(rng.next() % UInt64(jsonEnd)) : Int(rng.next() % UInt64(data.count))
                switch rng.next() % 4 {
                case 0: data[position] ^= UInt8(1 << (rng.next() % 8))
                case 1: data[position] = UInt8(truncatingIfNeeded: rng.next())
                case 2: data[position] = [0x00, 0xFF, 0x7C, 0x7E, UInt8(ascii: "9"), UInt8(ascii: "-")][Int(rng.next() % 6)]
                default: data[position] = data[Int(rng.next() % UInt64(data.count))]
                }
            }
            if trial % 10 == 0 { data = data.prefix(Int(rng.next() % UInt64(data.count + 1))) }
            do {
                _ = try SceneLoader.load(data: data, path: "fuzz.splatv")
                loaded += 1
            } catch is SceneFileError {
            } catch {
                XCTFail("trial \(trial): unexpected error \(error)")
            }
        }
        // Both outcomes occur: many edits hit the Gaussians' values and still load.
        XCTAssertGreaterThan(loaded, 100)
        XCTAssertLessThan(loaded, 4000)
    }
}
