import Foundation
import SplatCore
import XCTest

/// The frame cache: byte budget, eviction order, prefetch order and jumps, the too-small budget.
final class FrameCacheTests: XCTestCase {
    /// Frame k: `count` Gaussians at x = k (SH degree 0), so a frame's identity shows in its data.
    static func frame(_ k: Int, count: Int = 100) -> SplatCloud {
        SplatCloud(positions: Array(repeating: SIMD3(Float(k), 0, 4), count: count),
                   scales: Array(repeating: SIMD3(repeating: 0.1), count: count),
                   rotations: Array(repeating: SIMD4(0, 0, 0, 1), count: count),
                   opacities: Array(repeating: 0.5, count: count), shDegree: 0,
                   sh: Array(repeating: 0.2, count: count * 3))
    }

    /// 100 Gaussians of degree 0: 64 bytes each.
    let frameBytes = UInt64(100 * 64)

    func testAFrameCostsItsArraysBytes() {
        XCTAssertEqual(FrameCache.bytes(of: Self.frame(0)), frameBytes)
    }

    func testDemandedFramesAreTheDecodedOnesAndEvictionDropsTheFramesBehindFirst() throws {
        let cache = FrameCache(frameCount: 20, budget: 4 * frameBytes, prefetchThreads: 0) { Self.frame($0) }
        for k in 0..<6 {
            let frames = try cache.frames([k])
            XCTAssertEqual(frames[0].positions[0].x, Float(k))
        }
        // Four fit: frames 0 and 1 (the farthest behind) went first, in that order.
        XCTAssertEqual(cache.evictionLog, [0, 1])
        XCTAssertEqual(cache.held, [2, 3, 4, 5])
        XCTAssertEqual(cache.bytes, 4 * frameBytes)
        XCTAssertLessThanOrEqual(cache.peakBytes, cache.budget)
        // Playing backwards from 2: the frames ahead of it now are 1, 0; 5 is the farthest behind.
        _ = try cache.frames([1], direction: -1)
        XCTAssertEqual(cache.evictionLog, [0, 1, 5])
        XCTAssertEqual(cache.held, [1, 2, 3, 4])
    }

    func testPrefetchDecodesAheadOfThePlayheadInOrderAndStopsAtTheBudget() throws {
        let cache = FrameCache(frameCount: 50, budget: 5 * frameBytes, prefetchThreads: 1, prefetchDepth: 8) { Self.frame($0) }
        XCTAssertEqual(cache.decodeLog, [], "nothing is decoded before the first request")
        _ = try cache.frames([10])
        cache.waitForPrefetch()
        // The demanded frame decodes on this thread while the prefetch thread starts on 11.
        XCTAssertEqual(Set(cache.decodeLog.prefix(2)), [10, 11])
        XCTAssertEqual(Array(cache.decodeLog.dropFirst(2)), [12, 13, 14], "ahead of the playhead, nearest first, until the budget is full")
        XCTAssertEqual(cache.evictionLog, [], "prefetching never evicts a frame needed sooner")
        XCTAssertEqual(cache.bytes, 5 * frameBytes)
    }

    func testPrefetchFollowsTheDirectionOfPlayAndAJump() throws {
        let cache = FrameCache(frameCount: 100, budget: 4 * frameBytes, prefetchThreads: 1, prefetchDepth: 3) { Self.frame($0) }
        _ = try cache.frames([50], direction: -1)
        cache.waitForPrefetch()
        XCTAssertEqual(Set(cache.decodeLog.prefix(2)), [50, 49])
        XCTAssertEqual(cache.decodeLog.dropFirst(2), [48])
        cache.seek(80)
        cache.waitForPrefetch()
        XCTAssertEqual(Array(cache.decodeLog.dropFirst(3)), [80, 81, 82], "a jump prefetches at the target")
        XCTAssertEqual(cache.evictionLog, [48, 49], "the frames farthest behind the new playhead went first")
        XCTAssertEqual(cache.held, [50, 80, 81, 82], "50 stays: the last render drew it")
        XCTAssertEqual(cache.ready(81)?.positions[0].x, 81)
        XCTAssertNil(cache.ready(83), "ready never decodes")
    }

    func testTwoFramesThatDoNotFitSayHowMuchIsNeeded() {
        let cache = FrameCache(frameCount: 10, budget: frameBytes + 10, prefetchThreads: 0) { Self.frame($0) }
        XCTAssertThrowsError(try cache.frames([3, 4])) { error in
            XCTAssertEqual(error as? FrameBudgetError, FrameBudgetError(frames: [3, 4], needed: 2 * frameBytes, budget: frameBytes + 10))
            XCTAssertEqual("\(error)", "frames 3 and 4 need 13 KiB of frame cache, more than its 7 KiB budget: "
                           + "raise the frame cache size to at least 1 MiB")
            XCTAssertEqual((error as? SplatError)?.kind, .badOption)
        }
        XCTAssertLessThanOrEqual(cache.bytes, cache.budget)
    }

    func testADecodingErrorIsThrownForThatFrameOnly() throws {
        struct Broken: Error {}
        let cache = FrameCache(frameCount: 5, budget: 10 * frameBytes, prefetchThreads: 0) { k in
            if k == 2 { throw Broken() }
            return Self.frame(k)
        }
        XCTAssertThrowsError(try cache.frames([2])) { XCTAssertTrue($0 is Broken) }
        XCTAssertEqual(try cache.frames([3])[0].positions[0].x, 3)
    }

    func testTheStreamWindowHoldsTheKeyframesAroundT() throws {
        let cache = FrameCache(frameCount: 4, budget: 10 * frameBytes, prefetchThreads: 0) { Self.frame($0) }
        let stream = FrameStream(times: [0, 1, 2, 3], metadata: SceneMetadata(timeRange: 0...3, timeUnit: "frames"),
                                 first: Self.frame(0), cache: cache)
        XCTAssertEqual(stream.indices(at: -1), [0])
        XCTAssertEqual(stream.indices(at: 1), [1])
        XCTAssertEqual(stream.indices(at: 1.25), [1, 2])
        XCTAssertEqual(stream.indices(at: 3), [3])
        XCTAssertEqual(stream.indices(at: 9), [3])
        let eager = Keyframes(times: [0, 1, 2, 3], frames: (0..<4).map { Self.frame($0) })
        for t: Float in [0, 0.5, 1, 1.25, 2.999, 3, 4] {
            XCTAssertEqual(try stream.window(at: t).scene.slice(at: t), eager.slice(at: t), "t = \(t)")
        }
    }

    // MARK: frames decoded into evicted frames' arrays, reservations, memory held elsewhere

    /// Frame k written into `storage` when it has the right count (as the streamed PLY reader does).
    static func frame(_ k: Int, into storage: inout SplatCloud?) -> (cloud: SplatCloud, reused: Bool) {
        guard var cloud = storage, cloud.count == 100 else { storage = nil; return (frame(k), false) }
        storage = nil
        for i in 0..<cloud.count { cloud.positions[i].x = Float(k) }
        return (cloud, true)
    }

    func testAnEvictedFrameIsHandedToTheNextDecodeAndEveryFrameDecodesOnce() throws {
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var decoded: [Int] = []
            var reused = 0
        }
        let log = Log()
        let cache = FrameCache(frameCount: 40, budget: 4 * frameBytes, prefetchThreads: 2, prefetchDepth: 8) { k, storage in
            let (cloud, reused) = Self.frame(k, into: &storage)
            log.lock.withLock {
                log.decoded.append(k)
                if reused { log.reused += 1 }
            }
            return cloud
        }
        // Played no faster than the frames decode (a render takes longer than a decode), so the
        // prefetch threads stay ahead: every frame is decoded once, by them.
        for k in 0..<40 {
            XCTAssertEqual(try cache.frames([k])[0].positions[99].x, Float(k), "frame \(k)")
            XCTAssertLessThanOrEqual(cache.bytes, cache.budget)
            cache.waitForPrefetch()
        }
        let decoded = log.lock.withLock { log.decoded }
        XCTAssertEqual(decoded.sorted(), Array(0..<40), "two prefetch threads never decode a frame twice or drop one")
        // Once four frames fill the budget, each new frame (but the first few) overwrites an evicted one.
        XCTAssertGreaterThanOrEqual(log.lock.withLock { log.reused }, 30)
        XCTAssertLessThanOrEqual(cache.peakBytes, cache.budget)
    }

    func testPrefetchReservesRoomForFramesBeingDecodedAndForMemoryHeldElsewhere() throws {
        let cache = FrameCache(frameCount: 50, budget: 6 * frameBytes, prefetchThreads: 2, prefetchDepth: 20) { Self.frame($0) }
        cache.holdElsewhere(2 * frameBytes)  // say, the drawn frame uploaded twice over
        _ = try cache.frames([0])
        cache.waitForPrefetch()
        XCTAssertEqual(cache.held, [0, 1, 2, 3], "six frames of budget, two held elsewhere: four decoded")
        cache.holdElsewhere(0)
        _ = try cache.frames([1])
        cache.waitForPrefetch()
        XCTAssertEqual(cache.held, [1, 2, 3, 4, 5, 6], "frame 0, behind the playhead, made room")
        XCTAssertLessThanOrEqual(cache.peakBytes, cache.budget)
    }

    func testFrameZeroKeptByItsOwnerCountsInTheBudgetAndNeverBlocksTheFramesARenderNeeds() throws {
        let cache = FrameCache(frameCount: 20, budget: 3 * frameBytes, prefetchThreads: 1, prefetchDepth: 8,
                               frameBytes: frameBytes, firstFrameBytes: frameBytes) { k, storage in
            storage = nil
            return Self.frame(k)
        }
        _ = try cache.frames([5])
        cache.waitForPrefetch()
        XCTAssertEqual(cache.held, [5, 6], "frame 0, held outside, takes one of the three frames of budget")
        _ = try cache.frames([0])
        cache.waitForPrefetch()
        XCTAssertEqual(cache.held, [0, 1, 2], "in the cache frame 0 counts once")
        // Two frames a render needs always fit when they fit the budget, frame 0 or not.
        XCTAssertEqual(try cache.frames([9, 10]).map { $0.positions[0].x }, [9, 10])
        XCTAssertTrue(cache.held.contains(9) && cache.held.contains(10))
        XCTAssertLessThanOrEqual(cache.bytes, cache.budget)
    }
}
