import Foundation

/// The memory a decoded scene may take, checked before a loader allocates its arrays, so a file
/// whose header claims more Gaussians than this machine can hold gets a clear error instead of an
/// out-of-memory kill. (Counts are also checked against the file's size by each loader.)
public enum MemoryBudget {
    /// 80% of physical memory, or SPLAT4D_MEMORY_BUDGET_MB when set (tests, shared nodes).
    public static var bytes: UInt64 {
        if let text = ProcessInfo.processInfo.environment["SPLAT4D_MEMORY_BUDGET_MB"], let mb = UInt64(text) {
            return mb << 20
        }
        return ProcessInfo.processInfo.physicalMemory / 5 * 4
    }

    /// The default budget of a streamed sequence's frame cache: a quarter of RAM (MemTotal in
    /// /proc/meminfo, else Foundation's physical memory), capped at 4 GiB.
    public static var defaultFrameCacheBytes: UInt64 {
        var total = ProcessInfo.processInfo.physicalMemory
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
           let kib = UInt64(line.split(separator: " ").dropFirst().first ?? "") {
            total = kib << 10
        }
        return min(total / 4, 4 << 30)
    }

    /// In-memory bytes of one Gaussian of a cloud: position, scale, rotation, opacity and SH,
    /// plus the motion terms of a time-varying cloud.
    public static func bytesPerGaussian(shDegree: Int, temporal: Bool) -> UInt64 {
        let stat = 16 + 16 + 16 + 4 + 4 * 3 * UInt64(SplatCloud.coefficientCount(degree: shDegree))
        return stat + (temporal ? 4 + 16 + 16 + 16 + 16 + 4 : 0)
    }

    /// Throws when `count` Gaussians (times `frames` keyframes) would not fit the budget.
    public static func check(gaussians count: Int, frames: Int = 1, shDegree: Int, temporal: Bool, path: String) throws {
        let (perFrame, overflowA) = UInt64(max(count, 0)).multipliedReportingOverflow(
            by: bytesPerGaussian(shDegree: shDegree, temporal: temporal))
        let (total, overflowB) = perFrame.multipliedReportingOverflow(by: UInt64(max(frames, 1)))
        let budget = bytes
        guard overflowA || overflowB || total > budget else { return }
        let gib = { (b: UInt64) in
            b >= 1 << 30 ? String(format: "%.1f GiB", Double(b) / 1_073_741_824) : String(format: "%.1f MiB", Double(b) / 1_048_576)
        }
        throw SceneFileError(path: path, problem: "\(count) Gaussians\(frames > 1 ? " × \(frames) frames" : "") need "
                             + "\(overflowA || overflowB ? "more than 16 EiB" : gib(total)) in memory, more than the "
                             + "\(gib(budget)) budget (80% of this machine's memory; SPLAT4D_MEMORY_BUDGET_MB overrides)")
    }
}
