import SplatCore

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
