import Foundation
import SplatCore
@testable import SplatFormats
import SplatTestSupport
import XCTest

/// Lazy frame sequences: listing (folders, patterns, flipbook names, ZIP archives), decoding one
/// frame at a time through the registry, faults named by file and index, and bounded memory.
final class FrameSequenceTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try TestPaths.temporaryFolder(for: self) }

    /// Frame k of a small performance: `count` Gaussians moved by k along x.
    static func frame(_ k: Int, count: Int = 50, degree: Int = 0) -> SplatCloud {
        var cloud = Fixtures.randomCloud(count: count, degree: degree, seed: 7, camera: Fixtures.camera(), mix: [.ordinary])
        cloud.positions = cloud.positions.map { $0 + SIMD3(Float(k) * 0.01, 0, 0) }
        return cloud
    }

    /// What the registry decodes from a frame file's bytes (PLY stores logits and logs, so a frame
    /// read back is this, not the cloud it was written from).
    static func decoded(_ data: Data, as name: String = "frame.ply") throws -> SplatCloud {
        try SceneLoader.load(data: data, path: name).cloud
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let url = folder.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func testAFolderOfFlipbookFramesInMixedFormatsOpensInNaturalOrderAndDecodesEachThroughTheRegistry() throws {
        try write("perf_10.spz", SPZ.encode(Self.frame(2)))
        try write("perf_2.splat", AntimatterSplat.encode(Self.frame(1)))
        try write("perf_1.ply", PLYWriter.gaussianPLY(Self.frame(0)))
        try write("perf_11.compressed.ply", CompressedPLY.encode(Self.frame(3)))
        try write("perf_12.glb", GLTFSplats.encode(Self.frame(4)))
        try write("notes.txt", Data("not a frame".utf8))
        let sequence = try FrameSequence.open(path: folder.path, frameRate: 10)
        XCTAssertEqual(sequence.names.map { ($0 as NSString).lastPathComponent },
                       ["perf_1.ply", "perf_2.splat", "perf_10.spz", "perf_11.compressed.ply", "perf_12.glb"])
        XCTAssertEqual(sequence.firstFormat, .gaussianPLY)
        XCTAssertEqual(sequence.first, try Self.decoded(PLYWriter.gaussianPLY(Self.frame(0))))
        XCTAssertEqual(sequence.times, [0, 0.1, 0.2, 0.3, 0.4].map { Float(Double($0)) })
        XCTAssertEqual(sequence.metadata.timeUnit, "seconds")
        // Each frame is exactly what the registry decodes from its file.
        for k in 1..<5 {
            XCTAssertEqual(try sequence.decodeFrame(k), try SceneLoader.load(path: sequence.names[k]).cloud, "frame \(k)")
        }
        // A pattern picks the files it matches.
        XCTAssertEqual(try FrameSequence.open(path: folder.path + "/perf_1*.*", frameRate: nil).frameCount, 4)
    }

    func testNaturalOrderComparesDigitRunsAsNumbers() {
        let names = ["take_10.ply", "take_9.ply", "take_1a.ply", "take_1.ply", "Take_2.ply", "take_01.ply", "take_0010.ply"]
        let expected = ["Take_2.ply", "take_01.ply", "take_1.ply", "take_1a.ply", "take_9.ply", "take_0010.ply", "take_10.ply"]
        XCTAssertEqual(PLYSequence.naturallySorted(names), expected)
        XCTAssertEqual(names.sorted(by: PLYSequence.naturalOrder), expected)
    }

    func testTheLoaderOpensASequenceToStreamDecodingOnlyTheFirstFrame() throws {
        try write("f_0.ply", PLYWriter.gaussianPLY(Self.frame(0)))
        try write("f_1.ply", Data("ply\nformat binary_little_endian 1.0\nelement vertex 9\nend_header\n".utf8))  // truncated
        let loaded = try SceneLoader.open(path: folder.path, cacheBytes: 1 << 20)
        XCTAssertEqual(loaded.format, .plySequence)
        XCTAssertEqual(loaded.formatDetail, "2 frames of 3dgs-ply, streamed")
        XCTAssertEqual(loaded.scene.metadata.timeRange, 0...1)
        XCTAssertEqual(loaded.cloud, try Self.decoded(PLYWriter.gaussianPLY(Self.frame(0))))
        XCTAssertEqual(loaded.stream?.cache.decodeLog, [], "opening decodes frame 0 only, outside the cache")
    }

    func testAZipOfFramesIsReadInPlaceStoredOrDeflated() throws {
        let frames = (0..<3).map { Self.frame($0) }
        var zip = TestZipWriter()
        let plain = [UInt8](PLYWriter.gaussianPLY(frames[2]))
        let deflated = [UInt8](Deflate.compress(Data(plain)))
        zip.members = [
            .init(name: "take/frame_10.ply", content: plain, method: 8, compressed: deflated),
            .init(name: "take/frame_2.ply", content: [UInt8](PLYWriter.gaussianPLY(frames[1]))),
            .init(name: "take/frame_1.ply", content: [UInt8](PLYWriter.gaussianPLY(frames[0]))),
            .init(name: "take/readme.txt", content: Array("hello".utf8)),
        ]
        let path = try write("take.zip", Data(zip.archive()))
        XCTAssertTrue(FrameSequence.names(path))
        XCTAssertFalse(FrameSequence.names(TestPaths.scene("dancer.npz")), "an npz is a ZIP of arrays, not of frames")
        let sequence = try FrameSequence.open(path: path, frameRate: nil)
        XCTAssertEqual(sequence.names, ["\(path):take/frame_1.ply", "\(path):take/frame_2.ply", "\(path):take/frame_10.ply"])
        for k in 0..<3 { XCTAssertEqual(try sequence.decodeFrame(k), try Self.decoded(PLYWriter.gaussianPLY(frames[k])), "frame \(k)") }
        let loaded = try SceneLoader.open(path: path, cacheBytes: 1 << 20)
        XCTAssertEqual(loaded.format, .frameSequence)
        XCTAssertEqual(loaded.stream?.frameCount, 3)
        // Nothing was extracted next to the archive.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["take.zip"])
    }

    func testATruncatedFrameMidSequenceIsNamedByFileAndIndex() throws {
        for k in 0..<4 { try write("f_\(k).ply", PLYWriter.gaussianPLY(Self.frame(k))) }
        let full = PLYWriter.gaussianPLY(Self.frame(2))
        let damaged = try write("f_2.ply", full.prefix(full.count - 100))
        let sequence = try FrameSequence.open(path: folder.path, frameRate: nil)
        XCTAssertNoThrow(try sequence.decodeFrame(1))
        XCTAssertThrowsError(try sequence.decodeFrame(2)) { error in
            let failure = error as? SceneFileError
            XCTAssertEqual(failure?.path, damaged)
            XCTAssertTrue(failure?.problem.hasPrefix("frame 2: ") ?? false, "\(error)")
            XCTAssertEqual(failure?.kind, .badInput)
        }
        XCTAssertNoThrow(try sequence.decodeFrame(3))
    }

    func testAFrameOfAnotherSHDegreeOrAMissingFrameIsRefused() throws {
        try write("f_0.ply", PLYWriter.gaussianPLY(Self.frame(0, degree: 1)))
        let odd = try write("f_1.ply", PLYWriter.gaussianPLY(Self.frame(1, degree: 0)))
        let gone = try write("f_2.ply", PLYWriter.gaussianPLY(Self.frame(2, degree: 1)))
        let sequence = try FrameSequence.open(path: folder.path, frameRate: nil)
        XCTAssertThrowsError(try sequence.decodeFrame(1)) {
            XCTAssertEqual($0 as? SceneFileError, SceneFileError(path: odd, problem: "frame 1: SH degree 0 differs from the first frame's 1"))
        }
        try FileManager.default.removeItem(atPath: gone)
        XCTAssertThrowsError(try sequence.decodeFrame(2)) {
            XCTAssertEqual($0 as? SceneFileError, SceneFileError(path: gone, problem: "frame 2: no such file"))
        }
    }

    func testAFrameRewrittenOnDiskIsReadAgainWhole() throws {
        for k in 0..<2 { try write("f_\(k).ply", PLYWriter.gaussianPLY(Self.frame(k))) }
        let sequence = try FrameSequence.open(path: folder.path, frameRate: nil)
        XCTAssertEqual(try sequence.decodeFrame(1), try Self.decoded(PLYWriter.gaussianPLY(Self.frame(1))))
        let rewritten = PLYWriter.gaussianPLY(Self.frame(5, count: 70))
        try write("f_1.ply", rewritten)
        XCTAssertEqual(try sequence.decodeFrame(1), try Self.decoded(rewritten), "the file as it is now, never a mix")
    }

    func testOpeningTenThousandTinyFramesTakesUnderASecond() throws {
        // Hard links of one tiny frame: the listing is what is timed, and writing ten thousand
        // files through Foundation would dominate the test.
        let original = try write("tiny_0.ply", PLYWriter.gaussianPLY(Self.frame(0, count: 1)))
        for k in 1..<10_000 {
            XCTAssertEqual(link(original, folder.appendingPathComponent("tiny_\(k).ply").path), 0)
        }
        let start = Date()
        let loaded = try SceneLoader.open(path: folder.path, cacheBytes: 1 << 20)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(loaded.stream?.frameCount, 10_000)
        XCTAssertEqual(loaded.scene.metadata.timeRange, 0...9999)
        XCTAssertLessThan(seconds, 1, "opening listed and sorted 10,000 frames in \(seconds) s")
    }

    /// Resident memory in bytes (VmRSS of /proc/self/status).
    static func residentBytes() throws -> UInt64 {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try XCTUnwrap(UInt64(line.split(separator: " ")[1])) << 10
    }

    func testPlayingASequenceManyTimesTheBudgetKeepsMemoryBounded() throws {
        // 40 frames of 20,000 Gaussians (1.25 MiB each decoded, 50 MiB in all) through a 6 MiB cache.
        for k in 0..<40 { try write("f_\(k).ply", PLYWriter.gaussianPLY(Self.frame(k, count: 20_000))) }
        let budget: UInt64 = 6 << 20
        let before = try Self.residentBytes()
        var peakResident = before
        do {
            let stream = try FrameSequence.open(path: folder.path, frameRate: nil).stream(budget: budget)
            for step in 0..<79 {
                let window = try stream.window(at: Float(step) * 0.5)
                XCTAssertEqual(window.indices, step % 2 == 0 ? [step / 2] : [step / 2, step / 2 + 1])
                XCTAssertLessThanOrEqual(stream.cache.bytes, budget)
                peakResident = max(peakResident, try Self.residentBytes())
            }
            XCTAssertLessThanOrEqual(stream.cache.peakBytes, budget, "the cache's own counter")
            XCTAssertGreaterThan(stream.cache.evictionLog.count, 30, "most frames were evicted as play went on")
        }
        // Loading every frame would add 50 MiB; the stream adds at most its budget plus a margin
        // for the file being read and the allocator.
        XCTAssertLessThan(peakResident - min(before, peakResident), budget + (24 << 20),
                          "resident memory grew by \((peakResident - before) >> 20) MiB")
    }
}
