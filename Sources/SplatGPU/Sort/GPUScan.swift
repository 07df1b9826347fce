/// Exclusive prefix sum of a uint buffer on the GPU, reduce-then-scan: per-partition sums, a scan
/// of those sums (recursively, so any count works), then per-partition scans offset by them.
/// Output has count + 1 entries; the last is the total. CPU twin: TileSort.exclusiveScan.
final class GPUScan {
    static let partitionSize = ShaderContract.SCAN_WORKGROUP_SIZE * ShaderContract.SCAN_ITEMS_PER_THREAD

    let device: GPUDevice
    let pipelines: Pipelines
    /// Per level: partition sums and their scan (count + 1).
    private var levels: [(sums: GPUBuffer, scanned: GPUBuffer)] = []
    private var capacity = -1

    init(device: GPUDevice, pipelines: Pipelines) {
        self.device = device
        self.pipelines = pipelines
    }

    /// Scratch for scans of up to `count` values; grows, never shrinks.
    func reserve(_ count: Int) throws {
        guard count > capacity else { return }
        let target = max(count, capacity * 3 / 2)
        var newLevels: [(GPUBuffer, GPUBuffer)] = []
        var n = target
        while n > GPUScan.partitionSize {
            let partitions = groups(n, GPUScan.partitionSize)
            newLevels.append((try GPUBuffer(device: device, size: partitions * 4, usage: .storage, label: "scan sums"),
                              try GPUBuffer(device: device, size: (partitions + 1) * 4, usage: .storage, label: "scan offsets")))
            n = partitions
        }
        levels = newLevels
        capacity = target
    }

    /// Records the scan of `input[0..<count]` into `output[0...count]`. With `flagsOnly`, each
    /// input counts as 1 when non-zero (stream compaction).
    func record(_ recorder: CommandRecorder, input: BufferRange, output: BufferRange, count: Int, flagsOnly: Bool = false) throws {
        precondition(count <= capacity, "scan scratch not reserved")
        try record(recorder, input: input, output: output, count: count, flagsOnly: flagsOnly, level: 0)
    }

    private func record(_ recorder: CommandRecorder, input: BufferRange, output: BufferRange, count: Int,
                        flagsOnly: Bool, level: Int) throws {
        if count == 0 {
            recorder.fill(output.buffer, value: 0, offset: output.offset, size: 4)
            recorder.barrier()
            return
        }
        let partitions = groups(count, GPUScan.partitionSize)
        var push = ScanPush(count: UInt32(count), flagsOnly: flagsOnly ? 1 : 0)
        // One partition needs no offsets: the downsweep then leaves that binding unread.
        var downsweep: [BufferRole: BufferRange] = [.scanInput: input, .prefixSums: output]
        if partitions > 1 {
            let (sums, scanned) = levels[level]
            try recorder.dispatch(pipelines.scanReduce, [.scanInput: input, .partitionSums: BufferRange(sums)], push: push,
                              groups: (partitions, 1, 1))
            recorder.barrier()
            try record(recorder, input: BufferRange(sums), output: BufferRange(scanned), count: partitions,
                       flagsOnly: false, level: level + 1)
            downsweep[.partitionOffsets] = BufferRange(scanned)
            push.hasOffsets = 1
        }
        try recorder.dispatch(pipelines.scanDownsweep, downsweep, push: push, groups: (partitions, 1, 1))
        recorder.barrier()
    }
}
