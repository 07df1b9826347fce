import Foundation
import XCTest
import SplatCore
@testable import SplatRender

/// Frame-to-time mapping, output patterns and render-farm shards (issue 5: headless sequences).
final class FrameScheduleTests: XCTestCase {
    // MARK: Frame-to-time mapping

    func testCountSpansTheRangeWithBothEndsIncluded() throws {
        let s = try FrameSchedule(timeRange: 0...2, spacing: .count(5))
        XCTAssertEqual(s.total, 5)
        XCTAssertEqual(s.indices, [0, 1, 2, 3, 4])
        XCTAssertNil(s.frameInterval)
        XCTAssertEqual((0..<5).map(s.time(ofFrame:)), [0, 0.5, 1, 1.5, 2])
    }

    func testFirstFrameIsT0AndLastIsT1ForEveryCount() throws {
        for range: ClosedRange<Float> in [0...1, 0...2, -1...3, 0.5...1.5, 0...7, 2...2] {
            for n in 2...64 {
                let s = try FrameSchedule(timeRange: range, spacing: .count(n))
                XCTAssertEqual(s.time(ofFrame: 0), range.lowerBound, "\(range) n=\(n)")
                XCTAssertEqual(s.time(ofFrame: n - 1), range.upperBound, "\(range) n=\(n)")
                for k in 1..<n { XCTAssertGreaterThanOrEqual(s.time(ofFrame: k), s.time(ofFrame: k - 1), "\(range) n=\(n) k=\(k)") }
            }
        }
    }

    /// Found while writing these tests: T0 + (T1 − T0)·k/(N − 1) in Float does not land on T1 for
    /// the last frame of many ranges whose ends are not exact binary fractions, and lands *past* it.
    /// `splat4d convert dancer.4d.ply --time-range 0.3:2 --frame-count 4 -o 'x_%d.ply'` then fails
    /// with "--time 2.0000002 is outside the scene's time range 0.0...2.0" (exit 64).
    func testRegression_LastFrameOfACountOvershootsT1() throws {
        let s = try FrameSchedule(timeRange: 0.3...2, spacing: .count(4))
        let stg = try FrameSchedule(timeRange: 0.2...1, spacing: .count(14))
        if s.time(ofFrame: 3) != 2 || stg.time(ofFrame: 13) != 1 {
            return XCTFail("bug: FrameSchedule.time(ofFrame:) (Sources/SplatRender/Sequence/FrameSchedule.swift:49) gives "
                + "\(s.time(ofFrame: 3)) for the last of 4 frames over 0.3...2 and \(stg.time(ofFrame: 13)) for the last of "
                + "14 over 0.2...1: past T1, so convert rejects the frame; compute in Double and clamp to timeRange")
        }
        XCTAssertEqual(s.time(ofFrame: 3), 2)
        XCTAssertEqual(stg.time(ofFrame: 13), 1)
    }

    /// The same with frames per second: T0 + k·Float(1/fps) accumulates past T1. A PLY sequence of
    /// 8 frames at --frame-rate 30 has the range 0...Float(7/30); `convert dancer-frames --frame-rate 30
    /// --fps 30 -o 'x_%d.ply'` fails with "--time 0.23333335 is outside the scene's time range 0.0...0.23333333".
    func testRegression_LastFrameAtAFrameRateOvershootsT1() throws {
        let upper = Float(7.0 / 30.0)
        let s = try FrameSchedule(timeRange: 0...upper, spacing: .perSecond(30))
        XCTAssertEqual(s.total, 8)
        if s.time(ofFrame: 7) > upper {
            return XCTFail("bug: FrameSchedule.time(ofFrame:) (Sources/SplatRender/Sequence/FrameSchedule.swift:47) gives "
                + "\(s.time(ofFrame: 7)) > T1 = \(upper) for frame 7 at 30 fps; clamp to timeRange")
        }
        XCTAssertLessThanOrEqual(s.time(ofFrame: 7), upper)
    }

    func testASingleFrameIsTheStartOfTheRange() throws {
        let s = try FrameSchedule(timeRange: 0.5...2, spacing: .count(1))
        XCTAssertEqual(s.total, 1)
        XCTAssertEqual(s.indices, [0])
        XCTAssertEqual(s.time(ofFrame: 0), 0.5)
        // An instant: every frame at the same time.
        let instant = try FrameSchedule(timeRange: 1...1, spacing: .count(3))
        XCTAssertEqual((0..<3).map(instant.time(ofFrame:)), [1, 1, 1])
        // frames per second over an instant: one frame.
        let perSecond = try FrameSchedule(timeRange: 1...1, spacing: .perSecond(30))
        XCTAssertEqual(perSecond.total, 1)
        XCTAssertEqual(perSecond.time(ofFrame: 0), 1)
    }

    func testFramesPerSecondCountIsFloorOfSpanTimesFpsPlusOne() throws {
        let cases: [(ClosedRange<Float>, Double, Int)] = [
            (0...2, 30, 61), (0...1, 2.5, 3), (0.5...1.75, 4, 6), (0...1, 3, 4), (0...1, 0.5, 1),
            (0...7, 1, 8), (0...1.9, 1, 2), (-1...1, 24, 49), (0...10, 29.97, 300),
        ]
        for (range, fps, total) in cases {
            let s = try FrameSchedule(timeRange: range, spacing: .perSecond(fps))
            XCTAssertEqual(s.total, total, "\(range) at \(fps) fps")
            XCTAssertEqual(s.indices, Array(0..<total))
            XCTAssertEqual(s.frameInterval, Float(1 / fps))
            XCTAssertEqual(s.time(ofFrame: 0), range.lowerBound)
            XCTAssertLessThanOrEqual(s.time(ofFrame: total - 1), range.upperBound + 1e-6)
        }
        let s = try FrameSchedule(timeRange: 0.5...1.75, spacing: .perSecond(4))
        XCTAssertEqual((0..<6).map(s.time(ofFrame:)), [0.5, 0.75, 1, 1.25, 1.5, 1.75])
        let slow = try FrameSchedule(timeRange: 0...1, spacing: .perSecond(2.5))
        XCTAssertEqual((0..<3).map(slow.time(ofFrame:)), [0, 0.4, 0.8])  // 1.0 is not reached
    }

    func testFramesPerSecondAndCountAgreeWhenTheyDescribeTheSameFrames() throws {
        let byRate = try FrameSchedule(timeRange: 0...2, spacing: .perSecond(2))
        let byCount = try FrameSchedule(timeRange: 0...2, spacing: .count(5))
        XCTAssertEqual(byRate.total, byCount.total)
        XCTAssertEqual((0..<5).map(byRate.time(ofFrame:)), (0..<5).map(byCount.time(ofFrame:)))
    }

    func testFrameSelectionKeepsGlobalIndicesAndTimes() throws {
        let all = try FrameSchedule(timeRange: 0...2, spacing: .count(10))
        let part = try FrameSchedule(timeRange: 0...2, spacing: .count(10), frames: 3..<6)
        XCTAssertEqual(part.total, 10)
        XCTAssertEqual(part.indices, [3, 4, 5])
        for k in part.indices { XCTAssertEqual(part.time(ofFrame: k), all.time(ofFrame: k)) }
        XCTAssertEqual(try FrameSchedule(timeRange: 0...2, spacing: .count(10), frames: 0..<10).indices, Array(0..<10))
        XCTAssertEqual(try FrameSchedule(timeRange: 0...2, spacing: .count(10), frames: 9..<10).indices, [9])
        // A shard takes its block of the selection: 7 frames 2..<9, shard 2/3 → 4, 5.
        let sharded = try FrameSchedule(timeRange: 0...2, spacing: .count(10), frames: 2..<9, shard: Shard(index: 2, count: 3))
        XCTAssertEqual(sharded.indices, [4, 5])
        XCTAssertEqual(try FrameSchedule(timeRange: 0...1, spacing: .perSecond(10), frames: 8..<11).indices, [8, 9, 10])
    }

    func testScheduleErrors() {
        func message(_ make: @autoclosure () throws -> FrameSchedule) -> String? {
            do { _ = try make(); return nil } catch { return (error as? RequestError)?.description }
        }
        XCTAssertEqual(message(try FrameSchedule(timeRange: 0...1, spacing: .count(0))), "frame count must be at least 1")
        XCTAssertEqual(message(try FrameSchedule(timeRange: 0...1, spacing: .count(-3))), "frame count must be at least 1")
        for fps in [0, -1, Double.nan, .infinity, -.infinity] {
            XCTAssertEqual(message(try FrameSchedule(timeRange: 0...1, spacing: .perSecond(fps))), "frames per second must be a positive number", "\(fps)")
        }
        XCTAssertEqual(message(try FrameSchedule(timeRange: 0...1, spacing: .count(10), frames: 3..<12)),
                       "frame range 3:12 is outside the sequence's 0:10")
        XCTAssertEqual(message(try FrameSchedule(timeRange: 0...1, spacing: .count(10), frames: 10..<11)),
                       "frame range 10:11 is outside the sequence's 0:10")
        XCTAssertEqual(message(try FrameSchedule(timeRange: 0...1, spacing: .count(10), frames: 4..<4)),
                       "frame range 4:4 is outside the sequence's 0:10")
        XCTAssertEqual(message(try FrameSchedule(timeRange: 0...1, spacing: .perSecond(2), frames: 0..<4)),
                       "frame range 0:4 is outside the sequence's 0:3")
    }

    // MARK: Output patterns

    func testPatternExpansion() {
        XCTAssertEqual(FrameSchedule.expand("out/frame_%05d.png", frame: 7), "out/frame_00007.png")
        XCTAssertEqual(FrameSchedule.expand("out/frame_%05d.png", frame: 123_456), "out/frame_123456.png")
        XCTAssertEqual(FrameSchedule.expand("frame_%d.png", frame: 0), "frame_0.png")
        XCTAssertEqual(FrameSchedule.expand("frame_%d.png", frame: 42), "frame_42.png")
        XCTAssertEqual(FrameSchedule.expand("frame_%3d.png", frame: 7), "frame_  7.png")
        XCTAssertEqual(FrameSchedule.expand("frame_%3d.png", frame: 1234), "frame_1234.png")
        XCTAssertEqual(FrameSchedule.expand("frame_%03d.png", frame: 7), "frame_007.png")
        XCTAssertEqual(FrameSchedule.expand("frame_{frame}.png", frame: 7), "frame_7.png")
        XCTAssertEqual(FrameSchedule.expand("renders/{frame}/view.png", frame: 12), "renders/12/view.png")
        XCTAssertEqual(FrameSchedule.expand("still.png", frame: 7), "still.png")
        XCTAssertEqual(FrameSchedule.expand("100%.png", frame: 7), "100%.png")
    }

    func testHasPattern() {
        for p in ["f_%05d.png", "f_%d.png", "f_%3d.png", "f_{frame}.png", "{frame}/v.png"] {
            XCTAssertTrue(FrameSchedule.hasPattern(p), p)
        }
        for p in ["f.png", "f_%s.png", "f_{name}.png", "100%.png", "f_{frames}.png", "d.png"] {
            XCTAssertFalse(FrameSchedule.hasPattern(p), p)
        }
    }

    // MARK: Shards

    func testShardsPartitionEveryFrameExactlyOnce() throws {
        for n in 1...7 {
            for count in 0...40 {
                for start in [0, 3] {
                    let frames = start..<(start + count)
                    let blocks = try (1...n).map { try Shard(index: $0, count: n).block(of: frames) }
                    var seen = [Int: Int]()
                    for block in blocks { for k in block { seen[k, default: 0] += 1 } }
                    XCTAssertEqual(Set(seen.keys), Set(frames), "N=\(n) frames=\(frames)")
                    XCTAssert(seen.values.allSatisfy { $0 == 1 }, "N=\(n) frames=\(frames): a frame is rendered twice")
                    let sizes = blocks.map(\.count)
                    XCTAssertEqual(sizes.reduce(0, +), count)
                    XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "N=\(n) frames=\(frames): \(sizes)")
                    // Blocks are contiguous and in shard order.
                    for i in 1..<blocks.count { XCTAssertEqual(blocks[i].lowerBound, blocks[i - 1].upperBound) }
                    XCTAssertEqual(blocks.first!.lowerBound, frames.lowerBound)
                    XCTAssertEqual(blocks.last!.upperBound, frames.upperBound)
                }
            }
        }
        // Deterministic, pinned: 5 frames over 3 shards.
        XCTAssertEqual(try (1...3).map { try Shard(index: $0, count: 3).block(of: 0..<5) }, [0..<1, 1..<3, 3..<5])
    }

    func testShardParsing() throws {
        XCTAssertEqual(try Shard(parsing: "3/8"), try Shard(index: 3, count: 8))
        XCTAssertEqual(try Shard(parsing: "1/1"), try Shard(index: 1, count: 1))
        let cases: [(String, String)] = [
            ("3", "shard expects I/N (e.g. 3/8), got '3'"),
            ("a/b", "shard expects I/N (e.g. 3/8), got 'a/b'"),
            ("1/2/3", "shard expects I/N (e.g. 3/8), got '1/2/3'"),
            ("", "shard expects I/N (e.g. 3/8), got ''"),
            ("/4", "shard expects I/N (e.g. 3/8), got '/4'"),
            ("0/4", "a shard must be I/N with 1 ≤ I ≤ N, got 0/4"),
            ("5/4", "a shard must be I/N with 1 ≤ I ≤ N, got 5/4"),
            ("1/0", "a shard must be I/N with 1 ≤ I ≤ N, got 1/0"),
            ("-1/3", "a shard must be I/N with 1 ≤ I ≤ N, got -1/3"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try Shard(parsing: text), text) { error in
                XCTAssertEqual((error as? RequestError)?.description, expected, text)
            }
        }
    }

    func testSlurmArrayDetection() throws {
        // --array=0-3: MIN 0 (also the default when MIN is absent).
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4"]), try Shard(index: 1, count: 4))
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"]), try Shard(index: 4, count: 4))
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"]),
                       try Shard(index: 3, count: 4))
        // --array=1-4: MIN 1, the usual sbatch spelling.
        for id in 1...4 {
            XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_COUNT": "4",
                                                      "SLURM_ARRAY_TASK_MIN": "1"]), try Shard(index: id, count: 4))
        }
        // --array=10-14.
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_COUNT": "5", "SLURM_ARRAY_TASK_MIN": "10"]),
                       try Shard(index: 3, count: 5))
        // A task id alone (not an array job count) or nothing: no shard.
        XCTAssertNil(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2"]))
        XCTAssertNil(try Shard.fromEnvironment([:]))
        XCTAssertNil(try Shard.fromEnvironment(["SLURM_JOB_ID": "77", "HOME": "/root"]))
        // An id past the count (MIN forgotten with --array=1-4): an error, not a silent wrong block.
        XCTAssertThrowsError(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"])) { error in
            XCTAssertEqual((error as? RequestError)?.description, "a shard must be I/N with 1 ≤ I ≤ N, got 5/4")
        }
        // Slurm wins when both schedulers' variables are present.
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "1",
                                                  "JOB_COMPLETION_INDEX": "1", "SPLAT4D_SHARD_COUNT": "2"]), try Shard(index: 1, count: 2))
    }

    /// `sbatch --array=0-6:2` runs tasks 0, 2, 4, 6 with SLURM_ARRAY_TASK_COUNT = 4, MIN = 0 and
    /// SLURM_ARRAY_TASK_STEP = 2. fromEnvironment ignores the step: task 2 becomes shard 3/4 (task 4's
    /// block), task 4 shard 5/4 (an error), so half the frames are never rendered.
    func testRegression_SlurmArrayWithAStepMapsToConsecutiveShards() throws {
        let env = ["SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "6", "SLURM_ARRAY_TASK_STEP": "2"]
        var shards: [Shard?] = []
        for id in [0, 2, 4, 6] {
            shards.append(try? Shard.fromEnvironment(env.merging(["SLURM_ARRAY_TASK_ID": "\(id)"]) { $1 }))
        }
        let expected = try (1...4).map { try Shard(index: $0, count: 4) }
        if shards != expected {
            return XCTFail("bug: Shard.fromEnvironment (Sources/SplatRender/Sequence/FrameSchedule.swift:111-113) ignores "
                + "SLURM_ARRAY_TASK_STEP: tasks 0, 2, 4, 6 of --array=0-6:2 map to \(shards.map { $0.map { "\($0.index)/\($0.count)" } ?? "error" }) "
                + "instead of 1/4, 2/4, 3/4, 4/4 (or a clear error)")
        }
        XCTAssertEqual(shards, expected)
    }

    func testKubernetesIndexedJobDetection() throws {
        XCTAssertEqual(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "0", "SPLAT4D_SHARD_COUNT": "3"]), try Shard(index: 1, count: 3))
        XCTAssertEqual(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "2", "SPLAT4D_SHARD_COUNT": "3"]), try Shard(index: 3, count: 3))
        XCTAssertThrowsError(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "2"])) { error in
            XCTAssertEqual((error as? RequestError)?.description,
                           "JOB_COMPLETION_INDEX is set but SPLAT4D_SHARD_COUNT is not: set it to the Job's completions")
        }
        XCTAssertThrowsError(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "3", "SPLAT4D_SHARD_COUNT": "3"])) { error in
            XCTAssertEqual((error as? RequestError)?.description, "a shard must be I/N with 1 ≤ I ≤ N, got 4/3")
        }
        // The count alone means nothing.
        XCTAssertNil(try Shard.fromEnvironment(["SPLAT4D_SHARD_COUNT": "3"]))
    }

    /// Every index a scheduler hands out, through the environment, covers the frames exactly once.
    func testEnvironmentShardsCoverTheSequence() throws {
        for count in [1, 7, 40] {
            var seen: [Int] = []
            for id in 1...count {
                let shard = try XCTUnwrap(Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_COUNT": "\(count)",
                                                                 "SLURM_ARRAY_TASK_MIN": "1"]))
                seen += try FrameSchedule(timeRange: 0...2, spacing: .count(37), shard: shard).indices
            }
            XCTAssertEqual(seen, Array(0..<37), "Slurm \(count)")
            seen = []
            for index in 0..<count {
                let shard = try XCTUnwrap(Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "\(index)", "SPLAT4D_SHARD_COUNT": "\(count)"]))
                seen += try FrameSchedule(timeRange: 0...2, spacing: .count(37), shard: shard).indices
            }
            XCTAssertEqual(seen, Array(0..<37), "Kubernetes \(count)")
        }
    }
}
