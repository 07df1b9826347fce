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

    public init(name: String, time: Float, psnr: Double, ssim: Double) {
        self.name = name
        self.time = time
        self.psnr = psnr
        self.ssim = ssim
    }
}

/// Scores of every camera, with their means.
public struct EvaluationReport: Equatable, Sendable {
    /// PSNR that identical images count as in the mean: +∞ would hide every bad image.
    public static let psnrCap = 100.0

    public var scores: [EvaluationScore]

    public init(scores: [EvaluationScore]) { self.scores = scores }

    public var meanPSNR: Double {
        scores.map { min($0.psnr, Self.psnrCap) }.reduce(0, +) / Double(max(scores.count, 1))
    }

    public var meanSSIM: Double { scores.map(\.ssim).reduce(0, +) / Double(max(scores.count, 1)) }

    /// The scores below `minimumPSNR`, worst first.
    public func failing(below minimumPSNR: Double) -> [EvaluationScore] {
        scores.filter { $0.psnr < minimumPSNR }.sorted { $0.psnr < $1.psnr }
    }

    /// The report as JSON-ready values (unbounded PSNRs as null), with what was scored against what.
    public func jsonObject(scene: String, cameras: String, images: String) -> [String: Any] {
        [
            "scene": scene, "cameras": cameras, "images": images, "count": scores.count,
            "mean_psnr": meanPSNR, "mean_psnr_cap": Self.psnrCap, "mean_ssim": meanSSIM,
            "per_image": scores.map { ["name": $0.name, "time": Double($0.time), "psnr": $0.psnr.isFinite ? $0.psnr : NSNull(),
                                       "ssim": $0.ssim] as [String: Any] },
        ]
    }
}

/// Renders each dataset camera at its time and scores it against its ground-truth image.
public struct Evaluator {
    public var renderer: FrameRenderer
    public var settings: RenderSettings
    /// The scene's name, for time errors.
    public var sceneName: String

    public init(renderer: FrameRenderer, settings: RenderSettings, sceneName: String) {
        self.renderer = renderer
        self.settings = settings
        self.sceneName = sceneName
    }

    public func evaluate(_ views: [DatasetView], against groundTruth: GroundTruthImages) throws -> EvaluationReport {
        EvaluationReport(scores: try views.map { try score($0, against: try groundTruth.requireImage(named: $0.name)) })
    }

    /// One camera at the ground truth's size; no time: the scene's start.
    public func score(_ view: DatasetView, against truth: Image) throws -> EvaluationScore {
        var camera = view.camera
        if camera.width != truth.width || camera.height != truth.height {
            camera = camera.resized(width: truth.width, height: truth.height)
        }
        let scene = renderer.scene
        let t = try SceneTime.resolve(view.time ?? scene.metadata.timeRange?.lowerBound, for: scene, sceneName: sceneName)
        let frame = try renderer.render(at: t, camera: camera, settings: settings)
        // Scored as written to disk: 8-bit, like the trainers' saved renders.
        let rendered = try PNGFile.decode(try PNGFile.encode(frame.colour), path: view.name)
        let (psnr, ssim) = try ImageScores.psnrAndSSIM(rendered, truth)
        return EvaluationScore(name: view.name, time: t, psnr: psnr, ssim: ssim)
    }
}
