/// What kind of failure an error is: callers decide with it (the CLI picks the exit code, a
/// viewer keeps the old scene, a farm driver retries on another node), never by reading text.
public enum ErrorKind: String, Sendable, CaseIterable {
    /// An input file is missing, unreadable, malformed or of an unsupported variant.
    case badInput
    /// A request (time, camera, frame range, size) that the scene or the library cannot satisfy.
    case badOption
    /// No usable device, or a device limit the request exceeds; the CPU reference may still work.
    case deviceUnavailable
    /// Writing or reading an output failed (disk full, permissions, a vanished folder).
    case io
    /// The user stopped the work (Ctrl-C); what was finished is intact.
    case interrupted
}

/// Every error the Splat4D libraries throw: a kind and a one-line message in library terms
/// (what is wrong and what would help). Front ends add their own words (the CLI its flag names)
/// and map the kind to what they do (exit codes: see the CLI's `ExitStatus`).
public protocol SplatError: Error, CustomStringConvertible, Sendable {
    var kind: ErrorKind { get }
}

/// A failure with no more structure than its kind and message.
public struct SplatFailure: SplatError, Equatable {
    public var kind: ErrorKind
    public var message: String
    public init(_ kind: ErrorKind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}

/// An error in an input file, reported to the user as one line: "FILE: problem".
public struct SceneFileError: SplatError, Equatable {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var kind: ErrorKind { .badInput }
    public var description: String { "\(path): \(problem)" }
}
