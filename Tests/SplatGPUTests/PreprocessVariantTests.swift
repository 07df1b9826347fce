import XCTest
@testable import SplatGPU

/// Preprocess pipelines are specialised per scene kind and made once per kind.
final class PreprocessVariantTests: GPUTestCase {
    func testVariantsAreMadeOncePerKind() throws {
        let pipelines = probe.pipelines
        let plain = PreprocessVariant(shDegree: 3, flags: 0)
        let first = try pipelines.preprocess(plain)
        XCTAssertTrue(first === (try pipelines.preprocess(plain)), "the same kind reuses its pipeline")
        let temporal = PreprocessVariant(shDegree: 3, flags: UInt32(ShaderContract.PREPROCESS_FLAG_TEMPORAL))
        XCTAssertFalse(first === (try pipelines.preprocess(temporal)))
        XCTAssertFalse(first === (try pipelines.preprocess(PreprocessVariant(shDegree: 0, flags: 0))))
        XCTAssertEqual(plain.constants, [3, 0])
    }
}
