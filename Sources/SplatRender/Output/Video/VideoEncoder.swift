import Foundation  // posix_spawn, pipe, waitpid: the C library Foundation re-exports
import SplatCore

/// One video being written: an ffmpeg process fed raw frames on its standard input, writing to a
/// hidden temporary file beside the output that `finish` renames into place. `abandon` (or a
/// failure) stops ffmpeg and removes the temporary file, so the output is either complete or absent.
/// ffmpeg runs in its own process group, so a Ctrl-C reaches only us and we decide what is kept.
public final class VideoEncoder: @unchecked Sendable {
    public let path: String
    public let settings: VideoSettings
    /// The frame size given to ffmpeg (the frames' size, padded to even where the codec needs it).
    public let encodedWidth: Int, encodedHeight: Int
    public let width: Int, height: Int
    let temporaryPath: String
    private let logPath: String
    private var pid: pid_t = 0
    private var input: Int32 = -1
    private var closed = false
    public private(set) var framesWritten = 0

    /// Starts ffmpeg for `width`×`height` frames. Throws when ffmpeg is missing or cannot start.
    public init(path: String, width: Int, height: Int, settings: VideoSettings,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try settings.validate()
        guard width > 0, height > 0 else { throw SplatFailure(.badOption, "\(path): a video needs a frame of at least 1×1 pixels") }
        let executable = try FFmpeg.locate(environment: environment)
        self.path = path
        self.settings = settings
        self.width = width
        self.height = height
        // 4:2:0 needs even sizes: add one column / row repeating the edge rather than scaling (no resampling blur).
        encodedWidth = settings.needsEvenSize ? (width + 1) / 2 * 2 : width
        encodedHeight = settings.needsEvenSize ? (height + 1) / 2 * 2 : height
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let token = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        temporaryPath = (folder.isEmpty ? "" : folder + "/") + ".\(name).\(token).partial"
        logPath = NSTemporaryDirectory() + "/splat4d-ffmpeg-\(token).log"
        try start(executable: executable, environment: environment)
    }

    deinit { if !closed { abandon() } }

    private func start(executable: String, environment: [String: String]) throws {
        // A write to a pipe whose reader died must fail with EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw failure("cannot make a pipe for ffmpeg", errno) }
        // Close-on-exec, so no other child inherits the write end (ffmpeg would then never see the end of input).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, s) }
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = [executable] + settings.arguments(width: encodedWidth, height: encodedHeight, output: temporaryPath)
        let env = environment.map { "\($0.key)=\($0.value)" }
        let code = withCStrings(argv) { cargv in
            withCStrings(env) { cenv in posix_spawn(&pid, executable, &actions, &attributes, cargv, cenv) }
        }
        close(fds[0])
        guard code == 0 else {
            close(fds[1])
            closed = true
            throw failure("cannot start ffmpeg", code)
        }
        input = fds[1]
    }

    /// Sends one frame of the video's size (grey is widened to RGB; an alpha channel the video does
    /// not keep is composited over black). Throws when ffmpeg has failed.
    public func append(_ image: Image) throws {
        guard !closed else { throw SplatFailure(.io, "\(path): the video is already closed") }
        guard image.width == width, image.height == height else {
            throw SplatFailure(.badInput, "\(path): a frame of \(image.width)×\(image.height) pixels in a \(width)×\(height) video")
        }
        let bytes = RawFrame.bytes(of: image, alpha: settings.alpha, width: encodedWidth, height: encodedHeight)
        let code = bytes.withUnsafeBytes { writeAll(input, $0) }
        guard code == 0 else {
            let reason = ffmpegReason() ?? String(cString: strerror(code))
            abandon()
            throw SplatFailure(.io, "\(path): ffmpeg stopped at frame \(framesWritten): \(reason)")
        }
        framesWritten += 1
    }

    /// Ends the input, waits for ffmpeg and renames the video into place.
    public func finish() throws {
        guard !closed else { throw SplatFailure(.io, "\(path): the video is already closed") }
        close(input)
        closed = true
        let status = waitForExit()
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        guard status == 0 else {
            unlink(temporaryPath)
            throw SplatFailure(.io, "\(path): ffmpeg failed: \(ffmpegReason() ?? "exit status \(status)")")
        }
        guard rename(temporaryPath, path) == 0 else {
            let code = errno
            unlink(temporaryPath)
            throw failure("cannot write", code)
        }
    }

    /// Stops ffmpeg and removes the temporary file; the output is left as it was. Safe to call twice.
    public func abandon() {
        if !closed {
            close(input)
            closed = true
        }
        if pid > 0 {
            kill(pid, SIGKILL)
            _ = waitForExit()
        }
        unlink(temporaryPath)
        unlink(logPath)
    }

    private func waitForExit() -> Int32 {
        guard pid > 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        pid = 0
        // WIFEXITED / WEXITSTATUS by hand: the macros are not imported into Swift.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// ffmpeg's last error line, if it wrote one.
    private func ffmpegReason() -> String? {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init)
    }

    private func failure(_ what: String, _ code: Int32) -> SplatFailure {
        SplatFailure(.io, "\(path): \(what) (\(String(cString: strerror(code))))")
    }

    private func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n > 0 { offset += n } else if n < 0, errno == EINTR { continue } else { return n < 0 ? errno : EIO }
        }
        return 0
    }
}

/// NUL-terminated C string arrays for posix_spawn, alive for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for p in pointers { free(p) } }
    return body(&pointers)
}
