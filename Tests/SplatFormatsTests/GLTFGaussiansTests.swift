import Foundation
import SplatCore
@testable import SplatFormats
import SplatTestSupport
import XCTest

/// glTF 2.0 with KHR_gaussian_splatting: files written by pygltflib (Tests/Fixtures/gltf/README.md)
/// against what they must load as (the script's *-expected.ply, computed independently), and hostile input.
final class GLTFGaussiansTests: XCTestCase {
    static let folder = TestPaths.fixtures.appendingPathComponent("gltf")
    static func fixture(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func load(_ name: String) throws -> LoadedScene { try SceneLoader.load(path: Self.fixture(name)) }

    func maxAbs(_ v: SIMD3<Float>) -> Float { max(abs(v.x), abs(v.y), abs(v.z)) }
    func maxAbs(_ v: SIMD4<Float>) -> Float { max(abs(v.x), abs(v.y), abs(v.z), abs(v.w)) }

    /// Attribute by attribute; quaternions up to sign.
    func assertClose(_ a: SplatCloud, _ b: SplatCloud, tolerance: Float = 2e-5, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        XCTAssertEqual(a.shDegree, b.shDegree, file: file, line: line)
        guard a.count == b.count, a.shDegree == b.shDegree else { return }
        func close(_ x: Float, _ y: Float) -> Bool { abs(x - y) <= tolerance * max(1, abs(y)) }
        for i in 0..<a.count {
            let p = a.positions[i] - b.positions[i], s = a.scales[i] - b.scales[i]
            let q = min(maxAbs(a.rotations[i] - b.rotations[i]), maxAbs(a.rotations[i] + b.rotations[i]))
            if !(maxAbs(p) <= tolerance * 10 && maxAbs(s) <= tolerance * max(1, b.scales[i].max()) && q <= tolerance * 10
                 && close(a.opacities[i], b.opacities[i])) {
                return XCTFail("Gaussian \(i): \(a.positions[i]) \(a.scales[i]) \(a.rotations[i]) \(a.opacities[i]) vs "
                               + "\(b.positions[i]) \(b.scales[i]) \(b.rotations[i]) \(b.opacities[i])", file: file, line: line)
            }
        }
        for (k, (x, y)) in zip(a.sh, b.sh).enumerated() where !close(x, y) {
            return XCTFail("SH value \(k): \(x) vs \(y)", file: file, line: line)
        }
    }

    func testFloatGLBLoadsAsTheSourceWithEverySHDegree() throws {
        let loaded = try load("float.glb")
        XCTAssertEqual(loaded.format, .gltf)
        XCTAssertEqual(loaded.cloud.count, 200)
        XCTAssertEqual(loaded.cloud.shDegree, 3)
        XCTAssert(loaded.formatDetail.contains("+Y-up"), loaded.formatDetail)
        assertClose(loaded.cloud, try load("float-expected.ply").cloud)
    }

    func testQuantisedGLTFWithExternalInterleavedBuffer() throws {
        let loaded = try load("quantized.gltf")
        XCTAssertEqual(loaded.cloud.shDegree, 1)
        assertClose(loaded.cloud, try load("quantized-expected.ply").cloud, tolerance: 1e-4)
    }

    func testNodeTransformsFromDataURI() throws {
        let loaded = try load("transformed.gltf")
        assertClose(loaded.cloud, try load("transformed-expected.ply").cloud, tolerance: 1e-4)
    }

    /// Rendered from two sides by the CPU reference: each fixture against its expected PLY.
    func testEachFixtureRendersAsItsExpectedPLYAbove45dB() throws {
        for name in ["float", "quantized", "transformed"] {
            let a = try load(name + (name == "float" ? ".glb" : ".gltf")).cloud, b = try load(name + "-expected.ply").cloud
            let centre = try XCTUnwrap(Bounds(of: b.positions)).center
            for offset: SIMD3<Float> in [[0, 0, -3.2], [2.2, -1, 2.2]] {
                let camera = try XCTUnwrap(Camera.lookAt(eye: centre + offset * (name == "transformed" ? 2 : 1), target: centre,
                                                         up: [0, -1, 0], fovY: 50, width: 96, height: 96))
                let ra = try ReferenceRasterizer().render(a, camera: camera, settings: RenderSettings())
                let rb = try ReferenceRasterizer().render(b, camera: camera, settings: RenderSettings())
                XCTAssertGreaterThanOrEqual(ImageMetrics.psnr(ra.colour, rb.colour), 45, name)
            }
        }
    }

    func testRefusedVariantsAreNamed() {
        assertFileProblem("accessor 0 (POSITION) is a sparse accessor, which this reader does not support") {
            _ = try self.load("sparse.gltf")
        }
        assertFileProblem("a glTF 2.0 file without KHR_gaussian_splatting primitives: it holds no Gaussian splats") {
            _ = try self.load("points-only.gltf")
        }
    }

    // MARK: - Hand-made variants of the seed

    private func json(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var root = try XCTUnwrap(try JSONSerialization.jsonObject(with: GLTFGaussians.glb(SeedScenes.staticCloud(), dataURI: true)) as? [String: Any])
        edit(&root)
        return try JSONSerialization.data(withJSONObject: root)
    }

    private func decode(_ data: Data, path: String = "f.gltf") throws -> SplatCloud {
        try GLTFGaussians().decode(SceneSource(path: path, data: data), options: .init()).cloud
    }

    func testSeedsRoundTripThroughTheAxisMapping() throws {
        let cloud = SeedScenes.staticCloud()
        assertClose(try decode(GLTFGaussians.glb(cloud), path: "f.glb"), cloud, tolerance: 1e-5)
        assertClose(try decode(GLTFGaussians.glb(cloud, dataURI: true)), cloud, tolerance: 1e-5)
    }

    func testHostileFiles() throws {
        let glb = try GLTFGaussians.glb(SeedScenes.staticCloud())
        assertFileProblem("truncated GLB: the header declares \(glb.count) bytes, the file holds \(glb.count - 10)") {
            _ = try self.decode(glb.prefix(glb.count - 10), path: "f.glb")
        }
        assertFileProblem("requires the glTF extension KHR_gaussian_splatting_compression_spz_2, which this reader does not support") {
            _ = try self.decode(try self.json { $0["extensionsRequired"] = ["KHR_gaussian_splatting_compression_spz_2"] })
        }
        assertFileProblem("buffers[0]: uri '../secret.bin' is not a relative file in the asset's folder") {
            _ = try self.decode(try self.json { root in
                var buffers = root["buffers"] as! [[String: Any]]
                buffers[0]["uri"] = "../secret.bin"
                root["buffers"] = buffers
            })
        }
        // An accessor whose elements run past its buffer view.
        let overrun = try json { root in
            var accessors = root["accessors"] as! [[String: Any]]
            accessors[0]["byteOffset"] = 8
            root["accessors"] = accessors
        }
        XCTAssertThrowsError(try decode(overrun)) { error in
            XCTAssert("\(error)".contains("overrun its"), "\(error)")
        }
        // A node cycle stops at the depth limit.
        let cycle = try json { root in root["nodes"] = [["mesh": 0, "children": [1]], ["children": [0]]] }
        XCTAssertThrowsError(try decode(cycle)) { error in XCTAssert("\(error)".contains("deeper than 64"), "\(error)") }
        // A non-uniform node scale.
        let stretched = try json { root in root["nodes"] = [["mesh": 0, "scale": [1, 2, 1]]] }
        XCTAssertThrowsError(try decode(stretched)) { error in XCTAssert("\(error)".contains("not uniform"), "\(error)") }
        // A count far beyond the data is refused before allocation.
        let huge = try json { root in
            var accessors = root["accessors"] as! [[String: Any]]
            accessors[0]["count"] = 1 << 40
            root["accessors"] = accessors
        }
        XCTAssertThrowsError(try decode(huge))
        XCTAssertFalse(GLTFGaussians().detects(SceneSource(path: "c.json", data: Data("[1, 2]".utf8))))
        XCTAssertTrue(GLTFGaussians().detects(SceneSource(path: "x", data: Data(" {\"asset\": {}}".utf8))))
    }

    func testLogSpaceScalesOfEarlyExportersAreDetected() throws {
        var cloud = SeedScenes.staticCloud()
        cloud.scales = cloud.scales.map { $0 * 0.01 }
        let linear = cloud.scales
        cloud.scales = cloud.scales.map { SIMD3(log($0.x), log($0.y), log($0.z)) }
        XCTAssert(cloud.scales.contains { $0.min() < 0 }, "the seed needs a scale below 1 for this test")
        let loaded = try GLTFGaussians().decode(SceneSource(path: "f.glb", data: GLTFGaussians.glb(cloud)), options: .init())
        XCTAssert(loaded.formatDetail.contains("log-space"), loaded.formatDetail)
        for (a, b) in zip(loaded.cloud.scales, linear) { XCTAssertLessThan(maxAbs(a - b), 1e-5 * max(1, b.max())) }
    }
}
