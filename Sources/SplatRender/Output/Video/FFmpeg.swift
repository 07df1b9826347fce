import Foundation
import SplatCore

/// The ffmpeg executable that writes videos, found on PATH.
public enum FFmpeg {
    /// The Debian package that provides it, named in the missing-tool error.
    public static let package = "ffmpeg"

    /// The path of `ffmpeg` on the `PATH` of `environment`; throws a one-line error naming the
    /// package when it is not there, so a video render fails before any work.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              tool: String = "ffmpeg") throws -> String {
        let folders = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for folder in folders where !folder.isEmpty {
            let candidate = folder + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw SplatFailure(.io, "\(tool) is not on PATH: videos are written by ffmpeg; install it "
                           + "(Debian/Ubuntu: apt-get install \(package)) or write PNG frames")
    }
}
