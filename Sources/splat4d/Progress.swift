import Dispatch
import Foundation

/// Ctrl-C during a sequence: stop cleanly after the frame in flight.
enum Interrupt {
    nonisolated(unsafe) static var requested: sig_atomic_t = 0

    static func install() {
        signal(SIGINT) { _ in Interrupt.requested = 1 }
        signal(SIGTERM) { _ in Interrupt.requested = 1 }
    }
}

/// Progress of a sequence: a bar on a terminal, a line every few frames otherwise, or JSON lines.
final class ProgressReporter: @unchecked Sendable {
    enum Mode { case bar, lines, json, quiet }
    let mode: Mode
    let total: Int
    private let start = DispatchTime.now().uptimeNanoseconds
    private let lock = NSLock()
    private var done = 0
    private let every: Int

    init(total: Int, json: Bool, quiet: Bool = false) {
        self.total = total
        mode = quiet ? .quiet : json ? .json : (isatty(STDERR_FILENO) != 0 ? .bar : .lines)
        every = max(1, total / 10)
    }

    var framesPerSecond: Double {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return seconds > 0 ? Double(done) / seconds : 0
    }

    func frameWritten(_ index: Int, path: String) {
        lock.lock()
        done += 1
        let n = done
        lock.unlock()
        let fps = framesPerSecond
        let eta = fps > 0 ? Double(total - n) / fps : 0
        switch mode {
        case .quiet: break
        case .json:
            emit(["event": "frame", "frame": index, "done": n, "total": total, "fps": fps, "path": path,
                  "rss_mb": ProgressReporter.residentMegabytes])
        case .bar:
            let width = 30, filled = total > 0 ? width * n / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            let line = String(format: "\r[%@] %d/%d frames  %.2f frames/s  ETA %@", bar, n, total, fps, ProgressReporter.clock(eta))
            FileHandle.standardError.write(Data(line.utf8))
        case .lines:
            if n % every == 0 || n == total {
                let line = String(format: "splat4d: %d/%d frames, %.2f frames/s, ETA %@\n", n, total, fps, ProgressReporter.clock(eta))
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
    }

    func finished(written: Int, skipped: Int) {
        let fps = framesPerSecond
        switch mode {
        case .quiet: break
        case .json: emit(["event": "done", "written": written, "skipped": skipped, "fps": fps,
                          "rss_mb": ProgressReporter.residentMegabytes])
        case .bar, .lines:
            if mode == .bar { FileHandle.standardError.write(Data("\n".utf8)) }
            let line = String(format: "splat4d: wrote %d frames (%d already on disk) at %.2f frames/s\n", written, skipped, fps)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    private func emit(_ object: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    /// Resident memory of this process (Linux /proc; 0 where unavailable), for soak runs.
    static var residentMegabytes: Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .ascii),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
    }
}
