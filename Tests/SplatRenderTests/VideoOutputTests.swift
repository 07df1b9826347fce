import Foundation
import SplatCore
import SplatPNG
@testable import SplatRender
import SplatTestSupport
import XCTest

/// Video output: ffmpeg's command line, the raw frames, and videos written and read back by ffmpeg.
final class VideoOutputTests: XCTestCase {
    // MARK: settings and raw frames (no ffmpeg needed)

    func testContainerComesFromTheExtension() {
        XCTAssertEqual(VideoContainer(path: "out/perf.MP4"), .mp4)
        XCTAssertEqual(VideoContainer(path: "a.webm"), .webm)
        XCTAssertEqual(VideoContainer(path: "a.mov"), .mov)
        XCTAssertEqual(VideoContainer(path: "a.gif"), .gif)
        XCTAssertNil(VideoContainer(path: "frame_%05d.png"))
        XCTAssertNil(VideoContainer(path: "mp4"))
    }

    func testMP4DefaultsAreH264YUV420CRF18AtTheFrameRate() {
        let args = VideoSettings(container: .mp4, frameRate: 24).arguments(width: 64, height: 48, output: "t")
        let line = args.joined(separator: " ")
        XCTAssert(line.contains("-pix_fmt rgb24 -s 64x48 -framerate 24 -i pipe:0"), line)
        XCTAssert(line.contains("-c:v libx264"), line)
        XCTAssert(line.contains("-pix_fmt yuv420p"), line)
        XCTAssert(line.contains("-crf 18"), line)
        XCTAssert(line.hasSuffix("-f mp4 -y t"), line)
    }

    func testWebMIsVP9ConstantQualityAndKeepsAlpha() {
        let line = VideoSettings(container: .webm, alpha: true).arguments(width: 8, height: 8, output: "t").joined(separator: " ")
        XCTAssert(line.contains("-pix_fmt rgba"), line)
        XCTAssert(line.contains("-c:v libvpx-vp9 -pix_fmt yuva420p -crf 30 -b:v 0"), line)
    }

    func testMOVIsH264ButProRes4444WithAlpha() {
        XCTAssertEqual(VideoSettings(container: .mov).codecName, "libx264")
        let line = VideoSettings(container: .mov, alpha: true).arguments(width: 8, height: 8, output: "t").joined(separator: " ")
        XCTAssert(line.contains("-c:v prores_ks -pix_fmt yuva444p10le -profile:v 4444"), line)
        XCTAssertFalse(line.contains("-crf"), line)
    }

    func testGIFUsesAPaletteAndNoCodecOptions() throws {
        let line = VideoSettings(container: .gif, frameRate: 10).arguments(width: 8, height: 8, output: "t").joined(separator: " ")
        XCTAssert(line.contains("palettegen") && line.contains("paletteuse"), line)
        XCTAssertThrowsError(try VideoSettings(container: .gif, crf: 20).validate()) { error in
            XCTAssertEqual("\(error)", "the constant rate factor does not apply to a GIF")
        }
        XCTAssertThrowsError(try VideoSettings(container: .gif, codec: "libx264").validate())
    }

    func testAlphaInAnMP4OrGIFIsRefusedNamingTheFormatsThatCarryIt() {
        for container in [VideoContainer.mp4, .gif] {
            XCTAssertThrowsError(try VideoSettings(container: container, alpha: true).validate()) { error in
                XCTAssertEqual((error as? SplatError)?.kind, .badOption)
                XCTAssert("\(error)".contains(".webm") && "\(error)".contains(".mov"), "\(error)")
            }
        }
        XCTAssertNoThrow(try VideoSettings(container: .webm, alpha: true).validate())
        XCTAssertThrowsError(try VideoSettings(container: .mp4, crf: 70).validate())
        XCTAssertThrowsError(try VideoSettings(container: .mp4, frameRate: 0).validate())
    }

    func testOddSizesArePaddedByRepeatingTheLastColumnAndRow() {
        // 3×1 RGB: red, green, blue; padded to 4×2.
        let image = Image(width: 3, height: 1, channels: 3, pixels: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let row: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255]
        XCTAssertEqual(RawFrame.bytes(of: image, alpha: false, width: 4, height: 2), row + row)
    }

    func testStraightAlphaIsCompositedOverBlackWhenTheVideoHasNoAlpha() {
        let image = Image(width: 1, height: 1, channels: 4, pixels: [1, 0.5, 0, 0.5])
        XCTAssertEqual(RawFrame.bytes(of: image, alpha: false, width: 1, height: 1), [128, 64, 0])
        XCTAssertEqual(RawFrame.bytes(of: image, alpha: true, width: 1, height: 1), [255, 128, 0, 128])
    }

    func testMissingFFmpegNamesThePackage() {
        XCTAssertThrowsError(try FFmpeg.locate(environment: ["PATH": "/nonexistent"])) { error in
            XCTAssertEqual((error as? SplatError)?.kind, .io)
            XCTAssert("\(error)".contains("apt-get install ffmpeg"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }

    func testPlannerGivesOneVideoAtTheAskedRateAndRefusesResumeAndShards() throws {
        let scene = try RenderFixtures.dancer()
        var request = SequenceRequest(sceneName: "dancer", output: "/tmp/splat4d-no-such-folder/v.mp4",
                                      camera: CameraRequest(width: 32, height: 24), spacing: FrameSpacing(frameCount: 5, fps: 12))
        request.video = VideoRequest(codec: "libx265", crf: 22)
        let plan = try SequencePlanner(request: request, scene: scene).plan()
        XCTAssertEqual(plan.jobs.count, 5)
        XCTAssertEqual(Set(plan.jobs.map(\.output)), ["/tmp/splat4d-no-such-folder/v.mp4"])
        XCTAssertEqual(plan.video, VideoSettings(container: .mp4, codec: "libx265", crf: 22, frameRate: 12))
        request.existingFiles = .resume
        XCTAssertThrowsError(try SequencePlanner(request: request, scene: scene).plan()) { error in
            XCTAssert("\(error)".hasPrefix("the resume option cannot continue a video"), "\(error)")
        }
        request.existingFiles = .refuse
        request.shard = try Shard(index: 1, count: 2)
        XCTAssertThrowsError(try SequencePlanner(request: request, scene: scene).plan())
        request.shard = nil
        request.environment = ["JOB_COMPLETION_INDEX": "0", "SPLAT4D_SHARD_COUNT": "2"]
        XCTAssertThrowsError(try SequencePlanner(request: request, scene: scene).plan()) { error in
            XCTAssert("\(error)".contains("render-farm shards"), "\(error)")
        }
    }

    // MARK: videos through ffmpeg

    private func frames(count: Int, width: Int, height: Int) throws -> [Image] {
        let renderer = try FrameRenderer(scene: try RenderFixtures.dancer(), options: FrameRendererOptions(backend: .cpu))
        let camera = try CameraRequest(width: width, height: height).resolve(for: try RenderFixtures.dancer().canonical, sceneCameras: [])
        return try (0..<count).map { k in
            try renderer.render(at: Float(k) * 0.1, camera: camera, settings: RenderSettings()).colour
        }
    }

    private func write(_ frames: [Image], to path: String, settings: VideoSettings) throws {
        let encoder = try VideoEncoder(path: path, width: frames[0].width, height: frames[0].height, settings: settings)
        for frame in frames { try encoder.append(frame) }
        try encoder.finish()
    }

    func testMP4FramesDecodeBackAbove35dBWithExactCountAndRate() throws {
        try VideoProbe.requireTools()
        let folder = try TestPaths.temporaryFolder(for: self).path
        // Big enough that 4:2:0 chroma is not most of the loss (at 64×48 it alone costs ~3 dB).
        let source = try frames(count: 6, width: 256, height: 192)
        try write(source, to: folder + "/v.mp4", settings: VideoSettings(container: .mp4, frameRate: 24))
        XCTAssertEqual(try RenderFixtures.names(in: folder), ["v.mp4"])
        let stream = try VideoProbe.stream(of: folder + "/v.mp4")
        XCTAssertEqual(stream.frames, 6)
        XCTAssertEqual(stream.rate, "24/1")
        let decoded = try VideoProbe.frames(of: folder + "/v.mp4", width: 256, height: 192)
        XCTAssertEqual(decoded.count, 6)
        for (k, (a, b)) in zip(source, decoded).enumerated() {
            // The reference is the 8-bit frame a PNG would hold.
            let png = try PNGFile.decode(PNGFile.encode(a), path: "frame")
            XCTAssertGreaterThanOrEqual(ImageMetrics.psnr(png, b), 35, "frame \(k)")
        }
    }

    func testOddSizeIsPaddedToEvenAndTheFrameSurvives() throws {
        try VideoProbe.requireTools()
        let folder = try TestPaths.temporaryFolder(for: self).path
        let source = try frames(count: 2, width: 161, height: 121)
        try write(source, to: folder + "/odd.mp4", settings: VideoSettings(container: .mp4))
        let stream = try VideoProbe.stream(of: folder + "/odd.mp4")
        XCTAssertEqual([stream.width, stream.height, stream.frames], [162, 122, 2])
        XCTAssertEqual(stream.rate, "30/1")
        let decoded = try VideoProbe.frames(of: folder + "/odd.mp4", width: 162, height: 122)
        let png = try PNGFile.decode(PNGFile.encode(source[1]), path: "frame")
        XCTAssertGreaterThanOrEqual(ImageMetrics.psnr(png, VideoProbe.crop(decoded[1], width: 161, height: 121)), 35)
    }

    func testAbandonedOrFailedVideosLeaveNothing() throws {
        try VideoProbe.requireTools()
        let folder = try TestPaths.temporaryFolder(for: self).path
        let source = try frames(count: 2, width: 16, height: 16)
        let abandoned = try VideoEncoder(path: folder + "/a.mp4", width: 16, height: 16, settings: VideoSettings(container: .mp4))
        try abandoned.append(source[0])
        abandoned.abandon()
        XCTAssertEqual(try RenderFixtures.names(in: folder), [])
        // An encoder ffmpeg does not have: ffmpeg exits, and the failure says so and leaves nothing.
        let bad = try VideoEncoder(path: folder + "/b.mp4", width: 16, height: 16,
                                   settings: VideoSettings(container: .mp4, codec: "no-such-encoder"))
        XCTAssertThrowsError(try { for _ in 0..<50 { try bad.append(source[0]) }; try bad.finish() }()) { error in
            XCTAssert("\(error)".hasPrefix(folder + "/b.mp4: ffmpeg"), "\(error)")
            XCTAssert("\(error)".contains("no-such-encoder"), "\(error)")
        }
        XCTAssertEqual(try RenderFixtures.names(in: folder), [])
        // A frame of another size.
        let sized = try VideoEncoder(path: folder + "/c.mp4", width: 16, height: 16, settings: VideoSettings(container: .mp4))
        XCTAssertThrowsError(try sized.append(Image(width: 8, height: 8, channels: 3)))
        sized.abandon()
        XCTAssertEqual(try RenderFixtures.names(in: folder), [])
    }

    func testAFailedRenderThroughTheVideoSinkLeavesNoVideo() throws {
        try VideoProbe.requireTools()
        let folder = try TestPaths.temporaryFolder(for: self).path
        let renderer = try FrameRenderer(scene: RenderFixtures.pair(), options: FrameRendererOptions(backend: .cpu))
        var runner = SequenceRunner(renderer: renderer, settings: RenderSettings())
        let asked = SequenceRunnerTests.Counter()
        runner.isCancelled = {
            asked.add(1)
            return asked.all.count > 3
        }
        let jobs = (0..<6).map { FrameJob(index: $0, time: 0, camera: RenderFixtures.camera(), output: folder + "/s.webm") }
        let sink = VideoFrameSink(encoder: try VideoEncoder(path: folder + "/s.webm", width: 32, height: 24,
                                                            settings: VideoSettings(container: .webm)), outputs: FrameOutputs())
        XCTAssertThrowsError(try runner.run(jobs, into: sink)) { error in
            XCTAssertEqual((error as? SplatError)?.kind, .interrupted)
            XCTAssert("\(error)".contains("the video was not written"), "\(error)")
        }
        XCTAssertEqual(try RenderFixtures.names(in: folder), [])
        // The same run uncancelled writes all six frames.
        runner.isCancelled = { false }
        let again = VideoFrameSink(encoder: try VideoEncoder(path: folder + "/s.webm", width: 32, height: 24,
                                                             settings: VideoSettings(container: .webm)), outputs: FrameOutputs())
        XCTAssertEqual(try runner.run(jobs, into: again), 6)
        XCTAssertEqual(try VideoProbe.stream(of: folder + "/s.webm").frames, 6)
    }
}
