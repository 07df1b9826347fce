import SplatCore
import SplatFormats
import SplatGPU
import SplatRender

/// The Vulkan side of a viewer window: a device that can present to it, the scene uploaded once
/// to a frame renderer, and the presenter that copies frames into the swapchain.
final class ViewerGraphics {
    let device: GPUDevice
    let surface: Surface
    let rasterizer: VulkanRasterizer
    private(set) var renderer: FrameRenderer
    let presenter: SwapchainPresenter

    init(window: Window, config: ViewerConfiguration) throws {
        let instance = try VulkanInstance(validation: config.validation, echoValidation: true,
                                          extensions: try GLFW.requiredInstanceExtensions())
        let physical = try PhysicalDevice.choose(from: try PhysicalDevice.enumerate(instance), preference: config.devicePreference)
        device = try GPUDevice(instance: instance, physical: physical, extraExtensions: ["VK_KHR_swapchain"])
        surface = try window.makeSurface(instance: instance)
        guard device.canPresent(to: surface.handle) else {
            throw ViewerError("\(device.info.name) cannot present to this window", anotherDeviceMayWork: true)
        }
        rasterizer = try VulkanRasterizer(device: device)
        rasterizer.readsBackFrames = false  // the presenter reads the colour buffer on the GPU
        if let stream = config.stream {
            renderer = FrameRenderer(stream: stream, vulkan: rasterizer)
        } else {
            renderer = try FrameRenderer(scene: config.scene, vulkan: rasterizer)
        }
        presenter = try SwapchainPresenter(device: device)
    }

    var deviceDescription: String { renderer.deviceDescription }

    /// Uploads `scene` and draws it from now on; the old scene stays when the upload fails.
    /// Draws `loaded` from now on: its stream when it streams, else its scene.
    func replaceScene(with loaded: LoadedScene) throws {
        try presenter.waitUntilIdle()  // no frame in flight still reads the old scene's buffers
        if let stream = loaded.stream {
            renderer = FrameRenderer(stream: stream, vulkan: rasterizer)
        } else {
            renderer = try FrameRenderer(scene: loaded.scene, vulkan: rasterizer)
        }
    }

    /// A swapchain for the window at `size`, replacing `old`; nil for a zero-area surface.
    func makeSwapchain(size: (width: Int, height: Int), vsync: Bool, replacing old: Swapchain?) throws -> Swapchain? {
        try Swapchain.make(device: device, surface: surface, framebuffer: size, vsync: vsync, replacing: old)
    }

    /// The frame on screen as an 8-bit RGB image, if one was shown; with the overlay or without.
    func shownImage(withOverlay: Bool) throws -> Image? {
        guard let shot = try presenter.shownFrameRGB(withOverlay: withOverlay) else { return nil }
        return Image(width: shot.width, height: shot.height, channels: 3, pixels: shot.rgb.map { Float($0) / 255 })
    }
}
