import Foundation
import SplatFormats
import XCTest

/// Inflate throughput, for BENCHMARKS.md: skipped unless SPLAT4D_INFLATE_BENCH names a raw DEFLATE
/// stream (tools/inflate_bench.sh makes one from a scene file with Python's zlib).
final class InflateThroughputTests: XCTestCase {
    func testInflateThroughput() throws {
        guard let path = ProcessInfo.processInfo.environment["SPLAT4D_INFLATE_BENCH"] else {
            throw XCTSkip("set SPLAT4D_INFLATE_BENCH to a raw DEFLATE file to measure")
        }
        let stream = try Data(contentsOf: URL(fileURLWithPath: path))
        var best = Double.infinity
        var size = 0
        for _ in 0..<5 {
            let start = Date()
            size = try Inflate.decompress(stream, expectedSize: nil, limit: 1 << 31).count
            best = min(best, Date().timeIntervalSince(start))
        }
        print(String(format: "inflate: %d -> %d bytes, best of 5 %.4f s, %.1f MB/s of output",
                     stream.count, size, best, Double(size) / best / 1e6))
    }
}
