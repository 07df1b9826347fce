import SplatCore

/// A disjoint part of the frames for one node of a render farm: shard `index` (1…count).
public struct Shard: Equatable, Sendable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw RequestError(nil, "a shard must be I/N with 1 ≤ I ≤ N, got \(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// "I/N".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw RequestError(.shard, "expects I/N (e.g. 3/8), got '\(text)'")
        }
        try self.init(index: i, count: n)
    }

    /// This shard's contiguous block of `frames`: blocks differ in size by at most one and cover
    /// every frame exactly once across the shards.
    public func block(of frames: Range<Int>) -> Range<Int> {
        let n = frames.count
        let start = frames.lowerBound + (index - 1) * n / count
        let end = frames.lowerBound + index * n / count
        return start..<end
    }

    /// The shard a render-farm scheduler assigns through the environment, if any:
    ///  - Slurm job arrays: SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN (default 0),
    ///    SLURM_ARRAY_TASK_STEP (default 1) and SLURM_ARRAY_TASK_COUNT → shard (ID − MIN)/STEP + 1 of COUNT;
    ///  - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX (0-based) with the count in
    ///    SPLAT4D_SHARD_COUNT (set it from the Job's `completions`).
    public static func fromEnvironment(_ env: [String: String]) throws -> Shard? {
        if let id = env["SLURM_ARRAY_TASK_ID"].flatMap({ Int($0) }), let count = env["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }) {
            let minimum = env["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
            let step = max(1, env["SLURM_ARRAY_TASK_STEP"].flatMap { Int($0) } ?? 1)
            guard (id - minimum) % step == 0 else {
                throw RequestError(nil, "SLURM_ARRAY_TASK_ID \(id) is not on the array's step \(step) from \(minimum)")
            }
            return try Shard(index: (id - minimum) / step + 1, count: count)
        }
        if let index = env["JOB_COMPLETION_INDEX"].flatMap({ Int($0) }) {
            guard let count = env["SPLAT4D_SHARD_COUNT"].flatMap({ Int($0) }) else {
                throw RequestError(nil, "JOB_COMPLETION_INDEX is set but SPLAT4D_SHARD_COUNT is not: set it to the Job's completions")
            }
            return try Shard(index: index + 1, count: count)
        }
        return nil
    }
}
