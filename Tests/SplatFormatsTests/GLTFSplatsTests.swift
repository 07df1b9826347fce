import Foundation
import SplatCore
@testable import SplatFormats
import SplatTestSupport
import XCTest

/// glTF KHR_gaussian_splatting: files from an independent writer (pygltflib, see
/// Tests/Fixtures/gltf/README.md), node transforms checked by rendering, our writer, hostile input.
final class GLTFSplatsTests: XCTestCase, UnitBallFixture {
    static func fixture(_ name: String) -> String { TestPaths.fixtures.appendingPathComponent("gltf/\(name)").path }

    func render(_ cloud: SplatCloud, eye: SIMD3<Float>, target: SIMD3<Float> = .zero, up: SIMD3<Float> = [0, -1, 0]) throws -> Image {
        let camera = try XCTUnwrap(Camera.lookAt(eye: eye, target: target, up: up, fovY: 50, width: 96, height: 96))
        return try ReferenceRasterizer().render(cloud, camera: camera, settings: RenderSettings()).colour
    }

    func assertClose(_ a: SplatCloud, _ b: SplatCloud, tolerance: Float = 2e-6, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        XCTAssertEqual(a.shDegree, b.shDegree, file: file, line: line)
        guard a.count == b.count, a.shDegree == b.shDegree else { return }
        func worst<T: Collection>(_ x: T, _ y: T, _ d: (T.Element, T.Element) -> Float) -> Float { zip(x, y).map(d).max() ?? 0 }
        XCTAssertLessThanOrEqual(worst(a.positions, b.positions) { (($0 - $1) * ($0 - $1)).sum().squareRoot() }, tolerance, "positions", file: file, line: line)
        XCTAssertLessThanOrEqual(worst(a.scales, b.scales) { ((($0 - $1) / $1) * (($0 - $1) / $1)).max() }, tolerance, "scales", file: file, line: line)
        XCTAssertLessThanOrEqual(worst(a.rotations, b.rotations) { 1 - abs(($0 * $1).sum()) }, tolerance, "rotations", file: file, line: line)
        XCTAssertLessThanOrEqual(worst(a.opacities, b.opacities) { abs($0 - $1) }, tolerance, "opacities", file: file, line: line)
        XCTAssertLessThanOrEqual(worst(a.sh, b.sh) { abs($0 - $1) }, tolerance, "SH", file: file, line: line)
    }

    // MARK: - Files from pygltflib

    func testPlainGLTFWithExternalBufferIsTheSource() throws {
        let loaded = try SceneLoader.load(path: Self.fixture("plain.gltf"))
        XCTAssertEqual(loaded.format, .gltfSplats)
        XCTAssertEqual(loaded.formatDetail, "1 splat primitive, glTF +Y up turned to the PLY's y down")
        assertClose(loaded.cloud, try source())
    }

    func testDataURIAndLogScales() throws {
        let source = try source()
        func prefix(_ n: Int) -> SplatCloud {
            SplatCloud(positions: Array(source.positions[..<n]), scales: Array(source.scales[..<n]), rotations: Array(source.rotations[..<n]),
                       opacities: Array(source.opacities[..<n]), shDegree: 3, sh: Array(source.sh[..<(n * 48)]))
        }
        assertClose(try SceneLoader.load(path: Self.fixture("datauri.gltf")).cloud, prefix(20))
        let log = try SceneLoader.load(path: Self.fixture("logscale.glb"))
        XCTAssert(log.formatDetail.hasSuffix("meshes[0].primitives[0]: log-space scales"), log.formatDetail)
        assertClose(log.cloud, prefix(50), tolerance: 1e-5)
    }

    func testSPZCompressionExtensionIsTheSPZFile() throws {
        let glb = try SceneLoader.load(path: Self.fixture("spz.glb")).cloud
        let spz = try SceneLoader.load(path: TestPaths.fixtures.appendingPathComponent("compressed/gsply-v3.spz").path).cloud
        XCTAssertEqual(glb, spz)
    }

    /// nodes.glb holds the source under a translated parent and a rotated, scaled child (glTF
    /// axes). Moving the camera by the same transform must give the source's image: centres,
    /// covariances and the view-dependent colour (the SH turned) all follow the node.
    func testNestedNodeTransformsMoveTheGaussiansAndTheirSH() throws {
        let loaded = try SceneLoader.load(path: Self.fixture("nodes.glb")).cloud
        let source = try source()
        // tools/gltf_fixtures.py: translation (0.5, −0.25, 1); rotation 40° about (1, 2, 0.5); scale 1.5.
        let axis = SIMD3<Double>(1, 2, 0.5) / (SIMD3<Double>(1, 2, 0.5) * SIMD3<Double>(1, 2, 0.5)).sum().squareRoot()
        let half = 40.0 * .pi / 360
        let r = GLTFNodeTransform.rotationMatrix(x: axis.x * sin(half), y: axis.y * sin(half), z: axis.z * sin(half), w: cos(half))
        func world(_ p: SIMD3<Float>, translate: Bool = true) -> SIMD3<Float> {
            // Into glTF axes, through the node, back into ours.
            let g = SIMD3<Double>(Double(p.x), -Double(p.y), -Double(p.z))
            var out = SIMD3<Double>(repeating: 0)
            for row in 0..<3 {
                var sum = 0.0
                for column in 0..<3 { sum += r[row * 3 + column] * g[column] }
                out[row] = sum * 1.5
            }
            if translate { out += SIMD3<Double>(0.5, -0.25, 1) }
            return SIMD3(Float(out.x), Float(-out.y), Float(-out.z))
        }
        var worst = Double.infinity
        for eye: SIMD3<Float> in [[0, 0, -3.2], [2.2, -1, 2.2], [-1.5, 2, -2]] {
            let expected = try render(source, eye: eye)
            let moved = try render(loaded, eye: world(eye), target: world(.zero), up: world([0, -1, 0], translate: false))
            worst = min(worst, ImageMetrics.psnr(expected, moved))
        }
        // Quantised rotations (16-bit) and opacities (8-bit) in the file: close, not exact.
        XCTAssertGreaterThanOrEqual(worst, 45)
        // Without turning the SH the view-dependent colour would be off: the check can fail.
        var unturned = loaded
        unturned.sh = source.sh
        let eye: SIMD3<Float> = [2.2, -1, 2.2]
        XCTAssertLessThan(ImageMetrics.psnr(try render(source, eye: eye),
                                            try render(unturned, eye: world(eye), target: world(.zero), up: world([0, -1, 0], translate: false))),
                          worst - 3)
    }

    // MARK: - Our writer

    func testWriterRoundTripsEveryDegree() throws {
        for degree in 0...3 {
            let cloud = SceneGenerator.benchmarkBall(count: 300, seed: 4, shDegree: degree)
            let data = GLTFSplats.encode(cloud)
            let read = try GLTFSplats.read(data: data, path: "ours.glb")
            assertClose(read.cloud, cloud)
            XCTAssertEqual(try SceneLoader.load(data: data, path: "ours.glb").format, .gltfSplats)
        }
        XCTAssertEqual(ExportFormat(path: "x.GLB"), .glb)
    }

    // MARK: - Hostile and unsupported input

    /// A GLB of `cloud` with its JSON changed by `edit`.
    func glb(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let data = GLTFSplats.encode(SceneGenerator.benchmarkBall(count: 10, seed: 2, shDegree: 1))
        let jsonLength = Int(data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self) })
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data.subdata(in: 20..<(20 + jsonLength))) as? [String: Any])
        let bin = data.subdata(in: (28 + jsonLength)..<data.count)
        edit(&json)
        var text = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        while text.count % 4 != 0 { text.append(0x20) }
        var out = Data("glTF".utf8)
        func word(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        word(2); word(12 + 8 + text.count + 8 + bin.count)
        word(text.count); out.append(Data("JSON".utf8)); out.append(text)
        word(bin.count); out.append(Data([0x42, 0x49, 0x4E, 0])); out.append(bin)
        return out
    }

    func primitive(_ json: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var meshes = json["meshes"] as! [[String: Any]]
        var primitives = meshes[0]["primitives"] as! [[String: Any]]
        edit(&primitives[0])
        meshes[0]["primitives"] = primitives
        json["meshes"] = meshes
    }

    func accessor(_ json: inout [String: Any], _ index: Int, _ edit: (inout [String: Any]) -> Void) {
        var accessors = json["accessors"] as! [[String: Any]]
        edit(&accessors[index])
        json["accessors"] = accessors
    }

    func testHostileAndUnsupportedFilesAreNamed() throws {
        let cases: [(Data, String)] = [
            (try glb { self.accessor(&$0, 1) { $0["sparse"] = ["count": 1] } },
             "accessors[1] (KHR_gaussian_splatting:ROTATION) is a sparse accessor, which this reader does not support"),
            (try glb { self.primitive(&$0) { $0["extensions"] = nil } },
             "no mesh primitive of the scene carries KHR_gaussian_splatting"),
            (try glb { $0["extensionsUsed"] = nil; self.primitive(&$0) { $0["extensions"] = nil } },
             "a glTF without the KHR_gaussian_splatting extension: no Gaussian splats to render"),
            (try glb { self.accessor(&$0, 0) { $0["count"] = 11 } },
             "accessors[0] (POSITION): 11 elements of 12 bytes every 12 from byte 0 overrun bufferViews[0] (120 bytes)"),
            (try glb { self.accessor(&$0, 2) { $0["count"] = 9 } }, "meshes[0].primitives[0]: SCALE has 9 elements, POSITION 10"),
            (try glb { var views = $0["bufferViews"] as! [[String: Any]]; views[0]["byteLength"] = 1 << 20; $0["bufferViews"] = views },
             "bufferViews[0] (bytes 0..<1048576) lies outside buffers[0]"),
            (try glb { self.primitive(&$0) { var a = $0["attributes"] as! [String: Any]; a["KHR_gaussian_splatting:OPACITY"] = nil; $0["attributes"] = a } },
             "meshes[0].primitives[0] has no KHR_gaussian_splatting:OPACITY attribute"),
            (try glb { self.primitive(&$0) { var a = $0["attributes"] as! [String: Any]; a["KHR_gaussian_splatting:SH_DEGREE_1_COEF_2"] = nil; $0["attributes"] = a } },
             "meshes[0].primitives[0]: SH degree 1 is partly defined (2 of 3 coefficients)"),
            (try glb { self.primitive(&$0) { $0["mode"] = 4 } },
             "meshes[0].primitives[0] is a splat primitive whose mode is 4, not POINTS (0)"),
            (try glb { $0["nodes"] = [["mesh": 0, "children": [0]]] }, "nodes[0] is reached twice: the node hierarchy is not a tree"),
            (try glb { $0["asset"] = ["version": "1.0"] }, "glTF version 1.0 is not supported (this reader takes 2.x)"),
            (try glb { self.accessor(&$0, 1) { $0["componentType"] = 5125 } },
             "accessors[1] (KHR_gaussian_splatting:ROTATION) has component type 5125, which KHR_gaussian_splatting:ROTATION may not use"),
            (try glb { $0["buffers"] = [["byteLength": 10, "uri": "missing.bin"]] }, "buffers[0]: "),
            (try glb { $0["nodes"] = [["mesh": 0, "matrix": [1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]]] },
             "nodes[0].matrix is not affine (its last row is not 0, 0, 0, 1)"),
            (Data("glTF".utf8) + Data([2, 0, 0, 0, 0xFF, 0, 0, 0]) + Data(count: 8), "truncated GLB: the header declares 255 bytes, the file holds 20"),
        ]
        for (data, message) in cases {
            XCTAssertThrowsError(try SceneLoader.load(data: data, path: "bad.glb"), message) { error in
                XCTAssert("\(error)".hasPrefix("bad.glb: " + message), "\(error)\n  expected: \(message)")
            }
        }
    }

    func testNonSimilarityNodeIsRefactoredAndSaysTheSHStay() throws {
        // A non-uniform scale: covariances follow exactly (checked against A·Σ·Aᵀ), SH degree ≥ 1 cannot turn.
        let data = try glb { $0["nodes"] = [["mesh": 0, "scale": [2, 1, 0.5]]] }
        let read = try GLTFSplats.read(data: data, path: "shear.glb")
        XCTAssert(read.detail.hasSuffix("meshes[0].primitives[0]: SH not turned by its node's shear"), read.detail)
        let original = SceneGenerator.benchmarkBall(count: 10, seed: 2, shDegree: 1)
        for i in 0..<original.count {
            func covariance(_ q: SIMD4<Float>, _ s: SIMD3<Float>) -> [Float] {
                let r = Mat3.rotation(quaternionWXYZ: q)
                var out = [Float](repeating: 0, count: 9)
                for e in 0..<9 { for k in 0..<3 { out[e] += r[e / 3, k] * s[k] * s[k] * r[e % 3, k] } }
                return out
            }
            let before = covariance(original.rotations[i], original.scales[i])
            let after = covariance(read.cloud.rotations[i], read.cloud.scales[i])
            // In our axes the node's scale (2, 1, 0.5) is the same diagonal (the half turn about x keeps axes).
            let d: [Float] = [2, 1, 0.5]
            for e in 0..<9 {
                XCTAssertEqual(after[e], before[e] * d[e / 3] * d[e % 3], accuracy: 1e-5 * max(1, abs(before[e])), "Gaussian \(i) element \(e)")
            }
            XCTAssertEqual(read.cloud.positions[i], original.positions[i] * SIMD3(2, 1, 0.5))
        }
    }
}
