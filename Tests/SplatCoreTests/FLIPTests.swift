import Foundation
import XCTest
@testable import SplatCore
import SplatTestSupport

/// FLIP against NVIDIA's reference implementation: the committed pairs in Tests/Fixtures/flip were
/// scored by flip-evaluator (tools/flip_fixtures.py); these tests need only the files.
final class FLIPTests: XCTestCase {
    struct Pair: Decodable {
        let name: String
        let width: Int
        let height: Int
        let pixelsPerDegree: Float
        let meanFLIP: Double
    }

    struct Pairs: Decodable { let pairs: [Pair] }

    static let folder = TestPaths.fixtures.appendingPathComponent("flip")

    func fixture(_ pair: Pair) throws -> (reference: Image, test: Image, map: [Float]) {
        func image(_ suffix: String) throws -> Image {
            let bytes = try Data(contentsOf: Self.folder.appendingPathComponent(pair.name + suffix))
            XCTAssertEqual(bytes.count, pair.width * pair.height * 3)
            return Image(width: pair.width, height: pair.height, channels: 3, pixels: bytes.map { Float($0) / 255 })
        }
        let raw = try Data(contentsOf: Self.folder.appendingPathComponent(pair.name + ".flip.u16"))
        let map = stride(from: 0, to: raw.count, by: 2).map { Float(UInt16(raw[$0]) | UInt16(raw[$0 + 1]) << 8) / 65535 }
        return (try image(".reference.rgb"), try image(".test.rgb"), map)
    }

    func testMatchesTheReferenceImplementationOnEveryFixturePair() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("pairs.json"))
        let pairs = try JSONDecoder().decode(Pairs.self, from: data).pairs
        XCTAssertEqual(pairs.count, 4)
        for pair in pairs {
            let (reference, test, expected) = try fixture(pair)
            let result = FLIP.errorMap(reference: reference, test: test, pixelsPerDegree: pair.pixelsPerDegree)
            XCTAssertEqual(result.errors.count, expected.count, pair.name)
            var worst: Float = 0
            for i in expected.indices { worst = max(worst, abs(result.errors[i] - expected[i])) }
            print("FLIP \(pair.name): mean \(result.mean) (reference \(pair.meanFLIP)), worst pixel difference \(worst)")
            XCTAssertEqual(result.mean, pair.meanFLIP, accuracy: 1e-3, pair.name)
            XCTAssertLessThanOrEqual(worst, 1e-2, pair.name)
        }
    }

    func testIdenticalImagesScoreZero() {
        let image = Image(width: 9, height: 7, channels: 3, pixels: (0..<189).map { Float($0 % 17) / 16 })
        let result = FLIP.errorMap(reference: image, test: image)
        XCTAssertEqual(result.errors, [Float](repeating: 0, count: 63))
        XCTAssertEqual(result.mean, 0)
    }

    func testBlackAgainstWhiteIsTheLargestError() {
        let black = Image(width: 32, height: 32, channels: 3, fill: 0)
        let white = Image(width: 32, height: 32, channels: 3, fill: 1)
        let result = FLIP.errorMap(reference: black, test: white)
        // HyAB(black, white) = 100 exceeds pc·cmax, and flat images have no features: 0.95 + (100^0.7 − pc·cmax)/(cmax − pc·cmax)·0.05.
        let cmax = ColourPipeline.maximumDistance, pccmax = 0.4 * cmax
        let expected = 0.95 + (powf(100, 0.7) - pccmax) / (cmax - pccmax) * 0.05
        XCTAssertEqual(result.errors[0], expected, accuracy: 1e-4)
        XCTAssertEqual(result.mean, Double(expected), accuracy: 1e-4)
    }

    func testGreyImagesCountAsRGBAndAlphaIsIgnored() {
        let values: [Float] = (0..<48).map { Float($0) / 47 }
        let grey = Image(width: 8, height: 6, channels: 1, pixels: values)
        let rgb = Image(width: 8, height: 6, channels: 3, pixels: values.flatMap { [$0, $0, $0] })
        let rgba = Image(width: 8, height: 6, channels: 4, pixels: values.flatMap { [$0, $0, $0, 0.25] })
        let shifted = Image(width: 8, height: 6, channels: 3, pixels: values.flatMap { [$0, $0 * 0.5, $0] })
        let a = FLIP.errorMap(reference: grey, test: shifted)
        XCTAssertEqual(a, FLIP.errorMap(reference: rgb, test: shifted))
        XCTAssertEqual(a, FLIP.errorMap(reference: rgba, test: shifted))
        XCTAssertGreaterThan(a.mean, 0.05)
    }

    func testDefaultViewerIs67PixelsPerDegree() {
        XCTAssertEqual(FLIP.defaultPixelsPerDegree, 67.0206, accuracy: 1e-3)
        XCTAssertEqual(FLIP.pixelsPerDegree(distance: 1, displayWidthPixels: 1920, displayWidth: 0.5), 67.0206, accuracy: 1e-3)
    }

    func testOutputIsDeterministicAcrossRuns() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("pairs.json"))
        let pair = try JSONDecoder().decode(Pairs.self, from: data).pairs[1]
        let (reference, test, _) = try fixture(pair)
        XCTAssertEqual(FLIP.errorMap(reference: reference, test: test), FLIP.errorMap(reference: reference, test: test))
    }
}

final class ErrorMapTests: XCTestCase {
    func testMagmaEndsAndMidpointAreMatplotlibs() {
        XCTAssertEqual(Magma.colours.count, 256)
        XCTAssertEqual(Magma.colour(0), SIMD3<Float>(0.001462, 0.000466, 0.013866))
        XCTAssertEqual(Magma.colour(1), SIMD3<Float>(0.987053, 0.991438, 0.749504))
        XCTAssertEqual(Magma.colour(-3), Magma.colour(0))
        XCTAssertEqual(Magma.colour(.nan), Magma.colour(0))
        XCTAssertEqual(Magma.colour(0.5), Magma.colours[128])
    }

    func testFLIPMapIsMagmaOfEachError() {
        let map = FLIPErrorMap(width: 2, height: 1, errors: [0, 1])
        let image = ErrorMaps.flip(map)
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(Array(image.pixels[0..<3]), [0.001462, 0.000466, 0.013866])
        XCTAssertEqual(Array(image.pixels[3..<6]), [0.987053, 0.991438, 0.749504])
    }

    func testAbsoluteDifferenceIgnoresAlphaAndAddsAColourBar() {
        let a = Image(width: 2, height: 3, channels: 4, pixels: [Float](repeating: 0.5, count: 24))
        var b = a
        b[1, 2, 0] = 0.8   // mean |Δ| over RGB: 0.1
        b[0, 0, 3] = 0     // alpha differs: not counted
        let errors = ErrorMaps.absoluteDifference(a, b)
        XCTAssertEqual(errors[5], 0.1, accuracy: 1e-6)
        XCTAssertEqual(errors[0], 0)
        let (image, scale) = ErrorMaps.absoluteDifference(a, b, scale: nil)
        XCTAssertEqual(scale, 0.1, accuracy: 1e-6)
        XCTAssertEqual(image.width, 2 + ErrorMaps.colourBarWidth)
        XCTAssertEqual(image[1, 2, 0], Magma.colour(1).x)
        XCTAssertEqual(image[0, 0, 0], Magma.colour(0).x)
        // The bar: black gap, then the top row brightest and the bottom row darkest.
        XCTAssertEqual(image[2 + 1, 0, 0], 0)
        XCTAssertEqual(image[2 + 6, 0, 1], Magma.colour(1).y)
        XCTAssertEqual(image[2 + 6, 2, 1], Magma.colour(0).y)
    }
}
