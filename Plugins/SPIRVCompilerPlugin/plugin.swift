import Foundation
import PackagePlugin

/// Compiles every `Shaders/*.comp` to SPIR-V with glslangValidator and embeds the words, plus the
/// `#define`s of `Shaders/contract.glsl`, as Swift source in the target. A GLSL error fails
/// `swift build` with the compiler's file:line message.
@main
struct SPIRVCompilerPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let shaders = context.package.directoryURL.appendingPathComponent("Shaders")
        let files = try FileManager.default.contentsOfDirectory(atPath: shaders.path).sorted()
        let includes = files.filter { $0.hasSuffix(".glsl") }.map { shaders.appendingPathComponent($0) }
        let compiler = try findCompiler()
        let embed = try context.tool(named: "spirv-embed").url
        let work = context.pluginWorkDirectoryURL
        var commands: [Command] = []
        var swiftSources: [URL] = []
        for file in files where file.hasSuffix(".comp") {
            let source = shaders.appendingPathComponent(file)
            let stem = String(file.dropLast(".comp".count))
            let spirv = work.appendingPathComponent("\(stem).spv")
            let swift = work.appendingPathComponent("Shader_\(stem).swift")
            commands.append(.buildCommand(
                displayName: "Compiling shader \(file)",
                executable: compiler,
                arguments: ["-V", "--target-env", "vulkan1.2", "-I\(shaders.path)", "-o", spirv.path, source.path],
                inputFiles: [source] + includes,
                outputFiles: [spirv]))
            commands.append(.buildCommand(
                displayName: "Embedding \(stem).spv",
                executable: embed,
                arguments: ["spirv", spirv.path, stem, swift.path],
                inputFiles: [spirv],
                outputFiles: [swift]))
            swiftSources.append(swift)
        }
        let contract = shaders.appendingPathComponent("contract.glsl")
        if FileManager.default.fileExists(atPath: contract.path) {
            let swift = work.appendingPathComponent("ShaderContract.swift")
            commands.append(.buildCommand(
                displayName: "Generating ShaderContract.swift from contract.glsl",
                executable: embed,
                arguments: ["contract", contract.path, swift.path],
                inputFiles: [contract],
                outputFiles: [swift]))
        }
        return commands
    }

    /// glslangValidator by absolute path or a PATH search (SwiftPM plugins get no shell).
    private func findCompiler() throws -> URL {
        var candidates = ["/usr/bin/glslangValidator", "/usr/local/bin/glslangValidator"]
        if let path = ProcessInfo.processInfo.environment["PATH"] {
            candidates += path.split(separator: ":").map { "\($0)/glslangValidator" }
        }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return URL(fileURLWithPath: candidate)
        }
        throw PluginError("glslangValidator not found: install glslang-tools (apt-get install glslang-tools)")
    }
}

struct PluginError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
