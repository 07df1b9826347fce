import XCTest
@testable import SplatCore
@testable import SplatGPU

/// GPURadixSort against a stable CPU sort, exactly: keys and the values that travel with them.
final class GPURadixSortTests: GPUTestCase {
    let partition = GPURadixSort.partitionSize

    /// Stable reference: sorted by (low `bits` bits, input position).
    func expected(keys: [UInt32], values: [UInt32], bits: Int) -> ([UInt32], [UInt32]) {
        let mask: UInt32 = bits >= 32 ? .max : (1 << bits) - 1
        let order = keys.indices.sorted { (keys[$0] & mask, $0) < (keys[$1] & mask, $1) }
        return (order.map { keys[$0] }, order.map { values[$0] })
    }

    func check(keys: [UInt32], values: [UInt32]? = nil, bits: Int, _ what: String,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let values = values ?? keys.indices.map { UInt32($0) }
        let got = try probe.sort(keys: keys, values: values, bits: bits)
        let want = expected(keys: keys, values: values, bits: bits)
        if got.keys != want.0 {
            let i = zip(got.keys, want.0).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
            XCTFail("\(what) (n = \(keys.count), bits = \(bits)): keys differ first at \(i)", file: file, line: line)
        } else if got.values != want.1 {
            let i = zip(got.values, want.1).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
            XCTFail("\(what) (n = \(keys.count), bits = \(bits)): values (stability) differ first at \(i): "
                    + "GPU \(got.values[i]), CPU \(want.1[i])", file: file, line: line)
        }
    }

    func randomKeys(_ n: Int, seed: UInt64, mask: UInt32 = .max) -> [UInt32] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in UInt32(truncatingIfNeeded: rng.next()) & mask }
    }

    func testTinyCounts() throws {
        try check(keys: [], bits: 32, "empty")
        try check(keys: [42], bits: 32, "one")
        try check(keys: [9, 3], bits: 32, "two")
        try check(keys: [3, 9], bits: 32, "two sorted")
        try check(keys: [5, 5], values: [1, 0], bits: 32, "two equal")
    }

    /// Every count within 3 of 1, 2 and 3 partitions, with few distinct keys so that stability matters.
    func testPartitionBoundaries() throws {
        for k in 1...3 {
            for n in (k * partition - 3)...(k * partition + 3) {
                try check(keys: randomKeys(n, seed: UInt64(n), mask: 0x0300_0F03), bits: 32, "boundary")
            }
        }
        for n in [3, 15, 63, 64, 65, 255, 256, 257] {
            try check(keys: randomKeys(n, seed: UInt64(n)), bits: 32, "small")
        }
    }

    func testLargeRandomAllBits() throws {
        try check(keys: randomKeys(300_000, seed: 1), bits: 32, "300k random 32-bit keys")
    }

    func testKeysUsingEveryBit() throws {
        var keys: [UInt32] = [.max, 0, 1 << 31, 1, 0x8000_0001, 0x7FFF_FFFF, 0xFF00_00FF, 0x00FF_FF00]
        keys += randomKeys(5000, seed: 3)
        try check(keys: keys, bits: 32, "every bit")
    }

    /// All keys equal: every pass is a stable identity, values stay in input order.
    func testAllEqualKeysAreStable() throws {
        let n = partition * 2 + 17
        let keys = [UInt32](repeating: 0xDEAD_BEEF, count: n)
        let values = (0..<n).map { UInt32(n - $0) }
        let got = try probe.sort(keys: keys, values: values, bits: 32)
        XCTAssertEqual(got.keys, keys)
        XCTAssertEqual(got.values, values)
    }

    /// Only the digits that hold the low 12 bits are sorted (two passes: the result is in the
    /// primary buffers; one pass would leave it in the alternates — both are read correctly).
    func testPartialBits() throws {
        try check(keys: randomKeys(10_000, seed: 5, mask: 0xFFF), bits: 12, "12-bit keys, two 6-bit digits")
        try check(keys: randomKeys(9000, seed: 8, mask: 0x7F_FFFF), bits: 23, "23-bit keys, digits of 8, 8 and 7 bits")
        try check(keys: randomKeys(5000, seed: 9, mask: 0x1), bits: 1, "1-bit keys")
        // Bits above `bits` are not sorted on: only the low 9 order these.
        try check(keys: randomKeys(6000, seed: 10, mask: 0xFFFF), bits: 9, "low 9 of 16 bits")
        try check(keys: randomKeys(3000, seed: 6, mask: 0xFF), bits: 8, "8-bit keys, one pass")
        try check(keys: randomKeys(3000, seed: 7, mask: 0xF_FFFF), bits: 24, "24-bit keys, three passes")
    }

    /// Keys alone (packed tile keys, TileKeyPacking), sorted by bits above `lowBit`: the CPU
    /// twin's order exactly, so words equal in the sorted bits keep their input order.
    func testKeysOnlyAboveLowBit() throws {
        for (n, bits, lowBit) in [(10_000, 12, 17), (9000, 12, 20), (partition + 5, 9, 23), (5000, 1, 31), (3000, 8, 0), (2, 7, 10)] {
            let keys = randomKeys(n, seed: UInt64(n + lowBit))
            var want = keys
            TileSort.radixSortKeys(&want, keyBits: bits, lowBit: lowBit)
            let got = try probe.sortKeys(keys, bits: bits, lowBit: lowBit)
            let i = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            XCTAssertNil(i, "n = \(n), bits \(lowBit)..<\(lowBit + bits): first difference at \(i ?? -1)")
        }
    }

    /// Agreement with the CPU twin used by the reference rasterizer (UInt64 keys, low bits only).
    func testMatchesTileSortRadixSort() throws {
        let keys = randomKeys(7000, seed: 11, mask: 0x3FF)
        let values = (0..<keys.count).map { UInt32($0 * 3) }
        var cpuKeys = keys.map(UInt64.init), cpuValues = values
        TileSort.radixSort(keys: &cpuKeys, values: &cpuValues, keyBits: 10)
        let got = try probe.sort(keys: keys, values: values, bits: 10)
        XCTAssertEqual(got.keys.map(UInt64.init), cpuKeys)
        XCTAssertEqual(got.values, cpuValues)
    }
}
