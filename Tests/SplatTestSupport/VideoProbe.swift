import Foundation
import SplatCore
import XCTest

/// ffmpeg and ffprobe as independent readers of the videos we write: frames decoded back to RGB,
/// and the container's frame count and rate. Tests that need them skip, saying why, where they are missing.
public enum VideoProbe {
    /// The tool's path on PATH, else nil.
    public static func tool(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Skips the test when ffmpeg or ffprobe is missing (CI installs Debian's ffmpeg package).
    public static func requireTools() throws {
        for name in ["ffmpeg", "ffprobe"] where tool(name) == nil {
            print("skipped: \(name) is not on PATH (install Debian's ffmpeg package: scripts/install-deps.sh)")
            throw XCTSkip("\(name) is not on PATH (install Debian's ffmpeg package: scripts/install-deps.sh)")
        }
    }

    /// Every frame of the first video stream, decoded by ffmpeg to 8-bit RGB of `width`×`height`.
    public static func frames(of path: String, width: Int, height: Int) throws -> [Image] {
        let raw = try run("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"])
        let size = width * height * 3
        guard size > 0, raw.count % size == 0 else {
            throw XCTSkip("decoded \(raw.count) bytes, not a whole number of \(width)×\(height) frames")
        }
        return stride(from: 0, to: raw.count, by: size).map { start in
            Image(width: width, height: height, channels: 3, pixels: raw[start..<start + size].map { Float($0) / 255 })
        }
    }

    /// ffprobe's view of the first video stream: width, height, decoded frame count, r_frame_rate ("24/1").
    public static func stream(of path: String) throws -> (width: Int, height: Int, frames: Int, rate: String) {
        let text = String(decoding: try run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                                          "stream=width,height,nb_read_frames,r_frame_rate", "-of", "default=noprint_wrappers=1", path]),
                          as: UTF8.self)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return (Int(fields["width"] ?? "") ?? -1, Int(fields["height"] ?? "") ?? -1,
                Int(fields["nb_read_frames"] ?? "") ?? -1, fields["r_frame_rate"] ?? "?")
    }

    /// The top-left `width`×`height` of an image (the frame before padding to even sizes).
    public static func crop(_ image: Image, width: Int, height: Int) -> Image {
        var pixels: [Float] = []
        pixels.reserveCapacity(width * height * image.channels)
        for y in 0..<height {
            let start = y * image.width * image.channels
            pixels += image.pixels[start..<start + width * image.channels]
        }
        return Image(width: width, height: height, channels: image.channels, pixels: pixels)
    }

    private static func run(_ name: String, _ arguments: [String]) throws -> Data {
        guard let path = tool(name) else { throw XCTSkip("\(name) is not on PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("videoprobe-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let handle = try FileHandle(forWritingTo: out)
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "VideoProbe", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(name) \(arguments.joined(separator: " ")) failed"])
        }
        return try Data(contentsOf: out)
    }
}
