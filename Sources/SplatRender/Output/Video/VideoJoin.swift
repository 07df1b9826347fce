import Foundation
import SplatCore
import SplatPNG

/// Joins PNG frames into one video (`splat4d encode`): the way to a video from shards or a resumed
/// render, since a video itself is written in one run.
public struct VideoJoin {
    public var frames: [String]
    public var output: String
    public var settings: VideoSettings
    /// Asked before each frame; true stops and removes the partial video.
    public var isCancelled: () -> Bool = { false }
    /// Called as each frame is sent.
    public var frameEncoded: (Int) -> Void = { _ in }

    /// Checks that the frames share one size (read from their headers) before any encoding.
    public init(frames: [String], output: String, settings: VideoSettings) throws {
        guard let first = frames.first else { throw SplatFailure(.badInput, "\(output): no frames to encode") }
        let size = try FramePatternFiles.pngSize(first)
        for path in frames.dropFirst() {
            let other = try FramePatternFiles.pngSize(path)
            guard other == size else {
                throw SceneFileError(path: path, problem: "is \(other.width)×\(other.height) pixels, but \(first) is "
                                     + "\(size.width)×\(size.height): a video needs one frame size")
            }
        }
        self.frames = frames
        self.output = output
        self.settings = settings
        self.size = size
    }

    private let size: (width: Int, height: Int)

    /// Encodes every frame; the output appears only when all are in. Returns the frame count.
    @discardableResult
    public func run(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        let encoder = try VideoEncoder(path: output, width: size.width, height: size.height, settings: settings, environment: environment)
        do {
            for (k, path) in frames.enumerated() {
                if isCancelled() { throw SplatFailure(.interrupted, "interrupted at frame \(k): \(output) was not written") }
                try encoder.append(try PNGFile.read(path: path))
                frameEncoded(k)
            }
            try encoder.finish()
        } catch {
            encoder.abandon()
            throw error
        }
        return frames.count
    }
}
