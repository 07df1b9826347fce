import Foundation
import XCTest

/// Runs the built `splat4d` executable and captures what it prints.
public struct CLIResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum CLI {
    /// The products folder holding both this test bundle and the `splat4d` executable.
    public static var productsDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0])
        while url.pathComponents.count > 1, !url.lastPathComponent.hasSuffix(".xctest") {
            url.deleteLastPathComponent()
        }
        return url.deletingLastPathComponent()
    }

    public static var executable: URL { productsDirectory.appendingPathComponent("splat4d") }

    /// The repository root.
    public static var repositoryRoot: URL { TestPaths.repositoryRoot }

    public static func scene(_ name: String) -> String { TestPaths.scene(name) }

    /// util-linux's setpriv, which `run(_:unprivileged:)` needs.
    public static let setpriv = "/usr/bin/setpriv"

    /// Runs `splat4d` with `arguments`. `unprivileged` runs it as the user nobody (through
    /// util-linux's setpriv), so that file permissions bind even when the tests run as root.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           unprivileged: Bool = false) throws -> CLIResult {
        let process = Process()
        if unprivileged {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--", executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Output goes to files, not pipes, so a chatty child can never block on a full pipe.
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh temporary folder per test.
public func makeTemporaryDirectory() throws -> URL { try TestPaths.makeTemporaryDirectory() }
