import Foundation
import SplatCore
import SplatPNG
@testable import SplatRender
import XCTest
import SplatTestSupport

/// The runner writes each job's files, reports them, and stops on cancellation.
final class SequenceRunnerTests: XCTestCase {
    /// Counts calls from any queue.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Int] = []
        func add(_ value: Int) { lock.withLock { values.append(value) } }
        var all: [Int] { lock.withLock { values } }
    }

    private func jobs(in folder: String, count: Int, depth: Bool = false) -> [FrameJob] {
        (0..<count).map { k in
            FrameJob(index: k, time: 0, camera: RenderFixtures.camera(), output: "\(folder)/f_\(k).png",
                     depthOutput: depth ? "\(folder)/d_\(k).png" : nil)
        }
    }

    private func runner() throws -> SequenceRunner {
        let renderer = try FrameRenderer(scene: RenderFixtures.pair(), options: FrameRendererOptions(backend: .cpu))
        return SequenceRunner(renderer: renderer, settings: RenderSettings())
    }

    func testWritesEveryFrameAndReportsEach() throws {
        let folder = try TestPaths.temporaryFolder(for: self).path
        var runner = try runner()
        runner.outputs = FrameOutputs(straightAlpha: true, depthScale: 0.01)
        let written = Counter()
        runner.frameWritten = { written.add($0.index) }
        XCTAssertEqual(try runner.run(jobs(in: folder, count: 3, depth: true)), 3)
        XCTAssertEqual(written.all, [0, 1, 2])
        XCTAssertEqual(try RenderFixtures.names(in: folder), ["d_0.png", "d_1.png", "d_2.png", "f_0.png", "f_1.png", "f_2.png"])
        let colour = try PNGFile.read(path: folder + "/f_2.png")
        XCTAssertEqual([colour.width, colour.height, colour.channels], [32, 24, 4])
    }

    func testStopsOnCancellationAfterTheFramesInFlight() throws {
        let folder = try TestPaths.temporaryFolder(for: self).path
        var runner = try runner()
        let asked = Counter()
        runner.isCancelled = {
            asked.add(1)
            return asked.all.count > 2
        }
        XCTAssertThrowsError(try runner.run(jobs(in: folder, count: 5))) { error in
            XCTAssertEqual(error as? SequenceInterrupted, SequenceInterrupted(beforeFrame: 2, written: 2))
            XCTAssertEqual((error as? SplatError)?.kind, .interrupted)
            XCTAssertEqual("\(error)", "interrupted before frame 2: 2 frames written, all complete; the resume option continues")
        }
        XCTAssertEqual(try RenderFixtures.names(in: folder), ["f_0.png", "f_1.png"])
    }

    func testAWriteFailureNamesItsFrame() throws {
        let folder = try TestPaths.temporaryFolder(for: self).path
        var jobs = jobs(in: folder, count: 2)
        jobs[1].output = folder + "/missing/f_1.png"
        XCTAssertThrowsError(try runner().run(jobs)) { error in
            let failure = error as? SequenceFrameError
            XCTAssertEqual(failure?.frame, 1)
            XCTAssertNil(failure?.time)
            XCTAssert("\(error)".hasPrefix("frame 1: "), "\(error)")
            XCTAssert("\(error)".hasSuffix("; frames before it are complete, the resume option continues"), "\(error)")
        }
        XCTAssertEqual(try RenderFixtures.names(in: folder), ["f_0.png"])
    }
}
