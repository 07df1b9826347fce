import Foundation
import SplatCore
@testable import SplatFormats
import SplatTestSupport
import XCTest

/// The fast record decoder must give exactly the general row reader's floats, take only the
/// layouts it can read by offsets, and leave non-finite values to the row reader's exact error.
final class FloatRecordDecoderTests: XCTestCase {
    private func decodeBothWays(_ data: Data) throws -> (fast: SplatCloud?, rows: SplatCloud) {
        let ply = try PLYFile(data: data, path: "test.ply")
        let vertex = try XCTUnwrap(ply.header.element(named: "vertex"))
        let layout = ColumnLayout(degree: try GaussianPLY.shDegree(of: vertex, path: ply.path))
        let fast = ply.floatRecords(of: "vertex", properties: layout.names)
            .flatMap { FloatRecordDecoder(layout: layout, records: $0).decode(ply.data) }
        return (fast, try layout.cloudByRows(from: ply, count: vertex.count))
    }

    func testEveryDegreeMatchesTheRowReaderBitForBit() throws {
        for degree in 0...3 {
            // More rows than one chunk, so several chunks run in parallel and meet at their edges.
            let cloud = SceneGenerator.benchmarkBall(count: FloatRecordDecoder.chunkRows * 2 + 17, seed: 3, shDegree: degree)
            let (fast, rows) = try decodeBothWays(PLYWriter.gaussianPLY(cloud))
            let decoded = try XCTUnwrap(fast, "degree \(degree): the standard layout takes the record decoder")
            XCTAssertEqual(decoded, rows, "degree \(degree)")
            XCTAssertEqual(decoded.sh.map(\.bitPattern), rows.sh.map(\.bitPattern), "degree \(degree)")
        }
    }

    func testShuffledColumnsAndExtraPropertiesAreReadByName() throws {
        let cloud = SceneGenerator.benchmarkBall(count: 300, seed: 9, shDegree: 1)
        var names = PLYWriter.propertyNames(shDegree: 1)
        let values = PLYWriter.rawValues(cloud)
        // Reverse the columns and add a float the reader ignores.
        let width = names.count
        names = names.reversed() + ["confidence"]
        var shuffled: [Float] = []
        for row in 0..<cloud.count {
            shuffled += values[(row * width)..<((row + 1) * width)].reversed() + [Float(row)]
        }
        let (fast, rows) = try decodeBothWays(PLYWriter.table(names: names, values: shuffled))
        XCTAssertEqual(try XCTUnwrap(fast), rows)
        XCTAssertEqual(rows, try GaussianPLY.load(data: PLYWriter.gaussianPLY(cloud), path: "plain.ply"))
    }

    func testOtherLayoutsTakeTheRowReader() throws {
        let cloud = SceneGenerator.benchmarkBall(count: 50, seed: 2, shDegree: 0)
        for encoding in [PLYEncoding.binaryBigEndian, .ascii] {
            let ply = try PLYFile(data: PLYWriter.gaussianPLY(cloud, encoding: encoding), path: "x.ply")
            XCTAssertNil(ply.floatRecords(of: "vertex", properties: ColumnLayout(degree: 0).names), "\(encoding)")
        }
        // A double among the requested properties: no plain 4-byte loads.
        var w = ByteWriter(bigEndian: false)
        w.text("ply\nformat binary_little_endian 1.0\nelement vertex 1\n")
        for name in ColumnLayout(degree: 0).names { w.text(name == "opacity" ? "property double opacity\n" : "property float \(name)\n") }
        w.text("end_header\n")
        for name in ColumnLayout(degree: 0).names {
            if name == "opacity" { w.f64(0.5) } else { w.f32(name == "rot_0" ? 1 : 0.25) }
        }
        let ply = try PLYFile(data: w.data, path: "double.ply")
        XCTAssertNil(ply.floatRecords(of: "vertex", properties: ColumnLayout(degree: 0).names))
        XCTAssertEqual(try GaussianPLY.cloud(from: ply).opacities, [sigmoid(0.5)])
    }

    func testNonFiniteValueKeepsTheRowReadersExactError() throws {
        var cloud = SceneGenerator.benchmarkBall(count: FloatRecordDecoder.chunkRows + 5, seed: 4, shDegree: 0)
        cloud.positions[FloatRecordDecoder.chunkRows + 2].y = .nan
        let data = PLYWriter.gaussianPLY(cloud)
        let ply = try PLYFile(data: data, path: "nan.ply")
        let layout = ColumnLayout(degree: 0)
        let records = try XCTUnwrap(ply.floatRecords(of: "vertex", properties: layout.names))
        XCTAssertNil(FloatRecordDecoder(layout: layout, records: records).decode(data))
        XCTAssertThrowsError(try GaussianPLY.load(data: data, path: "nan.ply")) { error in
            XCTAssertEqual("\(error)", "nan.ply: non-finite value in property 'y' of vertex \(FloatRecordDecoder.chunkRows + 2)")
        }
    }
}
