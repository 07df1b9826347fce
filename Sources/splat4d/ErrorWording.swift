import SplatCore
import SplatRender

/// Library errors in the CLI's words: request fields become flag names, and a missing device
/// names the CPU fallback. Decided by the error's type and kind, never by its text.
enum ErrorWording {
    static func message(for error: SplatError) -> String {
        var text = (error as? FieldNamingError)?.worded(naming: flag) ?? error.description
        if error.kind == .deviceUnavailable { text += "; use --backend cpu to render on the CPU" }
        return text
    }

    /// The option that sets a request field.
    static func flag(_ field: RequestField) -> String {
        switch field {
        case .time: return "--time"
        case .timeRange: return "--time-range"
        case .frameCount: return "--frame-count"
        case .fps: return "--fps"
        case .frames: return "--frames"
        case .spacing: return "--frame-count or --fps"
        case .shard: return "--shard"
        case .output: return "--output"
        case .depthOutput: return "--depth"
        case .overwrite: return "--overwrite"
        case .resume: return "--resume"
        case .cameraSelection: return "--camera-index and --camera-name"
        case .cameraFile: return "--camera"
        case .lookAt: return "--look-at"
        case .alpha: return "--alpha"
        case .videoCodec: return "--video-codec"
        case .crf: return "--crf"
        case .cacheSize: return "--cache-mb"
        }
    }
}
