import SplatCore

/// The video files `render`, `encode` and the viewer write, chosen by the output's extension, with
/// each one's default codec and what it can carry.
public enum VideoContainer: String, CaseIterable, Sendable {
    case mp4, webm, mov, gif

    /// The container an output path names by its extension (case-insensitive); nil for anything else.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), path[dot...].count > 1 else { return nil }
        self.init(rawValue: path[path.index(after: dot)...].lowercased())
    }

    /// Whether `path` names a video file.
    public static func isVideo(_ path: String) -> Bool { VideoContainer(path: path) != nil }

    /// ffmpeg's muxer name (given explicitly: the temporary file's name does not end in the extension).
    var muxer: String {
        switch self {
        case .mp4: return "mp4"
        case .webm: return "webm"
        case .mov: return "mov"
        case .gif: return "gif"
        }
    }

    /// The codec used when none is asked for: H.264 for mp4 and mov (QuickTime plays it), VP9 for
    /// webm, and for mov with alpha ProRes 4444 (the QuickTime codec that keeps an alpha channel).
    func defaultCodec(alpha: Bool) -> String {
        switch self {
        case .mp4: return "libx264"
        case .webm: return "libvpx-vp9"
        case .mov: return alpha ? "prores_ks" : "libx264"
        case .gif: return "gif"
        }
    }

    /// Whether a video of this kind can keep an alpha channel (VP9 with yuva420p, ProRes 4444).
    public var carriesAlpha: Bool { self == .webm || self == .mov }

    /// The extensions, for messages: ".mp4, .webm, .mov or .gif".
    public static var extensionList: String {
        let names = allCases.map { "." + $0.rawValue }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
