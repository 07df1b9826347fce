import Foundation
import SplatCore
import SplatPNG

/// The image files of one view in an HTML report folder, relative to it.
public struct ReportImageFiles: Equatable, Sendable {
    public var truth: String
    public var render: String
    public var errorMap: String

    /// Files named by the view's position, not its name: camera names may hold any character.
    public init(index: Int) {
        let stem = String(format: "images/view-%04d", index)
        truth = stem + "-truth.png"
        render = stem + "-render.png"
        errorMap = stem + "-flip.png"
    }
}

/// Writes an evaluation as a folder: report.html (self-contained: inline CSS, JS and SVG, no
/// network), report.json, and images/ with each view's ground truth, render and FLIP map.
/// Every file is replaced atomically, so a failure leaves no half-written file.
public final class HTMLReportWriter {
    public let folder: String
    public private(set) var files: [String: ReportImageFiles] = [:]

    /// Creates `folder` and its images/ folder when missing.
    public init(folder: String) throws {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(atPath: (folder as NSString).appendingPathComponent("images"),
                                                    withIntermediateDirectories: true)
        } catch {
            throw SplatFailure(.io, "\(folder): cannot create the report folder (\(error.localizedDescription))")
        }
    }

    /// Saves one view's three images; pass it as the evaluator's `each`.
    public func add(_ view: EvaluatedView) throws {
        let names = ReportImageFiles(index: view.index)
        try PNGFile.write(view.truth, to: path(names.truth))
        try PNGFile.write(view.render, to: path(names.render))
        try PNGFile.write(view.comparison.errorMap().image, to: path(names.errorMap))
        files[view.score.name] = names
    }

    /// Writes report.html and report.json for `report`.
    public func finish(_ report: EvaluationReport, settings: [(String, String)], gates: EvaluationGates,
                       json: [String: Any]) throws {
        var object = json
        object["gates"] = gates.jsonObject
        if var perImage = object["per_image"] as? [[String: Any]] {
            for i in perImage.indices {
                guard let name = perImage[i]["name"] as? String, let f = files[name] else { continue }
                perImage[i]["files"] = ["truth": f.truth, "render": f.render, "flip": f.errorMap]
                perImage[i]["passed"] = gates.passes(report.scores[i])
            }
            object["per_image"] = perImage
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        try write(data, to: path("report.json"))
        let html = HTMLReport(report: report, settings: settings, gates: gates, files: files).html
        try write(Data(html.utf8), to: path("report.html"))
    }

    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    private func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw SplatFailure(.io, "\(path): cannot write the report (\(error.localizedDescription))")
        }
    }
}

/// The HTML page of an evaluation: settings, summary, a sortable table, the images worst first
/// and, for views at several times, each metric plotted over time.
public struct HTMLReport {
    public var report: EvaluationReport
    public var settings: [(String, String)]
    public var gates: EvaluationGates
    public var files: [String: ReportImageFiles]

    public init(report: EvaluationReport, settings: [(String, String)], gates: EvaluationGates,
                files: [String: ReportImageFiles]) {
        self.report = report
        self.settings = settings
        self.gates = gates
        self.files = files
    }

    public var html: String {
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Splat4D evaluation</title>
        <style>\(Self.css)</style></head><body>
        <h1>Splat4D evaluation</h1>

        """
        out += "<h2>Settings</h2><table class=\"settings\">"
        for (key, value) in settings { out += "<tr><th>\(markupEscaped(key))</th><td>\(markupEscaped(value))</td></tr>" }
        out += "</table>\n"
        out += summary()
        out += table()
        if Set(report.scores.map(\.time)).count > 1 { out += plots() }
        out += gallery()
        out += "<script>\(Self.script)</script>\n</body></html>\n"
        return out
    }

    private func summary() -> String {
        let failed = report.scores.filter { !gates.passes($0) }.count
        var out = "<h2>Summary</h2><p id=\"summary\">\(report.scores.count) views scored"
        out += String(format: "; mean PSNR %.3f dB (identical images count as %.0f dB), mean SSIM %.4f",
                      report.meanPSNR, EvaluationReport.psnrCap, report.meanSSIM)
        if let flip = report.meanFLIP { out += String(format: ", mean FLIP %.5f", flip) }
        out += "; \(failed) failing the gates.</p>\n"
        if !report.missing.isEmpty {
            out += "<p class=\"fail\" id=\"missing\">Missing ground truth (\(report.missing.count)): "
            out += report.missing.map { "<span class=\"missing\">\(markupEscaped($0))</span>" }.joined(separator: ", ") + "</p>\n"
        }
        for g in report.temporal {
            out += "<p class=\"temporal\">Temporal stability of the fixed camera of \(markupEscaped(g.firstView)) (\(g.views) views): "
                + String(format: "flicker %.6f (render change %.6f, ground truth %.6f), temporal variance %.8f.</p>\n",
                         g.stability.flicker, g.stability.renderChange, g.stability.truthChange, g.stability.renderVariance)
        }
        return out
    }

    private func table() -> String {
        var out = "<h2>Views</h2><p class=\"hint\">Click a column to sort.</p>\n<table id=\"views\" class=\"sortable\"><thead><tr>"
        for (title, kind) in [("view", "text"), ("time", "number"), ("PSNR (dB)", "number"), ("SSIM", "number"),
                              ("FLIP", "number"), ("render (ms)", "number"), ("gate", "text")] {
            out += "<th data-kind=\"\(kind)\">\(title)</th>"
        }
        out += "</tr></thead><tbody>\n"
        for s in report.scores {
            let passed = gates.passes(s)
            out += "<tr class=\"view\">"
            out += "<td>\(markupEscaped(s.name))</td>"
            out += cell(Double(s.time), "%.4f")
            out += cell(min(s.psnr, EvaluationReport.psnrCap), s.psnr.isFinite ? "%.3f" : nil, text: "inf")
            out += cell(s.ssim, "%.5f")
            out += s.flip.map { cell($0, "%.5f") } ?? "<td data-value=\"\">–</td>"
            out += s.renderMilliseconds.map { cell($0, "%.1f") } ?? "<td data-value=\"\">–</td>"
            let why = gates.failures(of: s).joined(separator: "; ")
            out += passed ? "<td class=\"pass\">pass</td>" : "<td class=\"fail\" title=\"\(markupEscaped(why))\">fail</td>"
            out += "</tr>\n"
        }
        for name in report.missing {
            out += "<tr class=\"view missing\"><td>\(markupEscaped(name))</td><td colspan=\"5\">no ground-truth image</td>"
                + "<td class=\"fail\">missing</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    private func cell(_ value: Double, _ format: String?, text: String = "") -> String {
        "<td data-value=\"\(value)\">\(format.map { String(format: $0, value) } ?? text)</td>"
    }

    private func gallery() -> String {
        var out = "<h2>Images, worst first</h2>\n"
        for s in report.worstFirst {
            guard let f = files[s.name] else { continue }
            out += "<section class=\"view-images\"><h3>\(markupEscaped(s.name))"
            out += String(format: " — PSNR %@, SSIM %.4f", s.psnr.isFinite ? String(format: "%.2f dB", s.psnr) : "inf", s.ssim)
            if let flip = s.flip { out += String(format: ", FLIP %.4f", flip) }
            out += "</h3><div class=\"row\">"
            for (label, file) in [("ground truth", f.truth), ("render", f.render), ("FLIP error map", f.errorMap)] {
                out += "<figure><img src=\"\(markupEscaped(file))\" alt=\"\(label) of \(markupEscaped(s.name))\"><figcaption>\(label)</figcaption></figure>"
            }
            out += "</div></section>\n"
        }
        return out
    }

    /// One inline SVG line plot per metric over scene time.
    private func plots() -> String {
        let byTime = report.scores.sorted { $0.time < $1.time }
        var out = "<h2>Over time</h2>\n"
        let series: [(String, [Double?])] = [
            ("PSNR (dB)", byTime.map { min($0.psnr, EvaluationReport.psnrCap) }),
            ("SSIM", byTime.map(\.ssim)),
            ("FLIP", byTime.map(\.flip)),
        ]
        for (title, values) in series where values.contains(where: { $0 != nil }) {
            out += plot(title: title, times: byTime.map { Double($0.time) }, values: values, names: byTime.map(\.name))
        }
        return out
    }

    private func plot(title: String, times: [Double], values: [Double?], names: [String]) -> String {
        let width = 640.0, height = 180.0, left = 60.0, right = 10.0, top = 20.0, bottom = 30.0
        let present = values.compactMap { $0 }
        var low = present.min() ?? 0, high = present.max() ?? 1
        if high - low < 1e-9 { low -= 0.5; high += 0.5 }
        let t0 = times.first ?? 0, t1 = max(times.last ?? 1, t0 + 1e-9)
        func x(_ t: Double) -> Double { left + (t - t0) / (t1 - t0) * (width - left - right) }
        func y(_ v: Double) -> Double { top + (high - v) / (high - low) * (height - top - bottom) }
        var svg = "<figure class=\"plot\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "role=\"img\" aria-label=\"\(markupEscaped(title)) over time\">"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width - left - right)\" height=\"\(height - top - bottom)\" class=\"frame\"/>"
        let points = zip(times, values).compactMap { t, v in v.map { String(format: "%.1f,%.1f", x(t), y($0)) } }
        svg += "<polyline points=\"\(points.joined(separator: " "))\" class=\"line\"/>"
        for (i, t) in times.enumerated() {
            guard let v = values[i] else { continue }
            svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" class=\"dot\">", x(t), y(v))
                + "<title>\(markupEscaped(names[i])): \(String(format: "%.4f", v)) at t = \(String(format: "%.4f", t))</title></circle>"
        }
        svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\" text-anchor=\"end\">%.4g</text>", left - 4, top + 4, high)
        svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\" text-anchor=\"end\">%.4g</text>", left - 4, height - bottom, low)
        svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\">t = %.4g</text>", left, height - 8, t0)
        svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" class=\"axis\" text-anchor=\"end\">t = %.4g</text>", width - right, height - 8, t1)
        return svg + "</svg><figcaption>\(markupEscaped(title)) over scene time</figcaption></figure>\n"
    }

    static let css = """
    body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}table{border-collapse:collapse;margin:.5em 0}
    th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,.settings th{text-align:left}
    .sortable th{cursor:pointer;background:#eee}.pass{color:#070;font-weight:bold}.fail{color:#b00;font-weight:bold}
    .row{display:flex;gap:8px;flex-wrap:wrap}figure{margin:0}img{max-width:400px;image-rendering:pixelated;border:1px solid #999}
    .hint{color:#666;font-size:90%}.plot .frame{fill:#fafafa;stroke:#999}.plot .line{fill:none;stroke:#2a5db0;stroke-width:1.5}
    .plot .dot{fill:#2a5db0}.plot .axis{font-size:11px;fill:#444}
    """

    /// Sorts the views table by the clicked column (numbers by data-value; a second click reverses).
    static let script = """
    document.querySelectorAll('table.sortable').forEach(function(table){
      table.querySelectorAll('th').forEach(function(th, column){
        th.addEventListener('click', function(){
          var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
          var numeric = th.dataset.kind === 'number', up = th.dataset.order !== 'up';
          rows.sort(function(a, b){
            var x = a.cells[column], y = b.cells[column];
            if (!x || !y) return 0;
            var p = numeric ? parseFloat(x.dataset.value) : x.textContent, q = numeric ? parseFloat(y.dataset.value) : y.textContent;
            if (numeric) { if (isNaN(p)) return 1; if (isNaN(q)) return -1; return up ? p - q : q - p; }
            return up ? p.localeCompare(q) : q.localeCompare(p);
          });
          th.dataset.order = up ? 'up' : 'down';
          rows.forEach(function(r){ body.appendChild(r); });
        });
      });
    });
    """
}

/// Escapes text for HTML and XML content and attribute values.
func markupEscaped(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
