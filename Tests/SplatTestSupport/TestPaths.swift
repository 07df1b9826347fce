import Foundation
import XCTest

/// Where the tests find the repository's files, and fresh folders to write into.
public enum TestPaths {
    /// The repository root (this file is Tests/SplatTestSupport/TestPaths.swift).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The bundled scenes.
    public static let scenes = repositoryRoot.appendingPathComponent("Scenes")

    /// Committed test fixtures (Tests/Fixtures), each folder with the tool that made it.
    public static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures")

    /// The path of a bundled scene (or a file beside it, such as its cameras).
    public static func scene(_ name: String) -> String { scenes.appendingPathComponent(name).path }

    /// A new empty folder in the system's temporary folder.
    public static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("splat4d-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A new empty folder that is removed when `test` ends.
    public static func temporaryFolder(for test: XCTestCase) throws -> URL {
        let url = try makeTemporaryDirectory()
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
