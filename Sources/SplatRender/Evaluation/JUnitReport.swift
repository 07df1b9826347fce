import Foundation
import SplatCore

/// An evaluation as JUnit XML (the Ant schema CI systems read): one test suite, one test case per
/// view, failing with the gates it misses; a view without ground truth is an error case.
public struct JUnitReport {
    public var report: EvaluationReport
    public var gates: EvaluationGates
    /// The suite's name, e.g. the scene.
    public var suiteName: String

    public init(report: EvaluationReport, gates: EvaluationGates, suiteName: String) {
        self.report = report
        self.gates = gates
        self.suiteName = suiteName
    }

    public var xml: String {
        let failures = report.scores.filter { !gates.passes($0) }.count
        let seconds = report.scores.compactMap(\.renderMilliseconds).reduce(0, +) / 1000
        let suite = markupEscaped(suiteName)
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"splat4d evaluate\" tests=\"\(report.scores.count + report.missing.count)\" "
            + "failures=\"\(failures)\" errors=\"\(report.missing.count)\" time=\"\(String(format: "%.3f", seconds))\">\n"
        out += "  <testsuite name=\"\(suite)\" tests=\"\(report.scores.count + report.missing.count)\" failures=\"\(failures)\" "
            + "errors=\"\(report.missing.count)\" skipped=\"0\" time=\"\(String(format: "%.3f", seconds))\">\n"
        for s in report.scores {
            let time = String(format: "%.3f", (s.renderMilliseconds ?? 0) / 1000)
            out += "    <testcase classname=\"\(suite)\" name=\"\(markupEscaped(s.name))\" time=\"\(time)\">\n"
            var scores = String(format: "t = %.4f, PSNR %@ dB, SSIM %.5f", s.time,
                                s.psnr.isFinite ? String(format: "%.3f", s.psnr) : "inf", s.ssim)
            if let flip = s.flip { scores += String(format: ", FLIP %.5f", flip) }
            let failures = gates.failures(of: s)
            if !failures.isEmpty {
                let message = markupEscaped(failures.joined(separator: "; "))
                out += "      <failure message=\"\(message)\" type=\"gate\">\(message) (\(markupEscaped(scores)))</failure>\n"
            }
            out += "      <system-out>\(markupEscaped(scores))</system-out>\n"
            out += "    </testcase>\n"
        }
        for name in report.missing {
            out += "    <testcase classname=\"\(suite)\" name=\"\(markupEscaped(name))\" time=\"0\">\n"
            out += "      <error message=\"no ground-truth image\" type=\"missing\"/>\n    </testcase>\n"
        }
        return out + "  </testsuite>\n</testsuites>\n"
    }

    /// Writes the XML to `path` atomically.
    public func write(to path: String) throws {
        do { try Data(xml.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw SplatFailure(.io, "\(path): cannot write the JUnit report (\(error.localizedDescription))")
        }
    }
}
