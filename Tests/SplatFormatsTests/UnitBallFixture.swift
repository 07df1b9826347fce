import Foundation
import SplatCore
import SplatFormats
import SplatTestSupport
import XCTest

/// Tests of the compressed formats' fixtures, all made from `compressed/source.ply` (every third
/// Gaussian of synthetic.ply's unit ball): the source, and how close two clouds render.
protocol UnitBallFixture {}

extension UnitBallFixture {
    func source() throws -> SplatCloud {
        try SceneLoader.load(path: TestPaths.fixtures.appendingPathComponent("compressed/source.ply").path).cloud
    }

    /// The worst PSNR of two views of the ball, from two sides.
    func psnr(_ a: SplatCloud, _ b: SplatCloud) throws -> Double {
        var worst = Double.infinity
        for eye: SIMD3<Float> in [[0, 0, -3.2], [2.2, -1, 2.2]] {
            let camera = try XCTUnwrap(Camera.lookAt(eye: eye, target: .zero, up: [0, -1, 0], fovY: 50, width: 96, height: 96))
            let ra = try ReferenceRasterizer().render(a, camera: camera, settings: RenderSettings())
            let rb = try ReferenceRasterizer().render(b, camera: camera, settings: RenderSettings())
            worst = min(worst, ImageMetrics.psnr(ra.colour, rb.colour))
        }
        return worst
    }
}
