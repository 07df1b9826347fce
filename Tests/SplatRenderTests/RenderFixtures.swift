import Foundation
import SplatCore
import SplatFormats
import SplatTestSupport
import XCTest

/// Scenes and folders the SplatRender tests share.
enum RenderFixtures {
    /// The bundled dancer: a 4D scene over 0...2 seconds.
    static func dancer() throws -> TemporalCloud {
        try SceneLoader.load(path: TestPaths.scene("dancer.4d.ply")).scene
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

    static func names(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }
}
