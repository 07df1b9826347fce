import Foundation
import SplatCore
import SplatFormats
import SplatPNG
import XCTest
import SplatTestSupport

/// Frame sequences through the command line (issue 5): names, times, resume/overwrite, shards,
/// progress, extra outputs, camera paths, write failures, Ctrl-C, evaluate and convert.
/// Everything renders on the CPU backend at a small size to stay fast.
final class SequenceCLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryDirectory() }

    override func tearDownWithError() throws {
        // A test may leave a folder read-only.
        _ = try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path("locked"))
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func makeFolder(_ name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: path(name), withIntermediateDirectories: true)
        return path(name)
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Every name in a folder, sorted.
    func names(_ folder: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder).sorted() }

    func assertNoTemporaryFiles(_ folder: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let hidden = try names(folder).filter { $0.hasPrefix(".") }
        XCTAssertEqual(hidden, [], "temporary files left behind", file: file, line: line)
    }

    let dancer = CLI.scene("dancer.4d.ply")
    let small = ["--width", "64", "--height", "48", "--backend", "cpu"]

    func run(_ arguments: [String], environment: [String: String] = [:], status: Int32 = 0,
             file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let result = try CLI.run(arguments, environment: environment)
        XCTAssertEqual(result.status, status, "splat4d \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        return result
    }

    func frameNames(_ indices: [Int], prefix: String = "frame_", ext: String = "png") -> [String] {
        indices.map { String(format: "\(prefix)%05d.\(ext)", $0) }
    }

    // MARK: Names, times, selection

    func testSequenceNamesAndTheMiddleFrameEqualsASingleRender() throws {
        let out = try makeFolder("seq")
        let result = try run(["render", dancer] + small + ["--frame-count", "5", "--output", out + "/frame_%05d.png"])
        XCTAssertEqual(try names(out), frameNames([0, 1, 2, 3, 4]))
        XCTAssert(result.stderr.contains("wrote 5 frames (0 already on disk)"), result.stderr)
        // Frames over 0…2 s: frame 2 is t = 1.
        _ = try run(["render", dancer] + small + ["--time", "1", "--output", path("single.png")])
        XCTAssertEqual(try bytes(out + "/frame_00002.png"), try bytes(path("single.png")))
        _ = try run(["render", dancer] + small + ["--time", "2", "--output", path("last.png")])
        XCTAssertEqual(try bytes(out + "/frame_00004.png"), try bytes(path("last.png")))
        XCTAssertNotEqual(try bytes(out + "/frame_00000.png"), try bytes(out + "/frame_00002.png"))

        // --frames 2:4 of the same sequence: frames 2 and 3 with their global names and times.
        let part = try makeFolder("part")
        _ = try run(["render", dancer] + small + ["--frame-count", "5", "--frames", "2:4", "--output", part + "/frame_%05d.png"])
        XCTAssertEqual(try names(part), frameNames([2, 3]))
        for name in frameNames([2, 3]) { XCTAssertEqual(try bytes(part + "/" + name), try bytes(out + "/" + name), name) }
        try assertNoTemporaryFiles(out)
        try assertNoTemporaryFiles(part)
    }

    func testFramesPerSecondAndTimeRange() throws {
        // 0.5…1.5 s at 2 frames/s: t = 0.5, 1, 1.5 as frames 0, 1, 2; {frame} is not padded.
        let out = try makeFolder("fps")
        _ = try run(["render", dancer] + small + ["--fps", "2", "--time-range", "0.5:1.5", "--output", out + "/f{frame}.png"])
        XCTAssertEqual(try names(out), ["f0.png", "f1.png", "f2.png"])
        _ = try run(["render", dancer] + small + ["--time", "1", "--output", path("t1.png")])
        XCTAssertEqual(try bytes(out + "/f1.png"), try bytes(path("t1.png")))
        let outside = try run(["render", dancer] + small + ["--frame-count", "2", "--time-range", "1:3", "--output", path("x_%d.png")],
                              status: 64)
        XCTAssert(outside.stderr.contains("--time-range 1.0:3.0 leaves the scene's time range 0.0...2.0 (seconds)"), outside.stderr)
        let past = try run(["render", dancer] + small + ["--frame-count", "5", "--frames", "3:9", "--output", path("x_%d.png")],
                           status: 64)
        XCTAssert(past.stderr.contains("--frames 3:9 is outside the sequence's 0:5"), past.stderr)
        XCTAssertEqual(try names(folder.path).filter { $0.hasPrefix("x_") }, [])
    }

    func testExistingFilesOverwriteAndResume() throws {
        let out = try makeFolder("seq")
        let args = ["render", dancer] + small + ["--frame-count", "5", "--output", out + "/frame_%05d.png"]
        _ = try run(args)
        let original = try frameNames([0, 1, 2, 3, 4]).map { try bytes(out + "/" + $0) }

        // Again: an error naming the first existing file, and nothing touched.
        let again = try run(args, status: 1)
        XCTAssertEqual(again.stderr, "splat4d: error: \(out)/frame_00000.png already exists; use --overwrite to replace it "
                       + "or --resume to skip finished frames\n")
        XCTAssertEqual(try names(out), frameNames([0, 1, 2, 3, 4]))

        // --overwrite replaces them (with the same images).
        _ = try run(args + ["--overwrite"])
        XCTAssertEqual(try frameNames([0, 1, 2, 3, 4]).map { try bytes(out + "/" + $0) }, original)

        // --resume renders only what is missing and reports the skipped frames.
        try FileManager.default.removeItem(atPath: out + "/frame_00001.png")
        try FileManager.default.removeItem(atPath: out + "/frame_00004.png")
        let resumed = try run(args + ["--resume"])
        XCTAssert(resumed.stderr.contains("wrote 2 frames (3 already on disk)"), resumed.stderr)
        XCTAssertEqual(try frameNames([0, 1, 2, 3, 4]).map { try bytes(out + "/" + $0) }, original)
        let json = try run(args + ["--resume", "--log-json"])
        let done = try XCTUnwrap(try jsonLines(json.stdout).last)
        XCTAssertEqual(done["event"] as? String, "done")
        XCTAssertEqual(done["written"] as? Int, 0)
        XCTAssertEqual(done["skipped"] as? Int, 5)

        let both = try run(args + ["--resume", "--overwrite"], status: 64)
        XCTAssert(both.stderr.contains("give --resume or --overwrite, not both"), both.stderr)
        try assertNoTemporaryFiles(out)
    }

    func testAPatternIsRequiredForASequence() throws {
        for extra in [["--frame-count", "3"], ["--fps", "2"], ["--frames", "0:2"], ["--orbit"]] {
            let result = try run(["render", dancer] + small + extra + ["--output", path("one.png")], status: 64)
            XCTAssertEqual(result.stderr, "splat4d: error: --output '\(path("one.png"))' needs a frame pattern (%05d or {frame}) "
                           + "to write a sequence\n", extra.joined(separator: " "))
        }
        let depth = try run(["render", dancer] + small + ["--frame-count", "3", "--output", path("c_%d.png"), "--depth", path("d.png")],
                            status: 64)
        XCTAssert(depth.stderr.contains("--depth '\(path("d.png"))' needs a frame pattern (%05d or {frame}) to write a sequence"),
                  depth.stderr)
        let time = try run(["render", dancer] + small + ["--frame-count", "3", "--time", "1", "--output", path("c_%d.png")], status: 64)
        XCTAssert(time.stderr.contains("--time is for one frame; a sequence uses --time-range"), time.stderr)
        XCTAssertEqual(try names(folder.path), [])
    }

    /// The issue asks for a pattern "for more than one frame"; a one-frame sequence
    /// (--frame-count 1, say from a script that computes the count) is refused too.
    func testRegression_OneFrameSequenceNeedsNoPattern() throws {
        let result = try CLI.run(["render", dancer] + small + ["--frame-count", "1", "--output", path("one.png")])
        if result.status == 64, result.stderr.contains("needs a frame pattern") {
            return XCTFail("bug: SequencePlanner.plan() (Sources/SplatRender/Sequence/SequencePlanner.swift) requires a pattern "
                + "for any sequence option, even when it yields one frame: \(result.stderr)")
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssert(FileManager.default.fileExists(atPath: path("one.png")))
    }

    /// A sequence creates its output folders (colour and depth), nested ones included.
    func testSequenceCreatesItsFolders() throws {
        let result = try CLI.run(["render", dancer] + small + ["--frame-count", "2", "--output", path("missing/deep/frame_%05d.png"),
                                                               "--depth", path("depth/d_%05d.png")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try names(path("missing/deep")), frameNames([0, 1]))
        XCTAssertEqual(try names(path("depth")), ["d_00000.png", "d_00001.png"])
    }

    // MARK: Shards

    func testShardsWriteExactlyTheirBlocksAndCoverTheSequence() throws {
        let out = try makeFolder("farm")
        let args = ["render", dancer] + small + ["--frame-count", "5", "--output", out + "/frame_%05d.png"]
        // 5 frames over 3 shards: [0], [1, 2], [3, 4].
        _ = try run(args + ["--shard", "2/3"])
        XCTAssertEqual(try names(out), frameNames([1, 2]))
        // Slurm array task 3 of --array=1-3.
        _ = try run(args, environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"])
        XCTAssertEqual(try names(out), frameNames([1, 2, 3, 4]))
        // Kubernetes Indexed Job, completion index 0 of 3.
        _ = try run(args, environment: ["JOB_COMPLETION_INDEX": "0", "SPLAT4D_SHARD_COUNT": "3"])
        XCTAssertEqual(try names(out), frameNames([0, 1, 2, 3, 4]))
        // The union equals a single run.
        let whole = try makeFolder("whole")
        _ = try run(["render", dancer] + small + ["--frame-count", "5", "--output", whole + "/frame_%05d.png"])
        for name in frameNames([0, 1, 2, 3, 4]) { XCTAssertEqual(try bytes(out + "/" + name), try bytes(whole + "/" + name), name) }

        // An explicit --shard wins over the environment.
        let explicit = try makeFolder("explicit")
        _ = try run(["render", dancer] + small + ["--frame-count", "5", "--shard", "1/3", "--output", explicit + "/frame_%05d.png"],
                    environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"])
        XCTAssertEqual(try names(explicit), frameNames([0]))

        let missingCount = try run(args + ["--overwrite"], environment: ["JOB_COMPLETION_INDEX": "1"], status: 64)
        XCTAssertEqual(missingCount.stderr, "splat4d: error: JOB_COMPLETION_INDEX is set but SPLAT4D_SHARD_COUNT is not: "
                       + "set it to the Job's completions\n")
        let bad = try run(args + ["--shard", "4/3"], status: 64)
        XCTAssert(bad.stderr.contains("a shard must be I/N with 1 ≤ I ≤ N, got 4/3"), bad.stderr)
        let malformed = try run(args + ["--shard", "2"], status: 64)
        XCTAssert(malformed.stderr.contains("--shard expects I/N (e.g. 3/8), got '2'"), malformed.stderr)
    }

    // MARK: Progress

    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
        }
    }

    func testLogJSONLines() throws {
        let out = try makeFolder("json")
        let result = try run(["render", dancer] + small + ["--frame-count", "3", "--log-json", "--output", out + "/frame_%05d.png"])
        let lines = try jsonLines(result.stdout)
        XCTAssertEqual(lines.count, 4, result.stdout)
        XCTAssertEqual(lines.map { $0["event"] as? String }, ["frame", "frame", "frame", "done"])
        XCTAssertEqual(Set(lines.prefix(3).compactMap { $0["frame"] as? Int }), [0, 1, 2])
        XCTAssertEqual(lines.prefix(3).compactMap { $0["done"] as? Int }, [1, 2, 3])
        XCTAssert(lines.prefix(3).allSatisfy { $0["total"] as? Int == 3 })
        XCTAssertEqual(Set(lines.prefix(3).compactMap { $0["path"] as? String }), Set(frameNames([0, 1, 2]).map { out + "/" + $0 }))
        XCTAssertEqual(lines[3]["written"] as? Int, 3)
        XCTAssertEqual(lines[3]["skipped"] as? Int, 0)
        XCTAssertGreaterThan(try XCTUnwrap(lines[3]["fps"] as? Double), 0)
        // Without --log-json, not on a terminal: lines on stderr, nothing on stdout.
        let plain = try run(["render", dancer] + small + ["--frame-count", "3", "--output", out + "/p_%d.png"])
        XCTAssertEqual(plain.stdout, "")
        XCTAssert(plain.stderr.contains("splat4d: 3/3 frames"), plain.stderr)
        XCTAssert(plain.stderr.contains("frames/s"), plain.stderr)
    }

    // MARK: Extra outputs

    /// The reference renderer's frame for the CLI's automatic 64×48 view of `scene` at `t`.
    func referenceFrame(_ scene: String, time t: Float) throws -> RenderedFrame {
        let loaded = try SceneLoader.load(path: scene).scene
        let camera = try CameraRequest(width: 64, height: 48).resolve(for: loaded.canonical, sceneCameras: loaded.metadata.cameras)
        return try ReferenceRasterizer().render(loaded.slice(at: t), camera: camera, settings: RenderSettings())
    }

    func testAlphaWritesRGBAWithTheRenderersAlpha() throws {
        let out = try makeFolder("alpha")
        _ = try run(["render", dancer] + small + ["--frame-count", "2", "--alpha", "--output", out + "/frame_%05d.png"])
        XCTAssertEqual(try names(out), frameNames([0, 1]))
        let png = try PNGFile.read(path: out + "/frame_00001.png")  // t = 2
        XCTAssertEqual(png.channels, 4)
        XCTAssertEqual(png.width, 64)
        XCTAssertEqual(png.height, 48)
        let reference = try referenceFrame(dancer, time: 2)
        let expectedAlpha = reference.alpha.quantized8()
        var covered = 0, empty = 0
        for p in 0..<(64 * 48) {
            let alpha = UInt8((png.pixels[p * 4 + 3] * 255).rounded())
            XCTAssertEqual(alpha, expectedAlpha[p], "pixel \(p)")
            if expectedAlpha[p] == 0 {
                empty += 1
                for c in 0..<3 { XCTAssertEqual(png.pixels[p * 4 + c], 0, "pixel \(p)") }
            } else if expectedAlpha[p] == 255 {
                covered += 1
                // Fully opaque: straight colour is the colour rendered over black.
                for c in 0..<3 {
                    XCTAssertEqual(png.pixels[p * 4 + c], reference.colour.pixels[p * 3 + c], accuracy: 2.0 / 255, "pixel \(p)")
                }
            }
        }
        XCTAssertGreaterThan(covered, 0)
        XCTAssertGreaterThan(empty, 0)
        // Without --alpha: RGB.
        _ = try run(["render", dancer] + small + ["--time", "2", "--output", path("rgb.png")])
        XCTAssertEqual(try PNGFile.read(path: path("rgb.png")).channels, 3)
    }

    func testDepthWrites16BitPNGsWithTheScaleInATextChunk() throws {
        let out = try makeFolder("depth")
        _ = try run(["render", dancer] + small + ["--frame-count", "2", "--output", out + "/frame_%05d.png",
                                                   "--depth", out + "/depth_%05d.png", "--depth-scale", "0.002"])
        XCTAssertEqual(try names(out), frameNames([0, 1], prefix: "depth_") + frameNames([0, 1]))
        let raw = [UInt8](try bytes(out + "/depth_00001.png"))
        XCTAssertEqual(Array(raw.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(Array(raw[12..<16]), Array("IHDR".utf8))
        XCTAssertEqual(raw[24], 16, "bit depth")
        XCTAssertEqual(raw[25], 0, "colour type: greyscale")
        // Walk the chunks: find tEXt chunks and check their CRCs.
        var texts: [String: String] = [:]
        var offset = 8
        while offset + 12 <= raw.count {
            let length = Int(raw[offset]) << 24 | Int(raw[offset + 1]) << 16 | Int(raw[offset + 2]) << 8 | Int(raw[offset + 3])
            let type = String(decoding: raw[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let body = Array(raw[(offset + 8)..<(offset + 8 + length)])
            let crcAt = offset + 8 + length
            let crc = UInt32(raw[crcAt]) << 24 | UInt32(raw[crcAt + 1]) << 16 | UInt32(raw[crcAt + 2]) << 8 | UInt32(raw[crcAt + 3])
            XCTAssertEqual(crc, CRC32.checksum(Array(raw[(offset + 4)..<(offset + 8 + length)])), "CRC of \(type)")
            if type == "tEXt", let zero = body.firstIndex(of: 0) {
                texts[String(decoding: body[..<zero], as: UTF8.self)] = String(decoding: body[(zero + 1)...], as: UTF8.self)
            }
            offset = crcAt + 4
            if type == "IEND" { break }
        }
        XCTAssertEqual(offset, raw.count, "chunks end at IEND")
        XCTAssertEqual(texts["splat4d:depth_scale"], "0.002")
        XCTAssertNotNil(texts["Description"])
        // The samples are the renderer's depth over the scale.
        let depth = try PNGFile.read(path: out + "/depth_00001.png")
        XCTAssertEqual(depth.channels, 1)
        let reference = try referenceFrame(dancer, time: 2).depth
        var nonzero = 0
        for p in 0..<(64 * 48) {
            let expected = min(65535, max(0, (reference.pixels[p] / 0.002).rounded()))
            XCTAssertEqual((depth.pixels[p] * 65535).rounded(), expected, "pixel \(p)")
            if expected > 0 { nonzero += 1 }
        }
        XCTAssertGreaterThan(nonzero, 0)
    }

    // MARK: Camera paths

    func testOrbitTurnsTheCameraBetweenFrames() throws {
        let out = try makeFolder("orbit")
        _ = try run(["render", CLI.scene("synthetic.ply"), "--width", "32", "--height", "24", "--backend", "cpu",
                     "--orbit", "--frame-count", "3", "--output", out + "/frame_%05d.png"])
        let frames = try frameNames([0, 1, 2]).map { try bytes(out + "/" + $0) }
        XCTAssertEqual(frames.count, 3)
        XCTAssertNotEqual(frames[0], frames[1])
        XCTAssertNotEqual(frames[1], frames[2])
        XCTAssertNotEqual(frames[0], frames[2])
    }

    func testCameraPathFileFollowsSceneTime() throws {
        // A path whose camera holds still: the frames show the dancer at each instant, as --look-at does.
        try Data("""
        {"keyframes": [{"time": 0, "position": [0, 0, -4], "look_at": [0, 0, 0], "fov_y": 40},
                       {"time": 2, "position": [0, 0, -4], "look_at": [0, 0, 0]}]}
        """.utf8).write(to: URL(fileURLWithPath: path("path.json")))
        let out = try makeFolder("path")
        _ = try run(["render", dancer] + small + ["--camera-path", path("path.json"), "--frame-count", "3",
                                                   "--output", out + "/frame_%05d.png"])
        XCTAssertEqual(try names(out), frameNames([0, 1, 2]))
        _ = try run(["render", dancer] + small + ["--look-at", "0,0,-4:0,0,0", "--fov-y", "40", "--time", "1", "--output", path("one.png")])
        XCTAssertEqual(try bytes(out + "/frame_00001.png"), try bytes(path("one.png")))
        let both = try run(["render", dancer] + small + ["--camera-path", path("path.json"), "--orbit", "--frame-count", "3",
                                                         "--output", out + "/x_%d.png"], status: 64)
        XCTAssert(both.stderr.contains("give one of --orbit, --camera-path and --cameras"), both.stderr)
    }

    /// transforms.json (OpenGL axes) with two frames at their own times, against the same camera
    /// given as a cameras.json (OpenCV axes) and rendered with --time.
    func testDatasetCamerasRenderEachAtItsOwnTime() throws {
        // Camera at (0, 0, −4) looking along +z, image up −y: OpenGL camera-to-world diag(1, −1, −1).
        try Data("""
        {"fl_x": 60, "fl_y": 60, "w": 64, "h": 48, "frames": [
          {"file_path": "./test/early", "time": 0.5, "transform_matrix": [[1, 0, 0, 0], [0, -1, 0, 0], [0, 0, -1, -4], [0, 0, 0, 1]]},
          {"file_path": "./test/late.png", "time": 1.5, "transform_matrix": [[1, 0, 0, 0], [0, -1, 0, 0], [0, 0, -1, -4], [0, 0, 0, 1]]}]}
        """.utf8).write(to: URL(fileURLWithPath: path("transforms.json")))
        try Data("""
        [{"id": 0, "img_name": "same", "width": 64, "height": 48, "position": [0, 0, -4],
          "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "fx": 60, "fy": 60}]
        """.utf8).write(to: URL(fileURLWithPath: path("cameras.json")))
        let out = try makeFolder("dataset")
        _ = try run(["render", dancer, "--backend", "cpu", "--cameras", path("transforms.json"),
                     "--output", out + "/v%02d_{name}.png"])
        XCTAssertEqual(try names(out), ["v00_early.png", "v01_late.png"])
        for (name, t) in [("v00_early.png", "0.5"), ("v01_late.png", "1.5")] {
            _ = try run(["render", dancer, "--backend", "cpu", "--camera", path("cameras.json"), "--time", t,
                         "--output", path("ref-\(t).png")])
            XCTAssertEqual(try bytes(out + "/" + name), try bytes(path("ref-\(t).png")), name)
        }
        XCTAssertNotEqual(try bytes(out + "/v00_early.png"), try bytes(out + "/v01_late.png"))
        let withCount = try run(["render", dancer, "--backend", "cpu", "--cameras", path("transforms.json"), "--frame-count", "2",
                                 "--output", out + "/x_%d.png"], status: 64)
        XCTAssert(withCount.stderr.contains("--cameras renders one frame per camera: drop --frame-count and --fps"), withCount.stderr)
    }

    // MARK: Failures

    func testWriteFailureInAReadOnlyFolder() throws {
        let locked = try makeFolder("locked")
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked)
        // Root writes through chmod 555, so then splat4d runs as the user nobody.
        let asRoot = getuid() == 0
        if asRoot, !FileManager.default.isExecutableFile(atPath: CLI.setpriv) {
            throw XCTSkip("running as root without \(CLI.setpriv) (util-linux): no user for whom the folder is read-only")
        }
        let arguments = ["render", dancer] + small + ["--frame-count", "3", "--output", locked + "/frame_%05d.png"]
        let result = try CLI.run(arguments, unprivileged: asRoot)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssert(result.stderr.contains("frame_00000.png"), result.stderr)
        XCTAssertEqual(try names(locked), [])
    }

    /// Frame 2's file name is taken by a folder: its write fails after frames 0 and 1 are written.
    func testWriteFailureMidSequence() throws {
        let out = try makeFolder("broken")
        try FileManager.default.createDirectory(atPath: out + "/frame_00002.png", withIntermediateDirectories: false)
        let result = try run(["render", dancer] + small + ["--frame-count", "5", "--overwrite", "--output", out + "/frame_%05d.png"],
                             status: 1)
        // Progress lines may come first; the error is the last line.
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssert(last.hasPrefix("splat4d: error: frame 2: \(out)/frame_00002.png: cannot write"), result.stderr)
        XCTAssert(result.stderr.contains("--resume continues"), result.stderr)
        XCTAssertEqual(try names(out), frameNames([0, 1, 2]))
        for name in frameNames([0, 1]) {
            let png = try PNGFile.read(path: out + "/" + name)
            XCTAssertEqual(png.width, 64, name)
        }
        try assertNoTemporaryFiles(out)
    }

    /// A frame whose colour PNG exists but whose depth PNG does not (a failed depth write) is not
    /// finished; --resume refuses it instead of rendering it again.
    func testRegression_ResumeRedoesAFrameMissingItsDepthFile() throws {
        let out = try makeFolder("partial")
        let args = ["render", dancer] + small + ["--frame-count", "3", "--output", out + "/frame_%05d.png", "--depth", out + "/depth_%05d.png"]
        _ = try run(args)
        try FileManager.default.removeItem(atPath: out + "/depth_00001.png")
        let result = try CLI.run(args + ["--resume"])
        if result.status == 1, result.stderr.contains("already exists") {
            return XCTFail("bug: SequencePlanner.keepNew (Sources/SplatRender/Sequence/SequencePlanner.swift) errors when "
                + "only some of a frame's files exist under --resume, instead of rendering that frame again: \(result.stderr)")
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssert(FileManager.default.fileExists(atPath: out + "/depth_00001.png"))
    }

    func testInterruptStopsCleanlyAndResumeFinishes() throws {
        let out = try makeFolder("interrupted")
        let total = 30
        let args = ["render", dancer, "--width", "32", "--height", "24", "--backend", "cpu", "--frame-count", "\(total)",
                    "--output", out + "/frame_%05d.png"]
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = args
        let errURL = folder.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning,
              (try names(out)).filter({ !$0.hasPrefix(".") && $0.hasSuffix(".png") }).isEmpty {
            usleep(5_000)
        }
        XCTAssert(process.isRunning, "the sequence finished before it could be interrupted")
        process.interrupt()  // SIGINT, as Ctrl-C
        process.waitUntilExit()
        try err.close()
        let stderr = try String(contentsOf: errURL, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssert(stderr.contains("interrupted"), stderr)
        XCTAssert(stderr.contains("--resume continues"), stderr)
        let written = try names(out)
        XCTAssertGreaterThan(written.count, 0)
        XCTAssertLessThan(written.count, total)
        // Every PNG on disk is complete, and they are the first frames, in order.
        XCTAssertEqual(written, frameNames(Array(0..<written.count)))
        for name in written {
            let png = try PNGFile.read(path: out + "/" + name)
            XCTAssertEqual(png.width, 32, name)
            XCTAssertEqual(png.height, 24, name)
        }
        let resumed = try run(args + ["--resume"])
        XCTAssert(resumed.stderr.contains("wrote \(total - written.count) frames (\(written.count) already on disk)"), resumed.stderr)
        XCTAssertEqual(try names(out), frameNames(Array(0..<total)))
    }

    // MARK: evaluate

    /// Three 3DGS cameras around the dancer (frames scene), and their ground truth rendered by the
    /// CPU reference with `render --camera`.
    func makeGroundTruth(background: String = "0,0,0") throws -> (cameras: String, images: String) {
        let cameras = path("cameras.json")
        try Data("""
        [{"id": 0, "img_name": "front", "width": 40, "height": 30, "position": [0, 0, -4],
          "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "fx": 40, "fy": 40},
         {"id": 1, "img_name": "side", "width": 40, "height": 30, "position": [4, 0, 0],
          "rotation": [[0, 0, -1], [0, 1, 0], [1, 0, 0]], "fx": 40, "fy": 40},
         {"id": 2, "img_name": "back", "width": 40, "height": 30, "position": [0, 0, 4],
          "rotation": [[-1, 0, 0], [0, 1, 0], [0, 0, -1]], "fx": 40, "fy": 40}]
        """.utf8).write(to: URL(fileURLWithPath: cameras))
        let images = try makeFolder("gt")
        for name in ["front", "side", "back"] {
            _ = try run(["render", CLI.scene("dancer-frames"), "--backend", "cpu", "--camera", cameras, "--camera-name", name,
                         "--background", background, "--output", images + "/\(name).png"])
        }
        return (cameras, images)
    }

    func testEvaluateAgainstTheReferenceIsPerfect() throws {
        let (cameras, images) = try makeGroundTruth()
        let report = path("report.json")
        let result = try run(["evaluate", CLI.scene("dancer-frames"), "--cameras", cameras, "--images", images, "--backend", "cpu",
                              "--report", report, "--min-psnr", "40"])
        XCTAssert(result.stdout.contains("front"), result.stdout)
        XCTAssert(result.stdout.contains("inf"), result.stdout)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: bytes(report)) as? [String: Any])
        XCTAssertEqual(object["count"] as? Int, 3)
        let perImage = try XCTUnwrap(object["per_image"] as? [[String: Any]])
        XCTAssertEqual(perImage.compactMap { $0["name"] as? String }, ["front", "side", "back"])
        for entry in perImage {
            // Identical images: PSNR is infinite (null in JSON) or at least very large.
            if let psnr = entry["psnr"] as? Double { XCTAssertGreaterThan(psnr, 60) } else { XCTAssert(entry["psnr"] is NSNull) }
            XCTAssertEqual(try XCTUnwrap(entry["ssim"] as? Double), 1, accuracy: 1e-9)
            XCTAssertEqual(entry["time"] as? Double, 0)
        }
        XCTAssert(object["mean_psnr"] is NSNull || (object["mean_psnr"] as? Double ?? 0) > 60)
        XCTAssertEqual(try XCTUnwrap(object["mean_ssim"] as? Double), 1, accuracy: 1e-9)
        // --json prints the same report.
        let json = try run(["evaluate", CLI.scene("dancer-frames"), "--cameras", cameras, "--images", images, "--backend", "cpu", "--json"])
        let printed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(printed["count"] as? Int, 3)
        // A missing ground-truth image is named.
        try FileManager.default.removeItem(atPath: images + "/side.png")
        let missing = try run(["evaluate", CLI.scene("dancer-frames"), "--cameras", cameras, "--images", images, "--backend", "cpu"],
                              status: 1)
        XCTAssert(missing.stderr.contains("no ground-truth image for camera 'side'"), missing.stderr)
    }

    /// --html and --junit with one camera's ground truth missing: both are written for what could be
    /// evaluated, the missing camera is listed, and the run exits 1.
    func testEvaluateHTMLAndJUnitWithAMissingImage() throws {
        let (cameras, images) = try makeGroundTruth()
        try perturb(images, "back")
        try FileManager.default.removeItem(atPath: images + "/side.png")
        let html = path("report"), junit = path("junit.xml")
        let result = try run(["evaluate", CLI.scene("dancer-frames"), "--cameras", cameras, "--images", images, "--backend", "cpu",
                              "--html", html, "--junit", junit, "--max-flip", "0.1"], status: 1)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssert(result.stderr.contains("no ground-truth image for camera 'side'"), result.stderr)
        XCTAssert(result.stdout.contains("side   missing: no ground-truth image"), result.stdout)
        let page = String(decoding: try bytes(html + "/report.html"), as: UTF8.self)
        XCTAssertEqual(page.components(separatedBy: "<tr class=\"view\">").count - 1, 2)
        XCTAssert(page.contains("<span class=\"missing\">side</span>"))
        XCTAssertEqual(page.components(separatedBy: "<img ").count - 1, 6)
        // Worst first: the perturbed image leads the gallery.
        XCTAssertLessThan(page.range(of: "<h3>back")!.lowerBound, page.range(of: "<h3>front")!.lowerBound)
        for file in ["report.json", "images/view-0000-truth.png", "images/view-0002-flip.png"] {
            XCTAssert(FileManager.default.fileExists(atPath: html + "/" + file), file)
        }
        let xml = String(decoding: try bytes(junit), as: UTF8.self)
        XCTAssertEqual(xml.components(separatedBy: "<testcase ").count - 1, 3)
        XCTAssert(xml.contains("<testcase classname=\"dancer-frames\" name=\"back\""), xml)
        XCTAssert(xml.contains("failures=\"1\" errors=\"1\""), xml)
        XCTAssert(xml.contains("FLIP 0."), xml)
    }

    /// Writes `name` in `images` with its left half inverted.
    func perturb(_ images: String, _ name: String) throws {
        var image = try PNGFile.read(path: images + "/\(name).png")
        for y in 0..<image.height {
            for x in 0..<(image.width / 2) {
                for c in 0..<image.channels {
                    let i = (y * image.width + x) * image.channels + c
                    image.pixels[i] = 1 - image.pixels[i]
                }
            }
        }
        try PNGFile.write(image, to: images + "/\(name).png")
    }

    /// Ground truth on a slightly grey background (every image scores a finite PSNR); one image
    /// perturbed falls below the gate, which fails and names it.
    func testEvaluateGateFailsAndNamesThePerturbedImage() throws {
        let (cameras, images) = try makeGroundTruth(background: "0.02,0.02,0.02")
        let base = ["evaluate", CLI.scene("dancer-frames"), "--cameras", cameras, "--images", images, "--backend", "cpu"]
        let clean = try run(base + ["--json"])
        let before = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])
        let mean = try XCTUnwrap(before["mean_psnr"] as? Double, "\(before)")
        XCTAssertGreaterThan(mean, 30)
        let gate = String(format: "%.3f", mean - 3)
        _ = try run(base + ["--min-psnr", gate])

        try perturb(images, "side")
        let failed = try run(base + ["--min-psnr", gate, "--report", path("report.json")], status: 1)
        XCTAssert(failed.stderr.hasPrefix("splat4d: error: 1 of 3 images are below the minimum PSNR "), failed.stderr)
        XCTAssert(failed.stderr.contains(" dB: side "), failed.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: bytes(path("report.json"))) as? [String: Any])
        let perImage = try XCTUnwrap(report["per_image"] as? [[String: Any]])
        let side = try XCTUnwrap(perImage.first { $0["name"] as? String == "side" }?["psnr"] as? Double)
        XCTAssertLessThan(side, 20)
        XCTAssertLessThan(try XCTUnwrap(report["mean_psnr"] as? Double), mean - 3)
    }

    /// With the ground truth rendered exactly by the reference, the untouched images score +∞ dB.
    /// The gate once compared the mean (+∞ then) and could not fail; it now checks every image.
    func testRegression_GateFailsWhenOtherImagesAreIdentical() throws {
        let (cameras, images) = try makeGroundTruth()
        try perturb(images, "side")
        let result = try CLI.run(["evaluate", CLI.scene("dancer-frames"), "--cameras", cameras, "--images", images,
                                  "--backend", "cpu", "--min-psnr", "30"])
        if result.status == 0 {
            return XCTFail("bug: Evaluate.run (Sources/SplatRender/Evaluation/Evaluation.swift) averages per-image PSNRs that are "
                + "+inf for identical images, so the mean is +inf and --min-psnr 30 passes with 'side' perturbed: \(result.stdout)")
        }
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssert(result.stderr.contains("images are below the minimum PSNR 30.000 dB: side "), result.stderr)
    }

    // MARK: convert

    func testConvertRoundTrip() throws {
        let look = ["--look-at", "0,0,-4:0,0,0"] + small
        for (scene, t) in [(dancer, "0.7"), (CLI.scene("dancer-frames"), "2.5")] {
            let ply = path("instant-\(t).ply")
            _ = try run(["convert", scene, "--time", t, "--output", ply])
            _ = try run(["render", ply] + look + ["--output", path("from-ply-\(t).png")])
            _ = try run(["render", scene, "--time", t] + look + ["--output", path("direct-\(t).png")])
            XCTAssertEqual(try bytes(path("from-ply-\(t).png")), try bytes(path("direct-\(t).png")), scene)
            // The export is a plain static 3DGS PLY.
            let info = try run(["info", ply, "--json"])
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(object["format"] as? String, "3dgs-ply", scene)
            XCTAssert(object["time_range"] is NSNull, scene)
        }
        let again = try run(["convert", dancer, "--time", "0.7", "--output", path("instant-0.7.ply")], status: 1)
        XCTAssert(again.stderr.contains("already exists; use --overwrite to replace it"), again.stderr)
        _ = try run(["convert", dancer, "--time", "0.7", "--output", path("instant-0.7.ply"), "--overwrite"])
    }

    func testConvertWritesAPLYSequence() throws {
        let out = try makeFolder("plys")
        _ = try run(["convert", dancer, "--frame-count", "3", "--output", out + "/frame_%05d.ply"])
        XCTAssertEqual(try names(out), frameNames([0, 1, 2], ext: "ply"))
        // Frame 1 of 3 over 0…2 s is t = 1.
        _ = try run(["convert", dancer, "--time", "1", "--output", path("t1.ply")])
        XCTAssertEqual(try bytes(out + "/frame_00001.ply"), try bytes(path("t1.ply")))
        XCTAssertNotEqual(try bytes(out + "/frame_00000.ply"), try bytes(out + "/frame_00001.ply"))
        let part = try makeFolder("part")
        _ = try run(["convert", dancer, "--frame-count", "3", "--frames", "1:3", "--output", part + "/f{frame}.ply"])
        XCTAssertEqual(try names(part), ["f1.ply", "f2.ply"])
        let noPattern = try run(["convert", dancer, "--frame-count", "3", "--output", path("one.ply")], status: 64)
        XCTAssert(noPattern.stderr.contains("needs a frame pattern (%05d or {frame}) to write a sequence"), noPattern.stderr)
        try assertNoTemporaryFiles(out)
    }
    func testConvertFormatsFromTheExtensionOrTheFlag() throws {
        let look = ["--look-at", "0,0,-4:0,0,0"] + small
        _ = try run(["render", dancer, "--time", "0.7"] + look + ["--output", path("direct.png")])
        for (name, format) in [("i.spz", "spz"), ("i.compressed.ply", "compressed-ply"), ("i.splat", "splat"), ("i.ply", "3dgs-ply"), ("i.glb", "gltf"), ("i.sog", "sog")] {
            _ = try run(["convert", dancer, "--time", "0.7", "--output", path(name)])
            let info = try run(["info", path(name), "--json"])
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(object["format"] as? String, format, name)
            // The quantised scene renders close to the original (the dancer has SH degree 0).
            _ = try run(["render", path(name)] + look + ["--output", path(name + ".png")])
            let compare = try run(["compare", path("direct.png"), path(name + ".png"), "--min-psnr", "40"])
            XCTAssert(compare.stdout.contains("PSNR"), compare.stdout)
        }
        _ = try run(["convert", dancer, "--time", "0.7", "--format", "spz", "--output", path("named.bin")])
        XCTAssertEqual(try bytes(path("named.bin")), try bytes(path("i.spz")))
        // Version 4 holds the same quantised Gaussians: the same pixels.
        _ = try run(["convert", dancer, "--time", "0.7", "--spz-version", "4", "--output", path("v4.spz")])
        XCTAssertEqual(try bytes(path("v4.spz")).prefix(5), Data([0x4E, 0x47, 0x53, 0x50, 4]))
        _ = try run(["render", path("v4.spz")] + look + ["--output", path("v4.png")])
        XCTAssertEqual(try bytes(path("v4.png")), try bytes(path("i.spz.png")))
        let badVersion = try run(["convert", dancer, "--spz-version", "5", "--output", path("v5.spz")], status: 64)
        XCTAssert(badVersion.stderr.contains("--spz-version must be 2, 3 or 4"), badVersion.stderr)
        let unknown = try run(["convert", dancer, "--time", "0.7", "--output", path("x.bin")], status: 64)
        XCTAssert(unknown.stderr.contains("--output '\(path("x.bin"))' has no extension that names a format (.ply, .splat, .spz, .compressed.ply, .glb, .sog); give --format"), unknown.stderr)
    }

    func testSPZAntialiasedFlagIsTheDefaultUnlessOverridden() throws {
        let cloud = SceneGenerator.benchmarkBall(count: 200, seed: 3, shDegree: 0)
        try SPZ.encode(cloud, antialiased: true).write(to: URL(fileURLWithPath: path("aa.spz")))
        try SPZ.encode(cloud).write(to: URL(fileURLWithPath: path("plain.spz")))
        let look = ["--look-at", "0,0,-5:0,0,0"] + small
        _ = try run(["render", path("aa.spz")] + look + ["--output", path("aa.png")])
        _ = try run(["render", path("plain.spz"), "--antialiased"] + look + ["--output", path("plain-aa.png")])
        _ = try run(["render", path("aa.spz"), "--no-antialiased"] + look + ["--output", path("aa-off.png")])
        _ = try run(["render", path("plain.spz")] + look + ["--output", path("plain.png")])
        XCTAssertEqual(try bytes(path("aa.png")), try bytes(path("plain-aa.png")), "the flag turns antialiasing on")
        XCTAssertEqual(try bytes(path("aa-off.png")), try bytes(path("plain.png")), "--no-antialiased overrides it")
        XCTAssertNotEqual(try bytes(path("aa.png")), try bytes(path("plain.png")))
    }
}
