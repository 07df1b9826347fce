import SplatCore

/// Stable least-significant-digit radix sort of (uint key, uint value) pairs over digits of at
/// most 8 bits (TileSort.radixDigits), reduce-then-scan per digit: upsweep (per-partition digit
/// counts), scan, downsweep (stable scatter). Sorts by the `bits` bits from `lowBit` up. Keys
/// alone (values nil) sort with the KEYS_ONLY downsweep: packed tile keys carry their value.
/// Portable: no subgroup size or forward-progress assumptions. CPU twins: TileSort.radixSort
/// and TileSort.radixSortKeys.
final class GPURadixSort {
    static let partitionSize = ShaderContract.SORT_WORKGROUP_SIZE * ShaderContract.SORT_ITEMS_PER_THREAD

    let device: GPUDevice
    let pipelines: Pipelines
    let scan: GPUScan
    private var histogram: GPUBuffer?
    private var scanned: GPUBuffer?
    /// Each partition thread's digit counts (the upsweep's, read again by the downsweep).
    private var threadCounts: GPUBuffer?
    private var capacity = -1

    init(device: GPUDevice, pipelines: Pipelines, scan: GPUScan) {
        self.device = device
        self.pipelines = pipelines
        self.scan = scan
    }

    /// Bytes of the per-thread digit counts of one pass: per partition thread, ceil(radix / 8)
    /// uvec4s of 16-bit counts (at most 2 bytes per key, so they fit wherever the keys do).
    static func threadCountBytes(partitions: Int, digitBits: Int) -> Int {
        partitions * ShaderContract.SORT_WORKGROUP_SIZE * (((1 << digitBits) + 7) / 8) * 16
    }

    func reserve(_ count: Int) throws {
        guard count > capacity else { return }
        let target = max(count, capacity * 3 / 2)
        let entries = ShaderContract.SORT_RADIX * groups(max(target, 1), GPURadixSort.partitionSize)
        histogram = try GPUBuffer(device: device, size: entries * 4, usage: .storage, label: "sort histogram")
        scanned = try GPUBuffer(device: device, size: (entries + 1) * 4, usage: .storage, label: "sort offsets")
        threadCounts = try GPUBuffer(device: device, size: GPURadixSort.threadCountBytes(partitions: entries / ShaderContract.SORT_RADIX,
                                                                                          digitBits: 8),
                                     usage: .storage, label: "sort per-thread digit counts")
        try scan.reserve(entries)
        capacity = target
    }

    /// Records the sort. The keys (and values, unless nil) start in `keys`/`values` and ping-pong
    /// with `altKeys`/`altValues`; returns true when the sorted result ends in the alternates.
    func record(_ recorder: CommandRecorder, keys: GPUBuffer, values: GPUBuffer?, altKeys: GPUBuffer, altValues: GPUBuffer?,
                count: Int, bits: Int, lowBit: Int = 0) throws -> Bool {
        precondition(count <= capacity, "sort scratch not reserved")
        precondition((values == nil) == (altValues == nil), "values and their alternates go together")
        precondition(lowBit >= 0 && lowBit + bits <= 32, "digits outside the key")
        guard count > 1 else { return false }
        let partitions = groups(count, GPURadixSort.partitionSize)
        let downsweep = values == nil ? pipelines.sortDownsweepKeysOnly : pipelines.sortDownsweep
        var source = (keys, values), target = (altKeys, altValues)
        var swapped = false
        for (shift, width) in TileSort.radixDigits(keyBits: bits) {
            let entries = (1 << width) * partitions
            // Only this pass's rows are bound: the buffer holds 8-bit digits' rows for the capacity.
            let threadCountRows = BufferRange(threadCounts!, offset: 0,
                                              size: GPURadixSort.threadCountBytes(partitions: partitions, digitBits: width))
            let push = SortPush(count: UInt32(count), shift: UInt32(lowBit + shift), partitions: UInt32(partitions),
                                digitBits: UInt32(width))
            try recorder.dispatch(pipelines.sortUpsweep, [.keysIn: BufferRange(source.0), .digitCounts: BufferRange(histogram!),
                                                      .threadDigitCounts: threadCountRows],
                              push: push, groups: (partitions, 1, 1))
            recorder.barrier()
            try scan.record(recorder, input: BufferRange(histogram!), output: BufferRange(scanned!), count: entries)
            var bindings: [BufferRole: BufferRange] = [.keysIn: BufferRange(source.0), .digitOffsets: BufferRange(scanned!),
                                                       .keysOut: BufferRange(target.0), .threadDigitCounts: threadCountRows]
            if let valuesIn = source.1, let valuesOut = target.1 {
                bindings[.valuesIn] = BufferRange(valuesIn)
                bindings[.valuesOut] = BufferRange(valuesOut)
            }
            try recorder.dispatch(downsweep, bindings, push: push, groups: (partitions, 1, 1))
            recorder.barrier()
            swap(&source, &target)
            swapped.toggle()
        }
        return swapped
    }
}
