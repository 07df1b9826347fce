/// A part of a render request that error messages name. The library words them in its own
/// terms (`name`); a front end names them its own way (the CLI by its flags) through `worded(naming:)`.
public enum RequestField: String, Sendable, CaseIterable {
    case time, timeRange, frameCount, fps, frames, spacing, shard, output, depthOutput, overwrite, resume
    case cameraSelection, cameraFile, lookAt, cacheSize
    case alpha, videoCodec, crf

    /// The field in library terms.
    public var name: String {
        switch self {
        case .time: return "time"
        case .timeRange: return "time range"
        case .frameCount: return "frame count"
        case .fps: return "frames per second"
        case .frames: return "frame range"
        case .spacing: return "a frame count or frames per second"
        case .shard: return "shard"
        case .output: return "output"
        case .depthOutput: return "depth output"
        case .overwrite: return "the overwrite option"
        case .resume: return "the resume option"
        case .cameraSelection: return "camera index and name"
        case .cameraFile: return "a camera file"
        case .lookAt: return "the look-at camera"
        case .alpha: return "alpha"
        case .videoCodec: return "the video codec"
        case .crf: return "the constant rate factor"
        case .cacheSize: return "the frame cache size"
        }
    }
}

/// An error whose message names request fields, so that a front end can word it with its own names.
public protocol FieldNamingError: SplatError {
    func worded(naming name: (RequestField) -> String) -> String
}

extension FieldNamingError {
    public var description: String { worded { $0.name } }
}
