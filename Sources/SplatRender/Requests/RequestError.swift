import SplatCore

/// A part of a render request that error messages name. The library words them in its own
/// terms (`name`); a front end names them its own way (the CLI by its flags) through `worded(naming:)`.
public enum RequestField: String, Sendable, CaseIterable {
    case time, timeRange, frameCount, fps, frames, spacing, shard, output, depthOutput, overwrite, resume

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

/// A request (time, frame range, spacing, shard, output names) that the scene or the library
/// cannot satisfy: `lead`, the field's name, then `rest` ("frame count must be at least 1").
public struct RequestError: FieldNamingError, Equatable {
    public var field: RequestField?
    public var lead: String
    public var rest: String

    public init(_ field: RequestField?, _ rest: String, lead: String = "") {
        self.field = field
        self.lead = lead
        self.rest = rest
    }

    public var kind: ErrorKind { .badOption }

    public func worded(naming name: (RequestField) -> String) -> String {
        lead + (field.map { name($0) + " " } ?? "") + rest
    }
}
