import ArgumentParser
import Foundation
import SplatCore

/// The root command. Subcommands are small structs, one per file.
struct Splat4D: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "splat4d",
        abstract: "Preview, render, evaluate and inspect (4D) Gaussian splat scenes, on Vulkan or the CPU.",
        version: "0.1.0",
        subcommands: [Render.self, View.self, Info.self, Compare.self, Bench.self, Evaluate.self, Convert.self, Generate.self])
}

/// A failure to report to the user as one line, with an exit code.
struct UserError: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32 = 1
    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}

/// Entry point: every error becomes one line on stderr and a non-zero exit; help and version
/// keep ArgumentParser's full output.
@main
enum Main {
    static func main() {
        do {
            var command = try Splat4D.parseAsRoot()
            try command.run()
        } catch let error as UserError {
            fail(error.description, code: error.exitCode)
        } catch let error as SceneFileError {
            fail(error.description, code: 1)
        } catch let error as CameraRequestError {
            fail(error.description, code: 64)
        } catch {
            let code = Splat4D.exitCode(for: error)
            if code == .success {
                print(Splat4D.fullMessage(for: error))
                exit(0)
            }
            // ArgumentParser's message, first line only: the usage text follows with --help.
            let message = Splat4D.message(for: error)
            if message.isEmpty { exit(code.rawValue) }
            fail(message.split(separator: "\n").first.map(String.init) ?? message, code: code.rawValue)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("splat4d: error: \(message)\n".utf8))
        exit(code)
    }
}
