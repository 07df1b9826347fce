import CVulkan

/// A window surface (VkSurfaceKHR) made by a windowing library (GLFW, in SplatViewer) for this
/// instance. SplatGPU never opens windows itself: it takes the handle and owns it from then on.
/// Holds the instance strongly, so the surface is destroyed before the instance.
public final class Surface {
    public let instance: VulkanInstance
    public let handle: VkSurfaceKHR

    /// Takes ownership of `handle`, a surface created for `instance`; it is destroyed in deinit.
    /// The native window must outlive this object.
    public init(instance: VulkanInstance, adopting handle: VkSurfaceKHR) {
        self.instance = instance
        self.handle = handle
    }

    deinit { vkDestroySurfaceKHR(instance.handle, handle, nil) }
}
