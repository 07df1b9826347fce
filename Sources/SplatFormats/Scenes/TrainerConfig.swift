import Foundation
import SplatCore

/// The few keys Splat4D needs from a 4DGS trainer's YAML config (fudan-zvg/4d-gaussian-splatting
/// configs/*.yaml): `time_duration: [T0, T1]` at the top level and `frame_ratio` under ModelParams.
/// A line reader for exactly those scalar keys, not a YAML parser.
public enum TrainerConfig {
    /// The time duration the model was trained with: train.py divides the config's by
    /// `frame_ratio` when that is above 1.
    public static func timeDuration(path: String) throws -> ClosedRange<Float> {
        let data = try OpeningChecks(path: path).readFile()
        let text = String(decoding: data, as: UTF8.self)
        func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: problem) }
        var duration: (Float, Float)?
        var frameRatio: Float = 1
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("time_duration:") {
                let value = trimmed.dropFirst("time_duration:".count).trimmingCharacters(in: .whitespaces)
                let numbers = value.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
                    .map { Float($0.trimmingCharacters(in: .whitespaces)) }
                guard numbers.count == 2, let a = numbers[0], let b = numbers[1], a.isFinite, b.isFinite, b > a else {
                    throw fail("time_duration must be [T0, T1] with T0 < T1, got '\(value)'")
                }
                duration = (a, b)
            } else if trimmed.hasPrefix("frame_ratio:") {
                let value = trimmed.dropFirst("frame_ratio:".count).trimmingCharacters(in: .whitespaces)
                guard let r = Float(value), r.isFinite, r > 0 else { throw fail("frame_ratio must be a positive number, got '\(value)'") }
                frameRatio = r
            }
        }
        guard let (a, b) = duration else { throw fail("no time_duration in the config") }
        return frameRatio > 1 ? (a / frameRatio)...(b / frameRatio) : a...b
    }
}
