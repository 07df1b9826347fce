import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats

/// One hand-built 32-byte antimatter15 record.
private func splatRecord(position: SIMD3<Float>, scale: SIMD3<Float>, rgba: [UInt8], rotation: [UInt8]) -> Data {
    var data = Data()
    for v in [position.x, position.y, position.z, scale.x, scale.y, scale.z] {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }
    data.append(contentsOf: rgba)
    data.append(contentsOf: rotation)
    return data
}

private func expectSplatProblem(_ problem: String, path: String = "s.splat", file: StaticString = #filePath,
                                line: UInt = #line, _ data: Data) {
    XCTAssertThrowsError(try SceneLoader.load(data: data, path: path), file: file, line: line) { error in
        XCTAssertEqual((error as? SceneFileError)?.problem, problem, file: file, line: line)
    }
}

final class SplatLoaderTests: XCTestCase {
    let c0 = 0.28209479177387814

    func testRecordMapsEveryField() throws {
        let first = splatRecord(position: [1.5, -2, 0.25], scale: [0.5, 0, 2],
                                rgba: [255, 0, 128, 0], rotation: [192, 128, 128, 0])
        XCTAssertEqual(first.count, 32)
        XCTAssertEqual([UInt8](first.prefix(4)), [0x00, 0x00, 0xC0, 0x3F])  // 1.5 little endian
        let second = splatRecord(position: [0, 0, 0], scale: [1, 1, 1],
                                 rgba: [51, 102, 204, 255], rotation: [128, 128, 128, 128])
        let third = splatRecord(position: [0, 0, 0], scale: [1, 1, 1],
                                rgba: [0, 0, 0, 51], rotation: [0, 255, 128, 128])
        let scene = try SceneLoader.load(data: first + second + third, path: "any-name")
        XCTAssertEqual(scene.format, .antimatterSplat)
        XCTAssertEqual(scene.formatDetail, "antimatter15")
        let cloud = scene.cloud
        XCTAssertEqual(cloud.count, 3)
        XCTAssertEqual(cloud.shDegree, 0)
        XCTAssertEqual(cloud.positions, [SIMD3(1.5, -2, 0.25), .zero, .zero])
        XCTAssertEqual(cloud.scales, [SIMD3(0.5, 0, 2), .one, .one])  // linear, as stored
        // f_dc = (rgb/255 − 0.5)/C0, so 0.5 + C0·f_dc gives rgb/255 back.
        let dc = { (byte: Double) in Float((byte / 255 - 0.5) / self.c0) }
        XCTAssertEqual(cloud.sh, [dc(255), dc(0), dc(128), dc(51), dc(102), dc(204), dc(0), dc(0), dc(0)])
        XCTAssertEqual(0.5 + Float(c0) * cloud.sh[0], 1, accuracy: 1e-6)
        XCTAssertEqual(0.5 + Float(c0) * cloud.sh[2], 128.0 / 255, accuracy: 1e-6)
        // a/255 clamped to [1e-4, 1 − 1e-4].
        XCTAssertEqual(cloud.opacities, [1e-4, 1 - 1e-4, 0.2])
        // (byte − 128)/128, normalised; all-128 is the zero quaternion, which becomes the identity.
        XCTAssertEqual(cloud.rotations, [normalizedQuaternion(SIMD4(0.5, 0, 0, -1)), SIMD4(1, 0, 0, 0),
                                         normalizedQuaternion(SIMD4(-1, 127.0 / 128, 0, 0))])
    }

    func testDetectionIsByContentNotName() throws {
        let record = splatRecord(position: [0, 0, 0], scale: [1, 1, 1], rgba: [1, 2, 3, 4], rotation: [255, 128, 128, 128])
        XCTAssertEqual(try SceneLoader.load(data: record, path: "scene.ply").format, .antimatterSplat)
        let ply = PLYWriter.gaussianPLY(SceneGenerator.benchmarkBall(count: 2, seed: 1))
        XCTAssertEqual(try SceneLoader.load(data: ply, path: "scene.splat").format, .gaussianPLY)
    }

    func testSizeNotAMultipleOf32() {
        let record = splatRecord(position: [0, 0, 0], scale: [1, 1, 1], rgba: [1, 2, 3, 4], rotation: [255, 128, 128, 128])
        let data = record + record.prefix(8)
        expectSplatProblem("truncated .splat file: 40 bytes is not a multiple of the 32-byte record size", data)
        XCTAssertThrowsError(try AntimatterSplat.decode(data: data, path: "x")) { error in
            XCTAssertEqual((error as? SceneFileError)?.problem,
                           "truncated .splat file: 40 bytes is not a multiple of the 32-byte record size")
        }
        // Without the .splat name the content alone cannot be recognised.
        expectSplatProblem("not a PLY or .splat file (unrecognised content)", path: "x.bin", data)
    }

    func testEmptyAndBadValues() {
        expectSplatProblem("the file is empty", Data())
        XCTAssertThrowsError(try AntimatterSplat.decode(data: Data(), path: "x")) { error in
            XCTAssertEqual((error as? SceneFileError)?.problem, "the file holds no Gaussians")
        }
        let good = splatRecord(position: [0, 0, 0], scale: [1, 1, 1], rgba: [1, 2, 3, 4], rotation: [255, 128, 128, 128])
        let nan = splatRecord(position: [0, .nan, 0], scale: [1, 1, 1], rgba: [1, 2, 3, 4], rotation: [255, 128, 128, 128])
        expectSplatProblem("non-finite value in field 'y' of Gaussian 1", good + nan)
        let inf = splatRecord(position: [0, 0, 0], scale: [1, 1, .infinity], rgba: [1, 2, 3, 4], rotation: [255, 128, 128, 128])
        expectSplatProblem("non-finite value in field 'scale_z' of Gaussian 0", path: "a.splat", inf)
        let negative = splatRecord(position: [0, 0, 0], scale: [1, -1, 1], rgba: [1, 2, 3, 4], rotation: [255, 128, 128, 128])
        expectSplatProblem("negative scale in field 'scale_y' of Gaussian 1", good + negative)
    }
}
