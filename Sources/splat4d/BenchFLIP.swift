import ArgumentParser
import Foundation
import SplatCore
import SplatPNG
import SplatRender

/// Times FLIP on an image pair, for BENCHMARKS.md against the reference (tools/time_flip_reference.py).
struct BenchFLIP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-flip",
        abstract: "Benchmark FLIP on an image pair: median and min milliseconds of the error map.",
        discussion: "Uses every core; set SPLAT4D_THREADS=1 in the environment to time one core.")

    @Argument(help: "The test image.") var test: String
    @Argument(help: "The reference (ground truth).") var reference: String

    @Option(name: .customLong("repeat"), help: "Timed runs after the warm-up.")
    var repeatCount: Int = 5

    @Option(help: "Untimed runs first.")
    var warmup: Int = 1

    @OptionGroup var viewing: ViewingOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard (1...10_000).contains(repeatCount) else { throw ValidationError("--repeat must lie in 1...10000") }
        guard (0...100).contains(warmup) else { throw ValidationError("--warmup must lie in 0...100") }
    }

    func run() throws {
        let a = try PNGFile.read(path: test), b = try PNGFile.read(path: reference)
        guard a.width == b.width, a.height == b.height else {
            throw UserError("\(test) is \(a.width)×\(a.height) but \(reference) is \(b.width)×\(b.height)")
        }
        let result = FLIPBenchmark(warmup: warmup, repeatCount: repeatCount)
            .run(reference: b, test: a, pixelsPerDegree: viewing.pixelsPerDegree)
        let sorted = result.milliseconds.sorted()
        let median = SplatCore.median(sorted)
        let threads = ProcessInfo.processInfo.environment["SPLAT4D_THREADS"] == "1" ? 1 : ProcessInfo.processInfo.activeProcessorCount
        if json {
            let object: [String: Any] = ["width": a.width, "height": a.height, "repeat": repeatCount, "threads": threads,
                                         "ms_median": median, "ms_min": sorted[0], "mean_flip": result.meanFLIP]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("image:   \(a.width)×\(a.height), \(repeatCount) runs after \(warmup) warm-up, \(threads) thread(s)")
            print(String(format: "FLIP:    median %9.2f ms   min %9.2f ms   (mean FLIP %.5f)", median, sorted[0], result.meanFLIP))
        }
    }
}
