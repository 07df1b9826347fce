import SplatCore
import SplatFormats
import SplatPNG
import SplatRender

/// A scene file opened for quality tests: render it at a time and camera on the CPU reference or
/// Vulkan, and score the image against a ground truth in a few lines (README, "Quality tests in
/// Swift"). Renderers are created on first use and kept, so a test may render many views.
public final class TestScene {
    public let path: String
    /// The scene; for a frame sequence (a folder of frames, an npz), frame 0 over the sequence's
    /// time range, while renders read the frames around their time through a frame cache.
    public let scene: TemporalCloud
    private let loaded: LoadedScene
    /// The cameras the scene file carries (e.g. .splatv), if any.
    public let sceneCameras: [Camera]
    private var renderers: [RenderBackend: FrameRenderer] = [:]

    /// A sequence streams through a frame cache of `cacheBytes` (a long capture never loads whole).
    public init(path: String, cacheBytes: UInt64 = MemoryBudget.defaultFrameCacheBytes) throws {
        self.path = path
        loaded = try SceneLoader.open(path: path, cacheBytes: cacheBytes)
        scene = loaded.scene
        sceneCameras = loaded.scene.metadata.cameras
    }

    /// The scene's time range in its own unit (nil for a static scene).
    public var timeRange: ClosedRange<Float>? { scene.metadata.timeRange }

    /// The cameras of a 3DGS cameras.json or a transforms.json file.
    public static func cameras(_ path: String) throws -> [Camera] { try CameraFile.load(path: path) }

    /// The colour image of the scene at `time` seen by `camera`.
    public func render(camera: Camera, at time: Float = 0, backend: RenderBackend = .cpu,
                       settings: RenderSettings = RenderSettings()) throws -> Image {
        try renderer(backend).render(at: time, camera: camera, settings: settings).colour
    }

    private func renderer(_ backend: RenderBackend) throws -> FrameRenderer {
        if let existing = renderers[backend] { return existing }
        let made = try FrameRenderer(loaded, options: FrameRendererOptions(backend: backend))
        renderers[backend] = made
        return made
    }
}

/// PNG images in and out (8- or 16-bit; grey, RGB or with alpha).
public enum ImageFile {
    public static func read(_ path: String) throws -> Image { try PNGFile.read(path: path) }
    public static func write(_ image: Image, to path: String) throws { try PNGFile.write(image, to: path) }
}
