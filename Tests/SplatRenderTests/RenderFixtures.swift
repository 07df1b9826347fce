import Foundation
import SplatCore
import SplatFormats
import XCTest

/// Scenes and folders the SplatRender tests share.
enum RenderFixtures {
    /// The repository's bundled scenes.
    static let scenes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scenes")

    /// The bundled dancer: a 4D scene over 0...2 seconds.
    static func dancer() throws -> TemporalCloud {
        try SceneLoader.load(path: scenes.appendingPathComponent("dancer.4d.ply").path).scene
    }

    /// A static 2-Gaussian scene in front of `camera`.
    static func pair() -> TemporalCloud {
        var builder = SplatCloudBuilder()
        builder.add([-0.2, 0, 2], scale: [0.15, 0.15, 0.15], opacity: 0.9, colour: [1, 0.2, 0.1])
        builder.add([0.25, 0.1, 3], scale: [0.2, 0.1, 0.1], opacity: 0.7, colour: [0.1, 0.4, 1])
        return TemporalCloud(static: builder.cloud)
    }

    /// At the origin looking down +z.
    static func camera(width: Int = 32, height: Int = 24) -> Camera {
        Camera(width: width, height: height, fx: 30, fy: 30, rotation: .identity, translation: .zero)
    }

    static func temporaryFolder(_ test: XCTestCase) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("SplatRenderTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder.path
    }

    static func names(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }
}
