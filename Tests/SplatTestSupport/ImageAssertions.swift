import SplatCore
import XCTest

/// Largest absolute difference between two images of the same shape.
public func maxAbsDifference(_ a: Image, _ b: Image) -> Float {
    precondition(ImageMetrics.sameShape(a, b))
    var worst: Float = 0
    for i in a.pixels.indices { worst = max(worst, abs(a.pixels[i] - b.pixels[i])) }
    return worst
}

/// Fails unless the two frames are equal bit for bit: statistics, colour, alpha and depth.
public func assertSameFrame(_ a: RenderedFrame, _ b: RenderedFrame, _ what: String = "",
                            file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.statistics, b.statistics, "\(what) statistics", file: file, line: line)
    XCTAssertEqual(a.colour.pixels.map(\.bitPattern), b.colour.pixels.map(\.bitPattern), "\(what) colour", file: file, line: line)
    XCTAssertEqual(a.alpha.pixels.map(\.bitPattern), b.alpha.pixels.map(\.bitPattern), "\(what) alpha", file: file, line: line)
    XCTAssertEqual(a.depth.pixels.map(\.bitPattern), b.depth.pixels.map(\.bitPattern), "\(what) depth", file: file, line: line)
}

/// Fails unless `error` is a `SceneFileError` with exactly this problem.
public func assertFileProblem(_ problem: String, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () throws -> Void) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        XCTAssertEqual((error as? SceneFileError)?.problem, problem, file: file, line: line)
    }
}
