/// An error in an input file, reported to the user as one line: "FILE: problem".
public struct SceneFileError: Error, Equatable, CustomStringConvertible, Sendable {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
