import Foundation

/// Decoded frames of a long sequence, held under a byte budget. A render asks for the frames it
/// needs (`frames(_:)`, which waits for them); background threads decode the frames ahead of the
/// playhead in the direction of play while the budget allows. When a new frame does not fit, the
/// frames the playhead needs least go first: those behind it, farthest first, then those farthest
/// ahead. The frames of the current request are never evicted.
public final class FrameCache: @unchecked Sendable {
    /// The most bytes of decoded frames held at once.
    public let budget: UInt64
    public let frameCount: Int
    private let core: Core

    /// `decode(k)` produces frame k (called on the caller's thread or a prefetch thread, never
    /// twice at once for the same k). `prefetchThreads` 0 turns prefetching off.
    public convenience init(frameCount: Int, budget: UInt64, prefetchThreads: Int = 2, prefetchDepth: Int = 8,
                            decode: @escaping @Sendable (Int) throws -> SplatCloud) {
        self.init(frameCount: frameCount, budget: budget, prefetchThreads: prefetchThreads, prefetchDepth: prefetchDepth) {
            k, storage in
            storage = nil
            return try decode(k)
        }
    }

    /// `decode(k, &storage)` may write frame k into `storage`, an evicted frame's arrays (it takes
    /// them and leaves nil): a long sequence then faults in no fresh memory per frame.
    /// `frameBytes` is the expected size of a decoded frame, when known (prefetching waits for the
    /// first decoded frame otherwise). `firstFrameBytes`: the caller keeps frame 0 for the whole run
    /// (a stream's `first`), and it counts in the budget.
    public init(frameCount: Int, budget: UInt64, prefetchThreads: Int = 2, prefetchDepth: Int = 8, frameBytes: UInt64 = 0,
                firstFrameBytes: UInt64 = 0, decode: @escaping @Sendable (Int, inout SplatCloud?) throws -> SplatCloud) {
        self.budget = budget
        self.frameCount = frameCount
        core = Core(frameCount: frameCount, budget: budget, depth: prefetchThreads > 0 ? prefetchDepth : 0, decode: decode)
        core.typicalSize = frameBytes
        core.firstFrame = firstFrameBytes
        for _ in 0..<max(prefetchThreads, 0) {
            let core = self.core
            let thread = Thread { core.prefetchLoop() }
            thread.name = "splat4d frame prefetch"
            thread.start()
        }
    }

    deinit { core.close() }

    /// In-memory bytes of a decoded frame (the arrays of `SplatCloud`).
    public static func bytes(of cloud: SplatCloud) -> UInt64 {
        UInt64(cloud.count) * MemoryBudget.bytesPerGaussian(shDegree: cloud.shDegree, temporal: false)
    }

    /// The frames `indices` (a render's: k, or k and k + 1), decoded now if no thread has them;
    /// the playhead moves to the first, playing in `direction` (+1 forward, -1 backward), and
    /// prefetching restarts from there. Throws the frame's decoding error, or `FrameBudgetError`
    /// when these frames alone do not fit the budget.
    public func frames(_ indices: [Int], direction: Int = 1) throws -> [SplatCloud] {
        try core.demand(indices, direction: direction >= 0 ? 1 : -1)
    }

    /// The frame if it is decoded now (never waits, never decodes): the viewer draws what is ready.
    public func ready(_ index: Int) -> SplatCloud? { core.ready(index) }

    /// Why frame `index` could not be decoded, once a request or a prefetch has tried.
    public func failure(_ index: Int) -> Error? { core.locked { core.failures[index] } }

    /// Moves the playhead without waiting (the viewer's clock, a jump): prefetching starts there.
    public func seek(_ index: Int, direction: Int = 1) { core.seek(index, direction: direction >= 0 ? 1 : -1) }

    /// Frames decoded ahead of the playhead when frames play once.
    static let playedOnceDepth = 3

    /// The frames are played once, forwards (a headless render): a decode overwrites a frame behind
    /// the playhead instead of allocating, even when the budget could keep both (fresh memory
    /// costs more than decoding on this kind of VM; the viewer, which loops and scrubs, keeps them).
    public var playsOnce: Bool {
        get { core.locked { core.playsOnce } }
        set { core.locked { core.playsOnce = newValue } }
    }

    /// Tells the cache that the frames being drawn also hold `bytes` elsewhere (uploaded to the
    /// device): prefetching keeps decoded frames, frames being decoded and those within the budget.
    public func holdElsewhere(_ bytes: UInt64) { core.locked { core.external = bytes } }

    /// Bytes of decoded frames held now (the cache's own counter).
    public var bytes: UInt64 { core.locked { core.bytes } }
    /// The most bytes ever held at once.
    public var peakBytes: UInt64 { core.locked { core.peak } }
    /// Frame indices in the order their decoding finished (tests: prefetch order).
    public var decodeLog: [Int] { core.locked { core.decodeLog } }
    /// Frame indices in the order they were evicted (tests: eviction order).
    public var evictionLog: [Int] { core.locked { core.evictionLog } }
    /// The indices held now.
    public var held: [Int] { core.locked { core.frames.keys.sorted() } }

    /// Blocks until no prefetch is running or pending (tests).
    public func waitForPrefetch() { core.waitIdle() }
}

/// Frames needed by one render do not fit the cache's budget.
public struct FrameBudgetError: FieldNamingError, Equatable {
    public var frames: [Int]
    public var needed: UInt64
    public var budget: UInt64
    public init(frames: [Int], needed: UInt64, budget: UInt64) {
        self.frames = frames
        self.needed = needed
        self.budget = budget
    }
    public var kind: ErrorKind { .badOption }
    public func worded(naming name: (RequestField) -> String) -> String {
        let which = frames.count == 1 ? "frame \(frames[0])" : "frames " + frames.map(String.init).joined(separator: " and ")
        return "\(which) \(frames.count == 1 ? "needs" : "need") \(Self.size(needed)) of frame cache, more than its \(Self.size(budget)) budget: "
            + "raise \(name(.cacheSize)) to at least \((needed + (1 << 20) - 1) >> 20) MiB"
    }

    /// Bytes in KiB below a MiB, else MiB, rounded up (so "need" never reads as less than it is).
    static func size(_ bytes: UInt64) -> String {
        bytes < 1 << 20 ? "\((bytes + 1023) >> 10) KiB" : "\((bytes + (1 << 20) - 1) >> 20) MiB"
    }
}

extension FrameCache {
    /// The shared state, behind one condition lock; prefetch threads hold it, not the cache, so the
    /// cache's deinit can stop them.
    final class Core: @unchecked Sendable {
        let frameCount: Int
        let budget: UInt64
        let depth: Int
        let decode: @Sendable (Int, inout SplatCloud?) throws -> SplatCloud
        let condition = NSCondition()
        var frames: [Int: SplatCloud] = [:]
        var sizes: [Int: UInt64] = [:]
        var failures: [Int: Error] = [:]
        var inFlight: Set<Int> = []
        var pinned: Set<Int> = []
        var bytes: UInt64 = 0
        var peak: UInt64 = 0
        var playhead = 0
        var direction = 1
        /// Bumped on every demand or seek: a prefetch that finds it changed re-plans.
        var generation = 0
        /// Set when a prefetched frame did not fit: stop until the playhead moves.
        var full = false
        /// Prefetching waits for the first demand or seek (opening a sequence for `info` decodes nothing more).
        var started = false
        var closed = false
        var decodeLog: [Int] = []
        var evictionLog: [Int] = []
        /// The size of the last decoded frame: the estimate for the next one.
        var typicalSize: UInt64 = 0
        /// Bytes set aside for prefetches in flight (their estimate), so that decoded frames and
        /// frames being decoded together stay within the budget.
        var reserved: UInt64 = 0
        /// Bytes the drawn frames hold outside the cache (`holdElsewhere`).
        var external: UInt64 = 0
        var playsOnce = false
        /// Frame 0 as its owner keeps it for the whole run (`firstFrameBytes`).
        var firstFrame: UInt64 = 0
        /// Memory for frames outside the cache's own counter: the drawn frames' uploads, and frame 0
        /// while the cache does not hold it (when it does, its bytes are counted once, there).
        var outside: UInt64 { external + (frames[0] == nil ? firstFrame : 0) }
        /// One evicted frame, handed to the next decode to overwrite (outside the budget: it lives
        /// only until the next decode starts, and the frame written into it is counted then).
        var recycled: SplatCloud?

        init(frameCount: Int, budget: UInt64, depth: Int, decode: @escaping @Sendable (Int, inout SplatCloud?) throws -> SplatCloud) {
            self.frameCount = frameCount
            self.budget = budget
            self.depth = depth
            self.decode = decode
        }

        func locked<T>(_ body: () throws -> T) rethrows -> T {
            condition.lock()
            defer { condition.unlock() }
            return try body()
        }

        func close() { locked { closed = true; condition.broadcast() } }

        /// How little the playhead needs frame k: 0 is the playhead, then frames ahead; every frame
        /// behind ranks after every frame ahead.
        func distance(_ k: Int) -> Int {
            let ahead = (k - playhead) * direction
            return ahead >= 0 ? ahead : frameCount + (-ahead)
        }

        func ready(_ k: Int) -> SplatCloud? { locked { frames[k] } }

        func seek(_ k: Int, direction: Int) {
            locked {
                move(to: k, direction: direction)
                condition.broadcast()
            }
        }

        private func move(to k: Int, direction: Int) {
            if k != playhead || direction != self.direction { full = false }
            started = true
            playhead = k
            self.direction = direction
            generation += 1
        }

        func demand(_ indices: [Int], direction: Int) throws -> [SplatCloud] {
            condition.lock()
            defer { condition.unlock() }
            move(to: indices[0], direction: direction)
            pinned = Set(indices)
            condition.broadcast()
            var out: [SplatCloud] = []
            for k in indices {
                while true {
                    if let cloud = frames[k] { out.append(cloud); break }
                    if let error = failures[k] { throw error }
                    if inFlight.contains(k) { condition.wait(); continue }
                    let result = decodeUnlocked(k)
                    condition.broadcast()
                    switch result {
                    case .failure(let error):
                        failures[k] = error
                        throw error
                    case .success(let cloud):
                        guard store(k, cloud, demanded: true) else {
                            let needed = indices.reduce(UInt64(0)) { $0 + (sizes[$1] ?? FrameCache.bytes(of: cloud)) }
                            throw FrameBudgetError(frames: indices, needed: needed, budget: budget)
                        }
                    }
                }
            }
            return out
        }

        /// Stores a decoded frame, evicting frames the playhead needs less (a demanded frame may
        /// evict any unpinned frame; a prefetched one only frames needed less than itself, and
        /// leaves the other prefetches' reservations free). Returns false, storing nothing, when it
        /// does not fit. Called locked.
        func store(_ k: Int, _ cloud: SplatCloud, demanded: Bool) -> Bool {
            let size = FrameCache.bytes(of: cloud)
            typicalSize = size
            // A demanded frame evicts what it must; it takes the room set aside for prefetches
            // only when nothing else is left, since it must be stored.
            let fits = demanded
                ? makeRoom(size, neededLessThan: nil) || makeRoom(size, neededLessThan: nil, countingOthers: false)
                : makeRoom(size, neededLessThan: distance(k))
            guard fits else { return false }
            frames[k] = cloud
            sizes[k] = size
            bytes += size
            peak = max(peak, bytes)
            decodeLog.append(k)
            return true
        }

        /// Whether evicting frame k would free memory for a frame of rank `rank` (any rank when nil):
        /// it is not pinned, needed less, and — when frame 0 kept by its owner counts outside — not
        /// frame 0 (its bytes would only move there). Called locked.
        func canEvict(_ k: Int, neededLessThan rank: Int?, countingOutside: Bool = true) -> Bool {
            !pinned.contains(k) && (k != 0 || firstFrame == 0 || !countingOutside) && (rank.map { distance(k) > $0 } ?? true)
        }

        /// Evicts unpinned frames — only those the playhead needs less than `rank` when it is
        /// given — farthest first, until `size` bytes fit beside the cache's frames and, when
        /// `countingOthers`, the prefetches' reservations and the memory held outside. Returns
        /// false, evicting nothing, when they cannot. An evicted frame of that size is kept for the
        /// next decode to overwrite. Called locked.
        func makeRoom(_ size: UInt64, neededLessThan rank: Int?, countingOthers: Bool = true) -> Bool {
            let victims = frames.keys.filter { canEvict($0, neededLessThan: rank, countingOutside: countingOthers) }
                .sorted { distance($0) > distance($1) }
            var free = budget - min(bytes + (countingOthers ? reserved + outside : 0), budget)
            var evict: [Int] = []
            for v in victims where free < size {
                evict.append(v)
                free += sizes[v]!
            }
            guard free >= size else { return false }
            for v in evict {
                // Frame 0's arrays are shared with the stream that keeps it: writing would copy them.
                if recycled == nil, sizes[v] == size, v != 0 || firstFrame == 0 { recycled = frames[v] }
                frames[v] = nil
                bytes -= sizes.removeValue(forKey: v)!
                evictionLog.append(v)
            }
            return true
        }

        /// Decodes frame k with the lock released, into the recycled frame's arrays when there is
        /// one; k is in flight meanwhile. Called locked, returns locked.
        func decodeUnlocked(_ k: Int) -> Result<SplatCloud, Error> {
            inFlight.insert(k)
            recycleAFramePlayed()
            var storage = recycled
            recycled = nil
            condition.unlock()
            let result = Result { try decode(k, &storage) }
            storage = nil  // released before the lock is taken again
            condition.lock()
            inFlight.remove(k)
            return result
        }

        /// When frames play once: the frame farthest behind the playhead, if any, is evicted into
        /// the recycling slot for the decode about to start. Called locked.
        func recycleAFramePlayed() {
            guard playsOnce, recycled == nil,
                  let played = frames.keys.filter({ distance($0) > frameCount && canEvict($0, neededLessThan: nil) })
                      .max(by: { distance($0) < distance($1) }) else { return }
            recycled = frames.removeValue(forKey: played)
            bytes -= sizes.removeValue(forKey: played)!
            evictionLog.append(played)
        }

        /// The next frame to prefetch: the first ahead of the playhead, within `depth`, not held,
        /// not in flight and not failed, whose estimated size fits without evicting anything
        /// needed sooner. Called locked.
        func nextPrefetch() -> Int? {
            // Until a frame's size is known, a prefetch could not reserve its room.
            guard started, !full, typicalSize > 0 else { return nil }
            // Played once, a few frames ahead hide a decode (much shorter than a render); more would
            // only fault in fresh memory sooner.
            for step in 0..<(playsOnce ? min(depth, FrameCache.playedOnceDepth) : depth) {
                let k = playhead + step * direction
                guard k >= 0, k < frameCount else { return nil }
                if frames[k] != nil || inFlight.contains(k) || failures[k] != nil { continue }
                let mine = distance(k)
                let evictable = frames.keys.filter { canEvict($0, neededLessThan: mine) }
                    .reduce(UInt64(0)) { $0 + sizes[$1]! }
                return budget - min(bytes + reserved + outside, budget) + evictable >= typicalSize ? k : nil
            }
            return nil
        }

        func prefetchLoop() {
            condition.lock()
            defer { condition.unlock() }
            while !closed {
                guard let k = nextPrefetch() else { condition.wait(); continue }
                // Room is made now, not when the frame is done: two prefetches never count on the
                // same evictable frames, and the evicted frame's arrays are there to decode into.
                guard makeRoom(typicalSize, neededLessThan: distance(k)) else {
                    full = true
                    continue
                }
                let reservation = typicalSize
                reserved += reservation
                let result = decodeUnlocked(k)
                reserved -= reservation
                switch result {
                case .failure(let error): failures[k] = error
                case .success(let cloud): if !store(k, cloud, demanded: false) { full = true }
                }
                condition.broadcast()
            }
        }

        func waitIdle() {
            locked {
                while !closed, !inFlight.isEmpty || nextPrefetch() != nil { condition.wait() }
            }
        }
    }
}
