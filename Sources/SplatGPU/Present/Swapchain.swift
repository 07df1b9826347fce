import CVulkan

/// Byte order of the 8-bit pixels of a swapchain image.
public enum SwapchainPixelOrder: Sendable, Equatable {
    case rgba, bgra
}

/// The choices a swapchain makes from what a surface offers, as plain functions (tested without
/// a window).
public enum SwapchainChoice {
    /// An 8-bit format whose bytes reach the screen unchanged. UNORM first (the brief: bytes on
    /// screen equal the PNG's bytes); an SRGB format would also show our bytes unchanged, since we
    /// only ever copy bytes into the image (no shader or blend encodes them), so it is the fallback.
    public static func format(from offered: [VkSurfaceFormatKHR]) -> (VkSurfaceFormatKHR, SwapchainPixelOrder)? {
        let preference: [(VkFormat, SwapchainPixelOrder)] = [
            (VK_FORMAT_B8G8R8A8_UNORM, .bgra), (VK_FORMAT_R8G8B8A8_UNORM, .rgba),
            (VK_FORMAT_B8G8R8A8_SRGB, .bgra), (VK_FORMAT_R8G8B8A8_SRGB, .rgba),
        ]
        for (format, order) in preference {
            let matches = offered.filter { $0.format == format }
            if let best = matches.first(where: { $0.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR }) ?? matches.first {
                return (best, order)
            }
        }
        // VK_FORMAT_UNDEFINED alone means "any format you like" (old drivers).
        if offered.count == 1, offered[0].format == VK_FORMAT_UNDEFINED {
            return (VkSurfaceFormatKHR(format: VK_FORMAT_B8G8R8A8_UNORM, colorSpace: offered[0].colorSpace), .bgra)
        }
        return nil
    }

    /// FIFO (vsync, always available) unless vsync is off: then IMMEDIATE, else MAILBOX, else FIFO.
    public static func presentMode(from offered: [VkPresentModeKHR], vsync: Bool) -> VkPresentModeKHR {
        if !vsync {
            for mode in [VK_PRESENT_MODE_IMMEDIATE_KHR, VK_PRESENT_MODE_MAILBOX_KHR] where offered.contains(mode) { return mode }
        }
        return VK_PRESENT_MODE_FIFO_KHR
    }

    /// The surface's current extent when it has one, else the framebuffer size clamped to the
    /// allowed range. nil when the area is zero (a minimised window): no swapchain can be made.
    public static func extent(current: (width: UInt32, height: UInt32), minimum: (width: UInt32, height: UInt32),
                              maximum: (width: UInt32, height: UInt32), framebuffer: (width: Int, height: Int)) -> (width: Int, height: Int)? {
        let w: UInt32, h: UInt32
        if current.width != UInt32.max {
            (w, h) = (current.width, current.height)
        } else {
            func clamp(_ v: Int, _ lo: UInt32, _ hi: UInt32) -> UInt32 { min(max(UInt32(clamping: max(0, v)), lo), hi) }
            (w, h) = (clamp(framebuffer.width, minimum.width, maximum.width), clamp(framebuffer.height, minimum.height, maximum.height))
        }
        guard w > 0, h > 0 else { return nil }
        return (Int(w), Int(h))
    }

    /// One image more than the minimum (so acquiring never waits on the presentation engine's
    /// own image), within the maximum (0: no maximum).
    public static func imageCount(minimum: UInt32, maximum: UInt32) -> UInt32 {
        maximum > 0 ? min(minimum + 1, maximum) : minimum + 1
    }

    public static func name(of mode: VkPresentModeKHR) -> String {
        switch mode {
        case VK_PRESENT_MODE_FIFO_KHR: return "fifo (vsync)"
        case VK_PRESENT_MODE_IMMEDIATE_KHR: return "immediate"
        case VK_PRESENT_MODE_MAILBOX_KHR: return "mailbox"
        case VK_PRESENT_MODE_FIFO_RELAXED_KHR: return "fifo-relaxed"
        default: return "present mode \(mode.rawValue)"
        }
    }
}

/// A swapchain for a surface, with one "rendering finished" semaphore per image (a semaphore a
/// present waits on is only reusable once that image is acquired again). Recreate it by making a
/// new one with `replacing:` the old; the old one is destroyed when released.
public final class Swapchain {
    public let device: GPUDevice
    public let surface: Surface
    let handle: VkSwapchainKHR
    public let width: Int
    public let height: Int
    public let format: VkFormat
    public let pixelOrder: SwapchainPixelOrder
    public let presentMode: VkPresentModeKHR
    let images: [VkImage]
    let renderFinished: [VkSemaphore]
    /// 1 for the first swapchain of a surface, then one more per recreation.
    public let generation: Int

    public var presentModeName: String { SwapchainChoice.name(of: presentMode) }

    /// Makes a swapchain of the surface's size (the framebuffer size when the surface leaves it
    /// to us); nil when the surface has zero area (minimised). With `old`, waits for the device to
    /// go idle and hands the old swapchain to the driver for reuse.
    public static func make(device: GPUDevice, surface: Surface, framebuffer: (width: Int, height: Int), vsync: Bool,
                            replacing old: Swapchain? = nil) throws -> Swapchain? {
        let physical = device.physical.handle
        var caps = VkSurfaceCapabilitiesKHR()
        try check(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(physical, surface.handle, &caps), "vkGetPhysicalDeviceSurfaceCapabilitiesKHR")
        guard let extent = SwapchainChoice.extent(current: (caps.currentExtent.width, caps.currentExtent.height),
                                                  minimum: (caps.minImageExtent.width, caps.minImageExtent.height),
                                                  maximum: (caps.maxImageExtent.width, caps.maxImageExtent.height),
                                                  framebuffer: framebuffer) else { return nil }
        var formatCount: UInt32 = 0
        try check(vkGetPhysicalDeviceSurfaceFormatsKHR(physical, surface.handle, &formatCount, nil), "vkGetPhysicalDeviceSurfaceFormatsKHR")
        var formats = [VkSurfaceFormatKHR](repeating: VkSurfaceFormatKHR(), count: Int(formatCount))
        try check(vkGetPhysicalDeviceSurfaceFormatsKHR(physical, surface.handle, &formatCount, &formats), "vkGetPhysicalDeviceSurfaceFormatsKHR")
        guard let (surfaceFormat, order) = SwapchainChoice.format(from: Array(formats.prefix(Int(formatCount)))) else {
            throw GPUError("the window surface offers no 8-bit RGBA or BGRA format (it offers formats \(formats.map { "\($0.format.rawValue)" }.joined(separator: ", ")))")
        }
        var modeCount: UInt32 = 0
        try check(vkGetPhysicalDeviceSurfacePresentModesKHR(physical, surface.handle, &modeCount, nil), "vkGetPhysicalDeviceSurfacePresentModesKHR")
        var modes = [VkPresentModeKHR](repeating: VK_PRESENT_MODE_FIFO_KHR, count: Int(modeCount))
        try check(vkGetPhysicalDeviceSurfacePresentModesKHR(physical, surface.handle, &modeCount, &modes), "vkGetPhysicalDeviceSurfacePresentModesKHR")
        let mode = SwapchainChoice.presentMode(from: Array(modes.prefix(Int(modeCount))), vsync: vsync)

        let transferDst = UInt32(VK_IMAGE_USAGE_TRANSFER_DST_BIT.rawValue)
        guard caps.supportedUsageFlags & transferDst != 0 else {
            throw GPUError("\(device.info.name) cannot copy into this window's swapchain images (no TRANSFER_DST usage)")
        }
        let alphaModes = [VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR, VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR,
                          VK_COMPOSITE_ALPHA_PRE_MULTIPLIED_BIT_KHR, VK_COMPOSITE_ALPHA_POST_MULTIPLIED_BIT_KHR]
        let alpha = alphaModes.first { caps.supportedCompositeAlpha & UInt32($0.rawValue) != 0 } ?? VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR

        if old != nil { vkDeviceWaitIdle(device.handle) }
        var info = VkSwapchainCreateInfoKHR()
        info.sType = VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR
        info.surface = surface.handle
        info.minImageCount = SwapchainChoice.imageCount(minimum: caps.minImageCount, maximum: caps.maxImageCount)
        info.imageFormat = surfaceFormat.format
        info.imageColorSpace = surfaceFormat.colorSpace
        info.imageExtent = VkExtent2D(width: UInt32(extent.width), height: UInt32(extent.height))
        info.imageArrayLayers = 1
        info.imageUsage = VkImageUsageFlags(transferDst)
        info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE
        info.preTransform = caps.currentTransform
        info.compositeAlpha = alpha
        info.presentMode = mode
        info.clipped = VkBool32(VK_TRUE)
        info.oldSwapchain = old?.handle
        var swapchain: VkSwapchainKHR?
        try check(vkCreateSwapchainKHR(device.handle, &info, nil, &swapchain), "vkCreateSwapchainKHR")
        guard let swapchain else { throw GPUError("vkCreateSwapchainKHR returned no swapchain") }

        var imageCount: UInt32 = 0
        var images: [VkImage?] = []
        var result = vkGetSwapchainImagesKHR(device.handle, swapchain, &imageCount, nil)
        if result == VK_SUCCESS {
            images = [VkImage?](repeating: nil, count: Int(imageCount))
            result = vkGetSwapchainImagesKHR(device.handle, swapchain, &imageCount, &images)
        }
        var semaphores: [VkSemaphore] = []
        if result == VK_SUCCESS {
            for _ in 0..<Int(imageCount) {
                var semaphoreInfo = VkSemaphoreCreateInfo()
                semaphoreInfo.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO
                var semaphore: VkSemaphore?
                result = vkCreateSemaphore(device.handle, &semaphoreInfo, nil, &semaphore)
                guard result == VK_SUCCESS, let semaphore else { break }
                semaphores.append(semaphore)
            }
        }
        guard result == VK_SUCCESS else {
            semaphores.forEach { vkDestroySemaphore(device.handle, $0, nil) }
            vkDestroySwapchainKHR(device.handle, swapchain, nil)
            throw VulkanError(call: "creating the swapchain's images and semaphores", result: result)
        }
        return Swapchain(device: device, surface: surface, handle: swapchain, width: extent.width, height: extent.height,
                         format: surfaceFormat.format, pixelOrder: order, presentMode: mode,
                         images: images.prefix(Int(imageCount)).map { $0! }, renderFinished: semaphores,
                         generation: (old?.generation ?? 0) + 1)
    }

    private init(device: GPUDevice, surface: Surface, handle: VkSwapchainKHR, width: Int, height: Int, format: VkFormat,
                 pixelOrder: SwapchainPixelOrder, presentMode: VkPresentModeKHR, images: [VkImage], renderFinished: [VkSemaphore],
                 generation: Int) {
        self.device = device
        self.surface = surface
        self.handle = handle
        self.width = width
        self.height = height
        self.format = format
        self.pixelOrder = pixelOrder
        self.presentMode = presentMode
        self.images = images
        self.renderFinished = renderFinished
        self.generation = generation
    }

    deinit {
        // Presents may still wait on the semaphores: let the queue drain first.
        vkQueueWaitIdle(device.queue)
        renderFinished.forEach { vkDestroySemaphore(device.handle, $0, nil) }
        vkDestroySwapchainKHR(device.handle, handle, nil)
    }
}
