import ArgumentParser
import Foundation
import SplatCore

/// The root command. Subcommands are small structs, one per file.
struct Splat4D: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "splat4d",
        abstract: "Preview, render, evaluate and inspect (4D) Gaussian splat scenes, on Vulkan or the CPU.",
        version: "0.1.0",
        subcommands: [Render.self, View.self, Info.self, Compare.self, Bench.self, BenchFLIP.self, Evaluate.self, Convert.self, Generate.self, Encode.self])
}

/// A failure found by the CLI itself (its own options and files), in the CLI's words.
struct UserError: SplatError {
    var description: String
    var kind: ErrorKind
    init(_ description: String, kind: ErrorKind = .badInput) {
        self.description = description
        self.kind = kind
    }
}

/// The one place where error kinds become exit codes: 1 for bad input files, devices and I/O,
/// 64 (EX_USAGE) for requests that cannot be satisfied, 130 for Ctrl-C.
enum ExitStatus {
    static func code(for kind: ErrorKind) -> Int32 {
        switch kind {
        case .badInput, .deviceUnavailable, .io: return 1
        case .badOption: return 64
        case .interrupted: return 130
        }
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
        } catch let error as SplatError {
            fail(ErrorWording.message(for: error), code: ExitStatus.code(for: error.kind))
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
