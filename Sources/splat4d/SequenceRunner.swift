import Dispatch
import Foundation
import SplatCore
import SplatPNG

/// One frame of a sequence: when, from where, and where its files go.
struct FrameJob {
    var index: Int
    var time: Float
    var camera: Camera
    var output: String
    var depthOutput: String?
}

/// What a frame's files hold.
struct FrameOutputs {
    /// RGBA with straight (un-premultiplied) alpha instead of RGB over the background.
    var alpha: Bool
    /// Scene units per step of the 16-bit depth PNG.
    var depthScale: Float
}

/// Encodes and writes frames on a background queue while the GPU renders the next one. At most
/// `depth` frames wait, so a long sequence does not grow memory. Writes are atomic (PNGFile).
final class FrameWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "splat4d.frame-writer")
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var failure: (frame: Int, error: Error)?
    private(set) var written = 0

    init(depth: Int = 2) { slots = DispatchSemaphore(value: depth) }

    /// The first write failure, with its frame.
    var firstFailure: (frame: Int, error: Error)? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    func submit(_ job: FrameJob, frame: RenderedFrame, outputs: FrameOutputs, done: @escaping @Sendable (Int) -> Void) {
        slots.wait()
        let colour = outputs.alpha ? FrameWriter.straightAlpha(frame) : frame.colour
        let depth = job.depthOutput.map { (path: $0, image: frame.depth) }
        let output = job.output, index = job.index, scale = outputs.depthScale
        queue.async { [self] in
            defer { slots.signal() }
            guard firstFailure == nil else { return }
            do {
                try PNGFile.write(colour, to: output)
                if let depth {
                    let samples = depth.image.pixels.map { d -> UInt16 in
                        UInt16(min(65535, max(0, (d / scale).rounded())))
                    }
                    try PNGFile.writeGray16(width: depth.image.width, height: depth.image.height, samples: samples,
                                            to: depth.path, text: [("splat4d:depth_scale", "\(scale)"),
                                                                   ("Description", "expected view depth = value × \(scale) scene units; 0 = empty")])
                }
                lock.lock()
                written += 1
                lock.unlock()
                done(index)
            } catch {
                lock.lock()
                if failure == nil { failure = (index, error) }
                lock.unlock()
            }
        }
    }

    /// Waits for every queued write.
    func finish() { queue.sync {} }

    /// Colour over nothing with straight alpha: C / α where α > 0 (rendered on black).
    static func straightAlpha(_ frame: RenderedFrame) -> Image {
        var rgba = frame.colourWithAlpha
        for p in 0..<(rgba.width * rgba.height) {
            let a = rgba.pixels[p * 4 + 3]
            for c in 0..<3 { rgba.pixels[p * 4 + c] = a > 0 ? rgba.pixels[p * 4 + c] / a : 0 }
        }
        return rgba
    }
}

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

/// Renders jobs in order with one renderer, overlapping rendering with encoding and writing.
enum SequenceRunner {
    struct Result {
        var written: Int
        var interruptedAfter: Int?
    }

    static func run(_ jobs: [FrameJob], renderer: SceneFrameRenderer, settings: RenderSettings, outputs: FrameOutputs,
                    progress: ProgressReporter) throws -> Result {
        let writer = FrameWriter()
        Interrupt.install()
        var interrupted: Int?
        for job in jobs {
            if let failure = writer.firstFailure { throw failureError(failure) }
            if Interrupt.requested != 0 { interrupted = job.index; break }
            let frame: RenderedFrame
            do {
                frame = try renderer.render(at: job.time, camera: job.camera, settings: settings)
            } catch {
                writer.finish()
                throw UserError("frame \(job.index) (t = \(job.time)): \(error)")
            }
            let path = job.output
            writer.submit(job, frame: frame, outputs: outputs) { index in progress.frameWritten(index, path: path) }
        }
        writer.finish()
        if let failure = writer.firstFailure { throw failureError(failure) }
        return Result(written: writer.written, interruptedAfter: interrupted)
    }

    static func failureError(_ failure: (frame: Int, error: Error)) -> UserError {
        UserError("frame \(failure.frame): \(failure.error); frames before it are complete, --resume continues")
    }
}
