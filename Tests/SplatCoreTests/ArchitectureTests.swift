import Foundation
import SplatTestSupport
import XCTest

/// The import rules of docs/architecture.md, checked on the sources: a module that reaches for a
/// module above it (or a C library it should not touch) fails here, not in review.
final class ArchitectureTests: XCTestCase {
    /// What each module may import: the system modules, then ours.
    static let allowed: [String: Set<String>] = [
        "SplatCore": ["Foundation", "Dispatch"],
        "SplatFormats": ["Foundation", "Dispatch", "CZlib", "CZstd", "CWebP", "SplatCore"],
        "SplatPNG": ["Foundation", "Glibc", "Darwin", "CPNG", "SplatCore", "SplatFormats"],
        "SplatGPU": ["Foundation", "Dispatch", "CVulkan", "SplatCore"],
        "SplatRender": ["Foundation", "Dispatch", "SplatCore", "SplatFormats", "SplatPNG", "SplatGPU"],
        "SplatEvaluation": ["Foundation", "SplatCore", "SplatFormats", "SplatPNG", "SplatRender"],
        "SplatViewer": ["Foundation", "Dispatch", "CGLFW", "CVulkan", "SplatCore", "SplatFormats", "SplatPNG",
                        "SplatGPU", "SplatRender"],
    ]

    func testEveryLibraryModuleImportsOnlyWhatTheArchitectureAllows() throws {
        let sources = TestPaths.repositoryRoot.appendingPathComponent("Sources")
        for (module, allowed) in Self.allowed {
            let imports = try Self.imports(in: sources.appendingPathComponent(module))
            XCTAssertFalse(imports.isEmpty, "\(module): no sources found")
            for (file, name) in imports where !allowed.contains(name) {
                XCTFail("\(module)/\(file) imports \(name), which docs/architecture.md does not allow")
            }
        }
    }

    func testTheCheckSeesAForbiddenImport() throws {
        let folder = try TestPaths.temporaryFolder(for: self)
        try "import Foundation\n@testable import SplatGPU\nlet x = 1\n".write(
            to: folder.appendingPathComponent("Bad.swift"), atomically: true, encoding: .utf8)
        let imports = try Self.imports(in: folder)
        XCTAssertEqual(imports.map(\.name).sorted(), ["Foundation", "SplatGPU"])
        XCTAssertFalse(Self.allowed["SplatCore"]!.contains("SplatGPU"))
    }

    /// Every `import X` (plain or @testable) in the Swift files under `folder`.
    static func imports(in folder: URL) throws -> [(file: String, name: String)] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var found: [(String, String)] = []
        for case let file as String in walker where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").filter { $0 != "@testable" }
                if words.count == 2, words[0] == "import" { found.append((file, String(words[1]))) }
            }
        }
        return found
    }
}
