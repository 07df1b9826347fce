import SplatCore

/// What the viewer draws while a streamed sequence's frames arrive: the playhead's time when its
/// frames are decoded; otherwise the last time that was ready, counting a stall and pausing the
/// clock until the frames come (then play resumes by itself). A frame that fails to decode is
/// logged once and skipped: the last good frame stays while the clock moves on. No GLFW here, so
/// it is tested without a window.
struct StreamPlayback {
    /// The last time whose frames were ready; nil until one was.
    private(set) var lastReady: Double?
    /// When the current stall began, and whether it paused a playing clock.
    private var stall: (since: Double, pausedClock: Bool)?
    /// Frames already reported as unreadable.
    private var reported: Set<Int> = []
    /// For the title: "buffering", "frame K unreadable", or nil.
    private(set) var status: String?

    mutating func time(for time: Double, readiness: FrameStream.Readiness, now: Double, clock: inout PlaybackClock,
                       summary: inout ViewerSummary, log: (String) -> Void) -> Double {
        switch readiness {
        case .ready:
            endStall(now: now, clock: &clock, summary: &summary)
            status = nil
            lastReady = time
            return time
        case .buffering:
            // Nothing drawn yet: the first frames are read while the renderer waits for them, so
            // this time is shown, and is the one to fall back to past a frame that fails later
            // (on a busy machine the clock can reach a bad frame before the reader is ahead).
            guard let lastReady else {
                lastReady = time
                return time
            }
            if stall == nil {
                summary.stalls += 1
                stall = (now, clock.isPlaying)
                if clock.isPlaying { clock.pause() }
            }
            status = "buffering"
            return lastReady
        case .failed(let index, let error):
            endStall(now: now, clock: &clock, summary: &summary)
            if reported.insert(index).inserted { log("skipping frame \(index): \(error)") }
            status = "frame \(index) unreadable"
            return lastReady ?? time
        }
    }

    private mutating func endStall(now: Double, clock: inout PlaybackClock, summary: inout ViewerSummary) {
        guard let stall else { return }
        summary.stallSeconds += now - stall.since
        if stall.pausedClock { clock.play() }
        self.stall = nil
    }
}
