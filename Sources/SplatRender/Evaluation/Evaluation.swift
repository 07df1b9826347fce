import Foundation
import SplatCore
import SplatFormats
import SplatPNG

/// One camera's score against its ground truth.
public struct EvaluationScore: Equatable, Sendable {
    public var name: String
    public var time: Float
    /// dB; +∞ for identical images.
    public var psnr: Double
    public var ssim: Double
    /// Mean FLIP in [0, 1]; nil when not computed.
    public var flip: Double?
    /// Wall-clock milliseconds of the render; nil when not measured.
    public var renderMilliseconds: Double?

    public init(name: String, time: Float, psnr: Double, ssim: Double, flip: Double? = nil, renderMilliseconds: Double? = nil) {
        self.name = name
        self.time = time
        self.psnr = psnr
        self.ssim = ssim
        self.flip = flip
        self.renderMilliseconds = renderMilliseconds
    }
}

/// The thresholds a view must meet; a missing ground-truth image always fails.
public struct EvaluationGates: Equatable, Sendable {
    public var minimumPSNR: Double?
    public var maximumFLIP: Double?

    public init(minimumPSNR: Double? = nil, maximumFLIP: Double? = nil) {
        self.minimumPSNR = minimumPSNR
        self.maximumFLIP = maximumFLIP
    }

    /// Why `score` fails, one phrase per gate it misses (empty: it passes).
    public func failures(of score: EvaluationScore) -> [String] {
        var out: [String] = []
        if let minimumPSNR, score.psnr < minimumPSNR {
            out.append(String(format: "PSNR %.3f dB is below the minimum %.3f dB", score.psnr, minimumPSNR))
        }
        if let maximumFLIP, let flip = score.flip, flip > maximumFLIP {
            out.append(String(format: "FLIP %.5f is above the maximum %.5f", flip, maximumFLIP))
        }
        return out
    }

    public func passes(_ score: EvaluationScore) -> Bool { failures(of: score).isEmpty }

    public var jsonObject: [String: Any] {
        ["min_psnr": minimumPSNR ?? NSNull(), "max_flip": maximumFLIP ?? NSNull()]
    }
}

/// Scores of every camera, with their means, and the cameras that had no ground truth.
public struct EvaluationReport: Equatable, Sendable {
    /// PSNR that identical images count as in the mean: +∞ would hide every bad image.
    public static let psnrCap = 100.0

    public var scores: [EvaluationScore]
    /// Cameras without a ground-truth image, in camera order.
    public var missing: [String]
    /// Temporal stability of every fixed camera seen at two or more times.
    public var temporal: [TemporalGroup] = []

    public init(scores: [EvaluationScore], missing: [String] = []) {
        self.scores = scores
        self.missing = missing
    }

    public var meanPSNR: Double {
        scores.map { min($0.psnr, Self.psnrCap) }.reduce(0, +) / Double(max(scores.count, 1))
    }

    public var meanSSIM: Double { scores.map(\.ssim).reduce(0, +) / Double(max(scores.count, 1)) }

    /// The mean over the scores that have a FLIP value; nil when none has.
    public var meanFLIP: Double? {
        let values = scores.compactMap(\.flip)
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The scores below `minimumPSNR`, worst first.
    public func failing(below minimumPSNR: Double) -> [EvaluationScore] {
        scores.filter { $0.psnr < minimumPSNR }.sorted { $0.psnr < $1.psnr }
    }

    /// The scores worst first: highest FLIP first when FLIP was computed, else lowest PSNR.
    public var worstFirst: [EvaluationScore] {
        scores.enumerated().sorted { l, r in
            let a = l.element, b = r.element
            if let fa = a.flip, let fb = b.flip, fa != fb { return fa > fb }
            if a.psnr != b.psnr { return a.psnr < b.psnr }
            return l.offset < r.offset
        }.map(\.element)
    }

    /// The report as JSON-ready values (unbounded PSNRs as null), with what was scored against what.
    public func jsonObject(scene: String, cameras: String, images: String) -> [String: Any] {
        [
            "scene": scene, "cameras": cameras, "images": images, "count": scores.count,
            "mean_psnr": meanPSNR, "mean_psnr_cap": Self.psnrCap, "mean_ssim": meanSSIM,
            "mean_flip": meanFLIP ?? NSNull(), "missing": missing,
            "temporal_stability": temporal.map { g -> [String: Any] in
                ["first_view": g.firstView, "views": g.views, "flicker": g.stability.flicker,
                 "render_change": g.stability.renderChange, "truth_change": g.stability.truthChange,
                 "render_temporal_variance": g.stability.renderVariance]
            },
            "per_image": scores.map { s -> [String: Any] in
                ["name": s.name, "time": Double(s.time), "psnr": s.psnr.isFinite ? s.psnr : NSNull(), "ssim": s.ssim,
                 "flip": s.flip ?? NSNull(), "render_ms": s.renderMilliseconds ?? NSNull()]
            },
        ]
    }
}

/// One fixed camera seen at several times: how much its renders flicker against its ground truth.
public struct TemporalGroup: Equatable, Sendable {
    /// The name of its earliest view.
    public var firstView: String
    public var views: Int
    public var stability: TemporalStability

    public init(firstView: String, views: Int, stability: TemporalStability) {
        self.firstView = firstView
        self.views = views
        self.stability = stability
    }
}

/// What one evaluated view produced, for reports that show the images.
public struct EvaluatedView {
    /// The view's position in the camera list.
    public var index: Int
    public var score: EvaluationScore
    /// The render as written to disk (8-bit).
    public var render: Image
    public var truth: Image
    public var comparison: ImageComparison
}

/// Renders each dataset camera at its time and scores it against its ground-truth image.
public struct Evaluator {
    public var renderer: FrameRenderer
    public var settings: RenderSettings
    /// The scene's name, for time errors.
    public var sceneName: String
    /// FLIP's pixels per degree.
    public var pixelsPerDegree: Float

    public init(renderer: FrameRenderer, settings: RenderSettings, sceneName: String,
                pixelsPerDegree: Float = FLIP.defaultPixelsPerDegree) {
        self.renderer = renderer
        self.settings = settings
        self.sceneName = sceneName
        self.pixelsPerDegree = pixelsPerDegree
    }

    /// Scores every view that has a ground-truth image and lists the others as missing;
    /// `each` sees every scored view as it is done (report writers save its images).
    public func evaluate(_ views: [DatasetView], against groundTruth: GroundTruthImages,
                         each: ((EvaluatedView) throws -> Void)? = nil) throws -> EvaluationReport {
        var report = EvaluationReport(scores: [])
        var scored: [(index: Int, score: EvaluationScore)] = [], missing: [(index: Int, name: String)] = []
        // A fixed camera's views in time order, so its temporal stability streams frame by frame.
        for group in Self.fixedCameraGroups(views) {
            var stability = StreamingTemporalStability()
            var comparable = group.count > 1
            for index in group {
                let view = views[index]
                guard let truth = try groundTruth.image(named: view.name) else {
                    missing.append((index, view.name))
                    continue
                }
                let evaluated = try self.evaluate(view, against: truth, index: index)
                scored.append((index, evaluated.score))
                if comparable {
                    comparable = stability.accepts(render: evaluated.render, truth: evaluated.truth)
                    if comparable { stability.add(render: evaluated.render, truth: evaluated.truth) }
                }
                try each?(evaluated)
            }
            if comparable, let result = stability.result {
                report.temporal.append(TemporalGroup(firstView: views[group[0]].name, views: stability.frames, stability: result))
            }
        }
        report.scores = scored.sorted { $0.index < $1.index }.map(\.score)
        report.missing = missing.sorted { $0.index < $1.index }.map(\.name)
        return report
    }

    /// View indices grouped by identical camera (pose and intrinsics), groups in order of first
    /// appearance, each in time order (then view order).
    static func fixedCameraGroups(_ views: [DatasetView]) -> [[Int]] {
        var cameras: [Camera] = [], groups: [[Int]] = []
        for (index, view) in views.enumerated() {
            if let g = cameras.firstIndex(of: view.camera) {
                groups[g].append(index)
            } else {
                cameras.append(view.camera)
                groups.append([index])
            }
        }
        return groups.map { group in
            group.sorted { (views[$0].time ?? -.infinity, $0) < (views[$1].time ?? -.infinity, $1) }
        }
    }

    /// One camera at the ground truth's size; no time: the scene's start.
    public func score(_ view: DatasetView, against truth: Image) throws -> EvaluationScore {
        try evaluate(view, against: truth, index: 0).score
    }

    private func evaluate(_ view: DatasetView, against truth: Image, index: Int) throws -> EvaluatedView {
        var camera = view.camera
        if camera.width != truth.width || camera.height != truth.height {
            camera = camera.resized(width: truth.width, height: truth.height)
        }
        let scene = renderer.scene
        let t = try SceneTime.resolve(view.time ?? scene.metadata.timeRange?.lowerBound, for: scene, sceneName: sceneName)
        let start = DispatchTime.now().uptimeNanoseconds
        let frame = try renderer.render(at: t, camera: camera, settings: settings)
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        // Scored as written to disk: 8-bit, like the trainers' saved renders.
        let rendered = try PNGFile.decode(try PNGFile.encode(frame.colour), path: view.name)
        let comparison: ImageComparison
        do {
            comparison = try ImageComparison(test: rendered, truth: truth, metrics: Set(QualityMetric.allCases),
                                             pixelsPerDegree: pixelsPerDegree)
        } catch let error as SplatError {
            throw SplatFailure(error.kind, "ground truth for camera '\(view.name)': \(error)")
        }
        let score = EvaluationScore(name: view.name, time: t, psnr: comparison.psnr!, ssim: comparison.ssim!,
                                    flip: comparison.flip, renderMilliseconds: milliseconds)
        return EvaluatedView(index: index, score: score, render: rendered, truth: truth, comparison: comparison)
    }
}
