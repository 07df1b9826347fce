import Foundation
import SplatCore
import SplatFormats
import SplatPNG
import XCTest
import SplatTestSupport

/// The command line as a user meets it: exit codes, one-line errors, files written or not.
final class CLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func assertOneLineError(_ result: CLIResult, status: Int32 = 1, contains text: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, status, "stderr: \(result.stderr)", file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "expected one line, got: \(result.stderr)", file: file, line: line)
        XCTAssert(result.stderr.hasPrefix("splat4d: error: "), result.stderr, file: file, line: line)
        XCTAssert(result.stderr.contains(text), "'\(result.stderr)' lacks '\(text)'", file: file, line: line)
    }

    func testPlantMatchesTheOutsideReference() throws {
        let reference = CLI.scene("plant.reference.png"), cameras = CLI.scene("plant.cameras.json")
        let out = path("plant.png")
        let render = try CLI.run(["render", CLI.scene("plant.splat"), "--camera", cameras,
                                  "--background", "1,1,1", "--backend", "cpu", "--output", out])
        XCTAssertEqual(render.status, 0, render.stderr)
        let compare = try CLI.run(["compare", out, reference, "--json", "--min-psnr", "45"])
        XCTAssertEqual(compare.status, 0, compare.stdout + compare.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as? [String: Any]
        let psnr = try XCTUnwrap(report?["psnr"] as? Double)
        print("plant vs reference: PSNR \(psnr) dB, SSIM \(report?["ssim"] ?? "?")")
        XCTAssertGreaterThanOrEqual(psnr, 45)
    }

    func testRenderIsByteIdenticalTwice() throws {
        let args = ["render", CLI.scene("synthetic.ply"), "--width", "96", "--height", "64"]
        XCTAssertEqual(try CLI.run(args + ["--output", path("a.png")]).status, 0)
        XCTAssertEqual(try CLI.run(args + ["--output", path("b.png")]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("a.png"))),
                       try Data(contentsOf: URL(fileURLWithPath: path("b.png"))))
    }

    func testMissingSceneIsOneLineAndWritesNothing() throws {
        let out = path("out.png")
        let result = try CLI.run(["render", path("nope.ply"), "--output", out])
        assertOneLineError(result, contains: "nope.ply: no such file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testTruncatedSceneIsOneLineAndWritesNothing() throws {
        let scene = path("cut.splat"), out = path("out.png")
        try Data(repeating: 7, count: 45).write(to: URL(fileURLWithPath: scene))
        let result = try CLI.run(["render", scene, "--output", out])
        assertOneLineError(result, contains: "cut.splat: ")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["cut.splat"])
    }

    func testBadOptionValues() throws {
        let scene = CLI.scene("synthetic.ply")
        assertOneLineError(try CLI.run(["render", scene, "--output", path("o.png"), "--background", "2,0,0"]),
                           status: 64, contains: "--background values must lie in [0, 1]")
        assertOneLineError(try CLI.run(["render", scene, "--output", path("o.png"), "--width", "0"]),
                           status: 64, contains: "--width must lie in 1...16384")
        assertOneLineError(try CLI.run(["render", scene, "--output", path("o.png"), "--look-at", "1,2:3"]),
                           status: 64, contains: "--look-at eye expects three comma-separated numbers")
        assertOneLineError(try CLI.run(["render", scene, "--output", path("o.txt")]),
                           status: 64, contains: "--output must name a .png file")
        assertOneLineError(try CLI.run(["render", scene, "--output", path("o.png"), "--camera-index", "2"]),
                           status: 64, contains: "--camera-index and --camera-name need --camera: the scene file carries no cameras")
        assertOneLineError(try CLI.run(["render", scene, "--output", path("missing/o.png")]),
                           contains: "does not exist")
    }

    func testCameraIndexOutOfRange() throws {
        assertOneLineError(try CLI.run(["render", CLI.scene("plant.splat"), "--camera", CLI.scene("plant.cameras.json"),
                                        "--camera-index", "4", "--output", path("o.png")]),
                           contains: "camera index 4 is out of range (the file has 1 camera)")
    }

    func testNoVulkanDriverNamesTheCPUBackend() throws {
        let out = path("o.png")
        let result = try CLI.run(["render", CLI.scene("synthetic.ply"), "--output", out],
                                 environment: ["VK_ICD_FILENAMES": "/nonexistent/icd.json", "VK_DRIVER_FILES": "/nonexistent/icd.json"])
        assertOneLineError(result, contains: "cannot start the Vulkan backend")
        XCTAssert(result.stderr.contains("use --backend cpu"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testPlantOnTheDefaultGPUBackendMatchesTheReference() throws {
        let reference = CLI.scene("plant.reference.png")
        let devices = try CLI.run(["info", "--devices"])
        guard devices.status == 0, devices.stdout.contains("usable") else {
            throw XCTSkip("no usable Vulkan device: \(devices.stderr)\(devices.stdout)")
        }
        let out = path("plant-gpu.png")
        let render = try CLI.run(["render", CLI.scene("plant.splat"), "--camera", CLI.scene("plant.cameras.json"),
                                  "--background", "white", "--output", out])
        XCTAssertEqual(render.status, 0, render.stderr)
        let compare = try CLI.run(["compare", out, reference, "--min-psnr", "45"])
        XCTAssertEqual(compare.status, 0, compare.stdout + compare.stderr)
    }

    /// The device list names the limits the renderer sizes its bindings by, texel buffers included.
    func testDeviceListGivesTheBindingLimits() throws {
        let result = try CLI.run(["info", "--devices", "--json"])
        guard result.status == 0, result.stdout.contains("\"rejected\" : null") else { throw XCTSkip("no usable Vulkan device") }
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let devices = try XCTUnwrap(report["devices"] as? [[String: Any]])
        let usable = try XCTUnwrap(devices.first { $0["rejected"] is NSNull })
        // Vulkan's minimums: 65,536 texels per texel-buffer view, 128 MiB per storage binding.
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(usable["max_texel_buffer_elements"] as? Int), 65_536)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(usable["max_storage_buffer_range"] as? Int), 1 << 27)
        XCTAssert(try CLI.run(["info", "--devices"]).stdout.contains("texels"))
    }

    func testBenchJSON() throws {
        let devices = try CLI.run(["info", "--devices"])
        guard devices.status == 0, devices.stdout.contains("usable") else { throw XCTSkip("no usable Vulkan device") }
        let result = try CLI.run(["bench", CLI.scene("synthetic.ply"), "--width", "64", "--height", "48", "--repeat", "2", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(report["frame_ms_median"] as? Double), 0)
        let stages = try XCTUnwrap(report["stages_ms_median"] as? [String: Double])
        XCTAssertEqual(Set(stages.keys), ["preprocess", "scan", "keys", "sort", "ranges", "blend", "readback"])
        XCTAssertGreaterThan(try XCTUnwrap(report["tile_instances"] as? Int), 0)
        XCTAssert((report["device"] as? String)?.isEmpty == false)
        XCTAssertNil(report["workload"], "counted only on request")
    }

    /// --workload counts the blend's work on the CPU reference: the instances it counts are the
    /// GPU frame's, and the per-pixel counts hang together.
    func testBenchWorkload() throws {
        let devices = try CLI.run(["info", "--devices"])
        guard devices.status == 0, devices.stdout.contains("usable") else { throw XCTSkip("no usable Vulkan device") }
        let result = try CLI.run(["bench", CLI.scene("synthetic.ply"), "--width", "64", "--height", "48", "--repeat", "1",
                                  "--workload", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let w = try XCTUnwrap(report["workload"] as? [String: Int])
        XCTAssertEqual(w["instances"], report["tile_instances"] as? Int)
        XCTAssertEqual(w["pixels"], 64 * 48)
        XCTAssertEqual(w["tiles"], 4 * 3)
        XCTAssertEqual(w["lanes"], 8)
        XCTAssertEqual(w["rows"], 4)
        let walked = try XCTUnwrap(w["walked"]), contributing = try XCTUnwrap(w["contributing"])
        XCTAssertGreaterThan(contributing, 0)
        XCTAssertLessThanOrEqual(contributing, walked)
        XCTAssertLessThanOrEqual(try XCTUnwrap(w["blended_steps"]), try XCTUnwrap(w["fetched"]))
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(w["lane_evaluations"]), contributing, "the GPU evaluates every change")
        let text = try CLI.run(["bench", CLI.scene("synthetic.ply"), "--width", "64", "--height", "48", "--repeat", "1", "--workload"])
        XCTAssert(text.stdout.contains("blend workload (CPU reference; a GPU subgroup modelled as 8×4 pixels of a tile)"), text.stdout)
    }

    func testInfoJSON() throws {
        let result = try CLI.run(["info", CLI.scene("plant.splat"), "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(info["format"] as? String, "splat")
        XCTAssertEqual(info["gaussians"] as? Int, 113_648)
        XCTAssertEqual(info["sh_degree"] as? Int, 0)
        XCTAssert(info["time_range"] is NSNull)
        let synthetic = try CLI.run(["info", CLI.scene("synthetic.ply")])
        XCTAssert(synthetic.stdout.contains("sh degree:  3"), synthetic.stdout)
        XCTAssert(synthetic.stdout.contains("3dgs-ply (binary_little_endian)"), synthetic.stdout)
    }

    func testInfoShowsTheTimeVaryingColour() throws {
        let fixture = TestPaths.fixtures.appendingPathComponent("sh4d/t2.4d.ply").path
        let text = try CLI.run(["info", fixture])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssert(text.stdout.contains("time colour: sh_degree_t 2, cosine period 10.0 (time_duration 0.0 ... 10.0)"), text.stdout)
        let json = try CLI.run(["info", fixture, "--json"])
        let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(info["sh_degree_t"] as? Int, 2)
        XCTAssertEqual(info["time_duration"] as? [Double], [0, 10])
        let plain = try CLI.run(["info", CLI.scene("dancer.4d.ply")])
        XCTAssertFalse(plain.stdout.contains("time colour"), plain.stdout)
    }

    func testCompareExitCodes() throws {
        let a = Image(width: 8, height: 8, channels: 3, fill: 0.5)
        var b = a
        b.pixels = b.pixels.map { $0 + 0.1 }   // MSE = 0.01 → 20 dB
        try PNGFile.write(a, to: path("a.png"))
        try PNGFile.write(b, to: path("b.png"))
        try PNGFile.write(Image(width: 4, height: 8, channels: 3), to: path("small.png"))

        let same = try CLI.run(["compare", path("a.png"), path("a.png")])
        XCTAssertEqual(same.status, 0)
        XCTAssert(same.stdout.contains("PSNR: inf (identical)"), same.stdout)
        XCTAssert(same.stdout.contains("SSIM: 1.00000"), same.stdout)

        let different = try CLI.run(["compare", path("a.png"), path("b.png"), "--min-psnr", "15"])
        XCTAssertEqual(different.status, 0, different.stderr)
        // 0.5 → 128 and 0.6 → 153 in 8 bits: PSNR = 20·log10(255/25) = 20.172 dB.
        XCTAssert(different.stdout.contains("PSNR: 20.172 dB"), different.stdout)
        assertOneLineError(try CLI.run(["compare", path("a.png"), path("b.png"), "--min-psnr", "30"]),
                           contains: "PSNR 20.172 dB is below the minimum 30.000 dB")
        assertOneLineError(try CLI.run(["compare", path("a.png"), path("small.png")]),
                           contains: "is 8×8 but")
        assertOneLineError(try CLI.run(["compare", path("a.png"), path("none.png")]), contains: "none.png")
    }

    func testCompareMetricsDiffAndMask() throws {
        var a = Image(width: 24, height: 16, channels: 3, fill: 0.5)
        for i in a.pixels.indices { a.pixels[i] = Float((i * 13) % 97) / 96 }
        var b = a
        for i in 0..<(b.pixels.count / 2) { b.pixels[i] = 1 - b.pixels[i] }
        try PNGFile.write(a, to: path("a.png"))
        try PNGFile.write(b, to: path("b.png"))

        let all = try CLI.run(["compare", path("b.png"), path("a.png"), "--metric", "all", "--json", "--diff", path("flip.png")])
        XCTAssertEqual(all.status, 0, all.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["metrics"] as? [String], ["flip", "psnr", "ssim"])
        let flip = try XCTUnwrap(object["flip"] as? Double)
        XCTAssert(flip > 0.05 && flip < 1, "\(flip)")
        XCTAssertEqual(object["diff_kind"] as? String, "flip")
        XCTAssertEqual(object["pixels_per_degree"] as? Double ?? 0, 67.0206, accuracy: 1e-3)
        let flipMap = try PNGFile.read(path: path("flip.png"))
        XCTAssertEqual([flipMap.width, flipMap.height, flipMap.channels], [24, 16, 3])

        // FLIP alone; a shorter viewing distance means fewer pixels per degree.
        let near = try CLI.run(["compare", path("b.png"), path("a.png"), "--metric", "flip", "--viewing-distance", "0.3"])
        XCTAssertEqual(near.status, 0, near.stderr)
        XCTAssert(near.stdout.hasPrefix("FLIP: ") && near.stdout.contains("(28.72 pixels per degree)"), near.stdout)
        XCTAssertFalse(near.stdout.contains("PSNR"))
        assertOneLineError(try CLI.run(["compare", path("b.png"), path("a.png"), "--max-flip", "0.01"]), contains: "is above the maximum 0.01000")

        // Without FLIP the map is the absolute error with a colour bar, its scale (the largest mean
        // channel difference of the inverted half) printed.
        let absolute = try CLI.run(["compare", path("b.png"), path("a.png"), "--diff", path("abs.png")])
        XCTAssert(absolute.stdout.contains("absolute error in magma, colour bar on the right: 0 at the bottom, 0.8248 at the top"),
                  absolute.stdout)
        XCTAssertEqual(try PNGFile.read(path: path("abs.png")).width, 24 + ErrorMaps.colourBarWidth)

        // Ground truth with alpha: only alpha > 0 counts. The differences lie where alpha is 0.
        var masked = Image(width: 24, height: 16, channels: 4, fill: 1)
        for p in 0..<(24 * 16) {
            for c in 0..<3 { masked.pixels[p * 4 + c] = a.pixels[p * 3 + c] }
            if p < 24 * 8 { masked.pixels[p * 4 + 3] = 0 }
        }
        try PNGFile.write(masked, to: path("masked.png"))
        let withMask = try CLI.run(["compare", path("b.png"), path("masked.png")])
        XCTAssert(withMask.stdout.contains("PSNR: inf (identical)"), withMask.stdout)
        XCTAssert(withMask.stdout.contains("masked: 192 of 384 pixels"), withMask.stdout)

        // 16-bit PNGs compare at full precision: a 16-bit grey image against its 8-bit self.
        let grey = (0..<(24 * 16)).map { UInt16(($0 * 37) % 256) * 257 }
        try PNGFile.writeGray16(width: 24, height: 16, samples: grey, to: path("g16.png"))
        try PNGFile.write(Image(width: 24, height: 16, channels: 1, pixels: grey.map { Float($0) / 65535 }), to: path("g8.png"))
        let sixteen = try CLI.run(["compare", path("g16.png"), path("g8.png"), "--metric", "all"])
        XCTAssertEqual(sixteen.status, 0, sixteen.stderr)
        XCTAssert(sixteen.stdout.contains("PSNR: inf (identical)") && sixteen.stdout.contains("FLIP: 0.00000"), sixteen.stdout)

        // Bad input: one line, exit 1, no --diff file.
        assertOneLineError(try CLI.run(["compare", path("a.png"), path("g8.png"), "--diff", path("no.png")]),
                           contains: "cannot compare a colour image with a grey one")
        try PNGFile.write(Image(width: 8, height: 8, channels: 3), to: path("small.png"))
        assertOneLineError(try CLI.run(["compare", path("a.png"), path("small.png"), "--diff", path("no.png")]), contains: "is 24×16 but")
        try Data(try Data(contentsOf: URL(fileURLWithPath: path("a.png"))).prefix(60)).write(to: URL(fileURLWithPath: path("cut.png")))
        assertOneLineError(try CLI.run(["compare", path("cut.png"), path("a.png"), "--diff", path("no.png")]), contains: "cut.png: ")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("no.png")))
        assertOneLineError(try CLI.run(["compare", path("a.png"), path("a.png"), "--ppd", "0"]), status: 64, contains: "--ppd")
    }

    /// bench-flip times FLIP; one thread (SPLAT4D_THREADS=1) gives exactly the mean of all cores and of compare.
    func testBenchFLIPOnOneAndAllThreads() throws {
        var a = Image(width: 40, height: 24, channels: 3, fill: 0)
        for i in a.pixels.indices { a.pixels[i] = Float((i * 29) % 101) / 100 }
        var b = a
        for i in stride(from: 0, to: b.pixels.count, by: 7) { b.pixels[i] = 1 - b.pixels[i] }
        try PNGFile.write(a, to: path("a.png"))
        try PNGFile.write(b, to: path("b.png"))
        func mean(_ result: CLIResult) throws -> Double {
            XCTAssertEqual(result.status, 0, result.stderr)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            if object["ms_median"] == nil { XCTAssertNotNil(object["flip"], "compare's JSON") } else {
                XCTAssertGreaterThan(object["ms_median"] as? Double ?? 0, 0)
            }
            return try XCTUnwrap(object["mean_flip"] as? Double ?? object["flip"] as? Double)
        }
        let all = try mean(try CLI.run(["bench-flip", path("b.png"), path("a.png"), "--repeat", "2", "--json"]))
        let one = try CLI.run(["bench-flip", path("b.png"), path("a.png"), "--repeat", "2", "--json"],
                              environment: ["SPLAT4D_THREADS": "1"])
        XCTAssert(one.stdout.contains("\"threads\":1"), one.stdout)
        XCTAssertEqual(try mean(one), all)
        XCTAssertEqual(try mean(try CLI.run(["compare", path("b.png"), path("a.png"), "--metric", "flip", "--json"])), all)
        XCTAssertGreaterThan(all, 0.05)
    }

    func testGenerateIsReproducible() throws {
        XCTAssertEqual(try CLI.run(["generate", "synthetic", "--output", path("s1.ply")]).status, 0)
        XCTAssertEqual(try CLI.run(["generate", "synthetic", "--output", path("s2.ply")]).status, 0)
        let s1 = try Data(contentsOf: URL(fileURLWithPath: path("s1.ply")))
        XCTAssertEqual(s1, try Data(contentsOf: URL(fileURLWithPath: path("s2.ply"))))
        // The bundled demo scene is exactly what the generator writes.
        XCTAssertEqual(s1, try Data(contentsOf: URL(fileURLWithPath: CLI.scene("synthetic.ply"))))
        // Every bundled generated scene is exactly what its generator writes.
        for (kind, file) in [("dancer-stg", "dancer.stg.ply"), ("dancer-splatv", "dancer.splatv"), ("dancer-4d", "dancer.4d.ply"),
                             ("dancer-npz", "dancer.npz")] {
            XCTAssertEqual(try CLI.run(["generate", kind, "--output", path(file)]).status, 0)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path(file))),
                           try Data(contentsOf: URL(fileURLWithPath: CLI.scene(file))), kind)
        }
        XCTAssertEqual(try CLI.run(["generate", "dancer-frames", "--output", path("frames")]).status, 0)
        for i in 0..<8 {
            let name = String(format: "frame_%03d.ply", i)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("frames/\(name)"))),
                           try Data(contentsOf: URL(fileURLWithPath: CLI.scene("dancer-frames/\(name)"))), name)
        }
        let ball = try CLI.run(["generate", "ball", "--count", "1000", "--output", path("ball.ply")])
        XCTAssertEqual(ball.status, 0, ball.stderr)
        XCTAssertEqual(try SceneLoader.load(path: path("ball.ply")).cloud.count, 1000)
    }

    /// `generate resampled`: a capture grown to --count Gaussians, reproducibly; --from is required
    /// and a bad one is named.
    func testGenerateResampled() throws {
        let args = ["generate", "resampled", "--from", CLI.scene("plant.splat"), "--count", "5000"]
        let first = try CLI.run(args + ["--output", path("r1.ply")])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try CLI.run(args + ["--output", path("r2.ply")]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("r1.ply"))), try Data(contentsOf: URL(fileURLWithPath: path("r2.ply"))))
        let cloud = try SceneLoader.load(path: path("r1.ply")).cloud
        XCTAssertEqual(cloud.count, 5000)
        XCTAssertEqual(cloud.shDegree, 0)
        let missing = try CLI.run(["generate", "resampled", "--count", "10", "--output", path("r3.ply")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssert(missing.stderr.contains("resampled needs --from"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("r3.ply")))
        let bad = try CLI.run(["generate", "resampled", "--from", path("nothing.ply"), "--output", path("r4.ply")])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssert(bad.stderr.contains("nothing.ply"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("r4.ply")))
    }

    /// The streaming benchmark's sequence: distinct frames of equal counts, the generator's poses
    /// exactly, the same bytes every run.
    func testGenerateSequenceWritesDistinctMovingFrames() throws {
        let result = try CLI.run(["generate", "sequence", "--count", "500", "--frames", "4", "--output", path("seq")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: path("seq")).sorted()
        XCTAssertEqual(names, (0..<4).map { String(format: "frame_%05d.ply", $0) })
        let generator = SequenceGenerator(count: 500, frames: 4, seed: 1)
        var previous: [SIMD3<Float>]?
        for (k, name) in names.enumerated() {
            let cloud = try SceneLoader.load(path: path("seq/\(name)")).cloud
            XCTAssertEqual(cloud.count, 500)
            XCTAssertEqual(cloud.shDegree, 3)
            XCTAssertEqual(cloud.positions, generator.positions(frame: k), name)
            XCTAssertEqual(cloud.scales, generator.base.scales.map { s in SIMD3((0..<3).map { exp(log(s[$0])) }) }, name)
            if let previous {
                // Every Gaussian moves between frames, by less than the ball's size.
                let moves = zip(previous, cloud.positions).map { (($1 - $0) * ($1 - $0)).sum().squareRoot() }
                XCTAssertGreaterThan(moves.min()!, 0, name)
                XCTAssertLessThan(moves.max()!, 2, name)
            }
            previous = cloud.positions
        }
        let sequence = try SceneLoader.load(path: path("seq"))
        XCTAssertEqual(sequence.scene.keyframes?.frames.count, 4)
        XCTAssertEqual(try CLI.run(["generate", "sequence", "--count", "500", "--frames", "4", "--output", path("again")]).status, 0)
        for name in names {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("seq/\(name)"))),
                           try Data(contentsOf: URL(fileURLWithPath: path("again/\(name)"))), name)
        }
        let bad = try CLI.run(["generate", "sequence", "--frames", "0", "--output", path("none")])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssert(bad.stderr.contains("--frames must lie in 1...1000000"), bad.stderr)
    }
}

/// Time-varying scenes through the CLI: --time, the range check, info, scene cameras.
final class CLITemporalTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testInfoReportsTheTimeRangeOfEachFormat() throws {
        let expected: [(String, String, [Double], String)] = [
            ("dancer.stg.ply", "stg-lite-ply", [0, 1], "segment"),
            ("dancer.splatv", "splatv", [0, 1], "segment"),
            ("dancer.4d.ply", "4dgs-ply", [0, 2], "seconds"),
            ("dancer-frames", "ply-sequence", [0, 7], "frames"),
            ("dancer.npz", "dynamic3dgs-npz", [0, 7], "frames"),
        ]
        for (scene, format, range, unit) in expected {
            let result = try CLI.run(["info", CLI.scene(scene), "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(info["format"] as? String, format, scene)
            XCTAssertEqual(info["time_range"] as? [Double], range, scene)
            XCTAssertEqual(info["time_unit"] as? String, unit, scene)
        }
        let sequence = try CLI.run(["info", CLI.scene("dancer-frames"), "--frame-rate", "4", "--json"])
        let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(sequence.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(info["time_range"] as? [Double], [0, 1.75])
        XCTAssertEqual(info["frame_rate"] as? Double, 4)
    }

    func testTimeOutsideTheRangeIsAUsageError() throws {
        let out = path("o.png")
        let result = try CLI.run(["render", CLI.scene("dancer.stg.ply"), "--time", "1.5", "--backend", "cpu", "--output", out])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssert(result.stderr.contains("--time 1.5 is outside the scene's time range 0.0...1.0 (segment)"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let nan = try CLI.run(["render", CLI.scene("dancer.stg.ply"), "--time", "nan", "--backend", "cpu", "--output", out])
        XCTAssertEqual(nan.status, 64, nan.stderr)
    }

    func testDifferentTimesGiveDifferentFramesAndTheSameTimeTheSameFrame() throws {
        func render(_ t: String, _ name: String) throws -> Data {
            let r = try CLI.run(["render", CLI.scene("dancer.stg.ply"), "--time", t, "--width", "64", "--height", "64",
                                 "--backend", "cpu", "--output", path(name)])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try Data(contentsOf: URL(fileURLWithPath: path(name)))
        }
        let a = try render("0.1", "a.png"), b = try render("0.35", "b.png"), c = try render("0.1", "c.png")
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a, c)
    }

    func testSceneCamerasAreSelectable() throws {
        let r0 = try CLI.run(["render", CLI.scene("dancer.splatv"), "--camera-index", "1", "--width", "48", "--backend", "cpu",
                              "--output", path("c1.png")])
        XCTAssertEqual(r0.status, 0, r0.stderr)
        XCTAssertEqual(try PNGFile.read(path: path("c1.png")).height, 48)
        let bad = try CLI.run(["render", CLI.scene("dancer.splatv"), "--camera-index", "5", "--backend", "cpu",
                               "--output", path("c5.png")])
        XCTAssertEqual(bad.status, 1)
        XCTAssert(bad.stderr.contains("camera index 5 is out of range (the file has 2 cameras)"), bad.stderr)
    }
}

/// Paths people really have: spaces and non-ASCII characters, for scenes, cameras and outputs.
final class CLIPathTests: XCTestCase {
    func testSpacesAndNonASCIIInEveryPath() throws {
        let folder = try makeTemporaryDirectory().appendingPathComponent("Aufnahmen für Tänzer ✨")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let scene = folder.appendingPathComponent("tänzer 4d.ply").path
        try FileManager.default.copyItem(atPath: CLI.scene("dancer.4d.ply"), toPath: scene)
        let out = folder.appendingPathComponent("bild %03d – frame.png").path
        let result = try CLI.run(["render", scene, "--frame-count", "2", "--width", "32", "--height", "24", "--backend", "cpu",
                                  "--output", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        for k in 0..<2 {
            let file = folder.appendingPathComponent(String(format: "bild %03d – frame.png", k)).path
            XCTAssertEqual(try PNGFile.read(path: file).width, 32)
        }
        let missing = try CLI.run(["info", folder.appendingPathComponent("fehlt ünd weg.ply").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssert(missing.stderr.contains("fehlt ünd weg.ply: no such file"), missing.stderr)
    }
}

/// A header that claims more Gaussians than memory allows gets a clear error before allocation.
final class CLIMemoryBudgetTests: XCTestCase {
    func testSceneBeyondTheMemoryBudgetIsAClearError() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("big.ply").path
        try PLYWriter.gaussianPLY(SceneGenerator.benchmarkBall(count: 20_000, seed: 1, shDegree: 0)).write(to: URL(fileURLWithPath: file))
        let refused = try CLI.run(["info", file], environment: ["SPLAT4D_MEMORY_BUDGET_MB": "1"])
        XCTAssertEqual(refused.status, 1)
        XCTAssert(refused.stderr.contains("big.ply: 20000 Gaussians need 1.2 MiB in memory, more than the 1.0 MiB budget"), refused.stderr)
        XCTAssertEqual(try CLI.run(["info", file], environment: ["SPLAT4D_MEMORY_BUDGET_MB": "64"]).status, 0)
    }
}

/// An image too large for one storage binding is refused with the size and the way out.
final class CLIImageLimitTests: XCTestCase {
    func testImageBeyondTheBindingRangeIsAClearError() throws {
        let devices = try CLI.run(["info", "--devices"])
        guard devices.status == 0, devices.stdout.contains("storage binding ≤ 128 MiB") else {
            throw XCTSkip("needs a device with 128 MiB storage bindings (lavapipe)")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).png").path
        let result = try CLI.run(["render", CLI.scene("synthetic.ply"), "--width", "16384", "--height", "16384", "--output", out])
        XCTAssertEqual(result.status, 1)
        XCTAssert(result.stderr.contains("the colour of a 16384×16384 image: 4096 MiB in one storage binding, more than this device's 128 MiB"),
                  result.stderr)
        XCTAssert(result.stderr.contains("--backend cpu"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}

final class JitterCLITests: XCTestCase {
    func testSamplesAreDeterministicAndOneSampleIsThePlainRender() throws {
        let folder = try TestPaths.temporaryFolder(for: self)
        func render(_ name: String, _ extra: [String]) throws -> Data {
            let out = folder.appendingPathComponent(name).path
            let result = try CLI.run(["render", CLI.scene("synthetic.ply"), "--backend", "cpu", "--width", "64",
                                      "--height", "48", "--output", out] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            return try Data(contentsOf: URL(fileURLWithPath: out))
        }
        let plain = try render("plain.png", [])
        XCTAssertEqual(try render("one.png", ["--samples", "1", "--jitter-seed", "7"]), plain)
        let four = try render("four.png", ["--samples", "4"])
        XCTAssertNotEqual(four, plain)
        XCTAssertEqual(try render("four-again.png", ["--samples", "4", "--jitter-seed", "0"]), four)
        XCTAssertNotEqual(try render("four-seed.png", ["--samples", "4", "--jitter-seed", "5"]), four)
        let bad = try CLI.run(["render", CLI.scene("synthetic.ply"), "--samples", "0", "--output", folder.appendingPathComponent("x.png").path])
        XCTAssertEqual(bad.status, 64)
        XCTAssert(bad.stderr.contains("--samples must be 1 to 256, got 0"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.png").path))
    }
}

final class SequenceCompareCLITests: XCTestCase {
    /// Truth: one still image 4 times. A stable render is that image; a flickering one adds
    /// alternating noise. compare of the patterns reports the flicker and gates on it.
    func testComparingSequencesReportsFlicker() throws {
        let folder = try TestPaths.temporaryFolder(for: self).path
        let still = Image(width: 16, height: 12, channels: 3, pixels: (0..<576).map { Float($0 % 7) / 7 })
        for k in 0..<4 {
            try PNGFile.write(still, to: folder + String(format: "/truth_%03d.png", k))
            try PNGFile.write(still, to: folder + "/stable_\(k).png")
            var shaky = still
            for i in shaky.pixels.indices where i % 5 == k % 2 { shaky.pixels[i] = min(1, shaky.pixels[i] + 0.2) }
            try PNGFile.write(shaky, to: folder + String(format: "/shaky_%03d.png", k))
        }
        let stable = try CLI.run(["compare", folder + "/stable_{frame}.png", folder + "/truth_%03d.png", "--json"])
        XCTAssertEqual(stable.status, 0, stable.stderr)
        let s = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(stable.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(s["frames"] as? Int, 4)
        XCTAssertEqual(s["flicker"] as? Double, 0)
        XCTAssertEqual(s["render_temporal_variance"] as? Double, 0)

        let shaky = try CLI.run(["compare", folder + "/shaky_%03d.png", folder + "/truth_%03d.png", "--json"])
        XCTAssertEqual(shaky.status, 0, shaky.stderr)
        let f = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(shaky.stdout.utf8)) as? [String: Any])
        let flicker = try XCTUnwrap(f["flicker"] as? Double)
        XCTAssertGreaterThan(flicker, 0.01)
        let gated = try CLI.run(["compare", folder + "/shaky_%03d.png", folder + "/truth_%03d.png", "--max-flicker", "0.01"])
        XCTAssertEqual(gated.status, 1)
        XCTAssert(gated.stderr.contains("flicker") && gated.stderr.contains("is above the maximum 0.010000"), gated.stderr)
        XCTAssert(gated.stdout.contains("frames: 4 (0 to 3)"), gated.stdout)

        try FileManager.default.removeItem(atPath: folder + "/truth_002.png")
        let missing = try CLI.run(["compare", folder + "/shaky_%03d.png", folder + "/truth_%03d.png"])
        XCTAssertEqual(missing.status, 1)
        XCTAssert(missing.stderr.contains("frame 2: \(folder)/shaky_002.png has no ground truth"), missing.stderr)
        let mixed = try CLI.run(["compare", folder + "/shaky_%03d.png", folder + "/truth_000.png"])
        XCTAssertEqual(mixed.status, 64, mixed.stderr)
    }
}
