import Foundation
import SplatCore
@testable import SplatRender
import XCTest
import SplatTestSupport

/// Turning a SequenceRequest into frame jobs: times, names, shards, existing files and errors.
final class SequencePlannerTests: XCTestCase {
    private func plan(_ request: SequenceRequest, scene: TemporalCloud? = nil) throws -> SequencePlan {
        try SequencePlanner(request: request, scene: scene ?? RenderFixtures.dancer()).plan()
    }

    private func request(_ output: String, spacing: FrameSpacing = FrameSpacing()) -> SequenceRequest {
        SequenceRequest(sceneName: "dancer", output: output, camera: CameraRequest(width: 32, height: 24), spacing: spacing)
    }

    func testOneFrameAtTheRequestedTime() throws {
        var single = request("/nowhere/still.png")
        single.time = 0.75
        let plan = try plan(single)
        XCTAssertFalse(plan.isSequence)
        XCTAssertEqual(plan.jobs.map(\.time), [0.75])
        XCTAssertEqual(plan.jobs.map(\.output), ["/nowhere/still.png"])
        XCTAssertEqual(plan.jobs.first?.camera.width, 32)
    }

    func testFrameCountGivesEvenTimesAndNames() throws {
        var sequence = request("out/f_%03d.png", spacing: FrameSpacing(frameCount: 5))
        sequence.depthOutput = "out/d_{frame}.png"
        let plan = try plan(sequence)
        XCTAssertTrue(plan.isSequence)
        XCTAssertEqual(plan.jobs.map(\.index), [0, 1, 2, 3, 4])
        XCTAssertEqual(plan.jobs.map(\.time), [0, 0.5, 1, 1.5, 2])
        XCTAssertEqual(plan.jobs.map(\.output), ["out/f_000.png", "out/f_001.png", "out/f_002.png", "out/f_003.png", "out/f_004.png"])
        XCTAssertEqual(plan.jobs.last?.depthOutput, "out/d_4.png")
    }

    func testShardsSplitTheFramesIntoBlocks() throws {
        var sequence = request("f_%d.png", spacing: FrameSpacing(frameCount: 5))
        sequence.shard = try Shard(index: 2, count: 3)
        XCTAssertEqual(try plan(sequence).jobs.map(\.index), [1, 2])
        sequence.shard = nil
        sequence.environment = ["JOB_COMPLETION_INDEX": "2", "SPLAT4D_SHARD_COUNT": "3"]
        XCTAssertEqual(try plan(sequence).jobs.map(\.index), [3, 4])
        sequence.environment = ["JOB_COMPLETION_INDEX": "2"]
        XCTAssertThrowsError(try plan(sequence)) { error in
            XCTAssertEqual("\(error)", "JOB_COMPLETION_INDEX is set but SPLAT4D_SHARD_COUNT is not: set it to the Job's completions")
        }
    }

    func testFrameRangeAndTimeRange() throws {
        let sequence = request("f_%d.png", spacing: FrameSpacing(frameCount: 9, frames: 2..<4, timeRange: 1...2))
        let plan = try plan(sequence)
        XCTAssertEqual(plan.jobs.map(\.index), [2, 3])
        XCTAssertEqual(plan.jobs.map(\.time), [1.25, 1.375])
    }

    func testRequestErrorsSayWhatIsWrongWithoutFlagNames() throws {
        func message(_ request: SequenceRequest) -> String? {
            do { _ = try plan(request); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(message(request("f.png", spacing: FrameSpacing(frameCount: 2))),
                       "output 'f.png' needs a frame pattern (%05d or {frame}) to write a sequence")
        var depth = request("f_%d.png", spacing: FrameSpacing(frameCount: 2))
        depth.depthOutput = "d.png"
        XCTAssertEqual(message(depth), "depth output 'd.png' needs a frame pattern (%05d or {frame}) to write a sequence")
        XCTAssertEqual(message(request("f_%d.png", spacing: FrameSpacing(frameCount: 2, timeRange: 1...5))),
                       "dancer: time range 1.0:5.0 leaves the scene's time range 0.0...2.0 (seconds)")
        XCTAssertEqual(message(request("f_%d.png", spacing: FrameSpacing(frameCount: 0))), "frame count must be at least 1")
        XCTAssertThrowsError(try FrameSpacing().schedule(for: RenderFixtures.dancer(), sceneName: "dancer")) { error in
            XCTAssertEqual("\(error)", "give a frame count or frames per second to say how many frames the sequence has")
            XCTAssertEqual((error as? SplatError)?.kind, .badOption)
        }
        XCTAssertEqual(RequestError(.fps, "must be a positive number").worded { "--" + $0.rawValue }, "--fps must be a positive number")
    }

    func testExistingFilesAreRefusedSkippedOrReplaced() throws {
        let folder = try TestPaths.temporaryFolder(for: self).path
        var sequence = request(folder + "/f_%d.png", spacing: FrameSpacing(frameCount: 3))
        FileManager.default.createFile(atPath: folder + "/f_1.png", contents: Data([1]))
        XCTAssertThrowsError(try plan(sequence)) { error in
            XCTAssertEqual("\(error)", folder + "/f_1.png already exists; use the overwrite option to replace it or the resume option to skip finished frames")
            XCTAssertEqual((error as? SplatError)?.kind, .io)
        }
        sequence.existingFiles = .resume
        let resumed = try plan(sequence)
        XCTAssertEqual(resumed.jobs.map(\.index), [0, 2])
        XCTAssertEqual(resumed.skipped, 1)
        sequence.existingFiles = .overwrite
        XCTAssertEqual(try plan(sequence).jobs.map(\.index), [0, 1, 2])
    }

    func testSequencesCreateTheirFolders() throws {
        let folder = try TestPaths.temporaryFolder(for: self).path
        var sequence = request(folder + "/colour/deep/f_%d.png", spacing: FrameSpacing(frameCount: 2))
        sequence.depthOutput = folder + "/depth/d_%d.png"
        try plan(sequence).prepareOutputs()
        XCTAssertEqual(try RenderFixtures.names(in: folder), ["colour", "depth"])
        XCTAssertEqual(try RenderFixtures.names(in: folder + "/colour"), ["deep"])
        // One frame does not create folders: a missing one is an error.
        XCTAssertThrowsError(try plan(request(folder + "/missing/still.png")).prepareOutputs()) { error in
            XCTAssertEqual("\(error)", folder + "/missing/still.png: the folder '\(folder)/missing' does not exist")
        }
    }
}
