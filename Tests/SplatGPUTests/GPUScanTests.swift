import XCTest
@testable import SplatCore
@testable import SplatGPU

/// GPUScan against TileSort.exclusiveScan, exactly, at every size that changes the recording:
/// small counts, partition boundaries, and the recursive second level.
final class GPUScanTests: GPUTestCase {
    let partition = GPUScan.partitionSize

    /// The CPU twin's answer in GPUScan's shape: count + 1 entries, the total last (mod 2³²).
    func expected(_ values: [UInt32], flagsOnly: Bool) -> [UInt32] {
        let input = flagsOnly ? values.map { $0 != 0 ? UInt32(1) : 0 } : values
        let (offsets, total) = TileSort.exclusiveScan(input)
        return offsets + [UInt32(truncatingIfNeeded: total)]
    }

    func values(_ count: Int, seed: UInt64, below limit: UInt64 = 1000) -> [UInt32] {
        var rng = SplitMix64(seed: seed)
        // A third zeros, so flag mode differs from count mode.
        return (0..<count).map { _ in rng.next() % 3 == 0 ? 0 : UInt32(rng.next() % limit) }
    }

    func check(_ count: Int, flagsOnly: Bool, seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line) throws {
        let input = values(count, seed: seed &+ UInt64(count))
        let got = try probe.scan(input, flagsOnly: flagsOnly)
        let want = expected(input, flagsOnly: flagsOnly)
        guard got != want else { return }
        let first = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
        XCTFail("scan of \(count) values (flagsOnly \(flagsOnly)): first difference at \(first): "
                + "GPU \(first >= 0 ? got[first] : 0), CPU \(first >= 0 ? want[first] : 0)", file: file, line: line)
    }

    /// Every count 0...2·partition + 5 (threads with partial runs, one and two partitions, the
    /// partition-sum scan), in both modes: each count scans a prefix of one random array, whose
    /// CPU scan prefix is the expected answer.
    func testEveryCountUpToTwoPartitions() throws {
        let maxCount = 2 * partition + 5
        let input = values(maxCount, seed: 17)
        for flagsOnly in [false, true] {
            let want = expected(input, flagsOnly: flagsOnly)
            var failures = 0
            for count in 0...maxCount {
                let got = try probe.scan(Array(input[0..<count]), flagsOnly: flagsOnly)
                if got != Array(want[0...count]) {
                    failures += 1
                    if failures <= 5 {
                        let i = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
                        XCTFail("scan of \(count) values (flagsOnly \(flagsOnly)) differs first at \(i)")
                    }
                }
            }
            XCTAssertEqual(failures, 0, "counts with a wrong scan (flagsOnly \(flagsOnly))")
        }
    }

    /// ±3 around 3 partitions, and a few counts with many partitions.
    func testMorePartitions() throws {
        for count in (3 * partition - 3)...(3 * partition + 3) {
            try check(count, flagsOnly: false)
            try check(count, flagsOnly: true)
        }
        for count in [partition * 7 + 11, partition * 64, partition * 64 + 1] { try check(count, flagsOnly: false) }
    }

    func testFlagsOnlyCountsNonZeroValues() throws {
        XCTAssertEqual(try probe.scan([0, 0xFFFF_FFFF, 5, 0, 1], flagsOnly: true), [0, 0, 1, 2, 2, 3])
        XCTAssertEqual(try probe.scan([UInt32](repeating: 0x8000_0000, count: 5000), flagsOnly: true),
                       (0...5000).map(UInt32.init))
    }

    func testKnownValues() throws {
        XCTAssertEqual(try probe.scan([], flagsOnly: false), [0])
        XCTAssertEqual(try probe.scan([7], flagsOnly: false), [0, 7])
        XCTAssertEqual(try probe.scan([3, 0, 2, 5], flagsOnly: false), [0, 3, 3, 5, 10])
    }

    /// More than partition² values needs a third level (sums of sums of sums). Small values keep
    /// the total within 32 bits.
    func testRecursiveLevels() throws {
        let count = partition * partition + partition + 5
        var rng = SplitMix64(seed: 99)
        let input = (0..<count).map { _ in UInt32(rng.next() & 3) }
        let got = try probe.scan(input, flagsOnly: false)
        let want = expected(input, flagsOnly: false)
        XCTAssertEqual(got.count, want.count)
        XCTAssert(got == want, "scan of \(count) values differs from the CPU scan, first at "
                  + "\(zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
    }

    /// The total wraps modulo 2³² like the CPU twin's UInt32 offsets.
    func testWrapsModulo32Bits() throws {
        let input: [UInt32] = [0xFFFF_FFF0, 0x20, 1]
        XCTAssertEqual(try probe.scan(input, flagsOnly: false), expected(input, flagsOnly: false))
    }

    /// The scratch grows and is reused: a small scan after a large one still starts from zero.
    func testReuseAfterLargerScan() throws {
        try check(partition * 3 + 1, flagsOnly: false, seed: 1)
        try check(5, flagsOnly: false, seed: 2)
        try check(partition + 1, flagsOnly: true, seed: 3)
    }
}
