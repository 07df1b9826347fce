import CVulkan
import SplatCore

/// Shows the VulkanRasterizer's latest frame in a swapchain image, without touching the renderer:
/// to_swapchain.comp quantises the frame's float colour buffer into an 8-bit pixel buffer (the PNG
/// rule), which is copied into the acquired image (UNDEFINED → TRANSFER_DST_OPTIMAL → copy →
/// PRESENT_SRC_KHR). The copy path works on every device (swapchain images need only
/// TRANSFER_DST usage), and the same host-visible pixel buffer is the screenshot, so a screenshot
/// is exactly the frame on screen.
///
/// An overlay (`OverlayPrimitive`s: the viewer's timeline and HUD) is drawn by overlay.comp over
/// the pixels in place, after the rows it touches are copied aside, so a screenshot is the frame
/// without the overlay (as `render` draws it) unless asked for with it. Only those rows are
/// copied (a few percent of the frame), which keeps the overlay's cost small.
///
/// One frame in flight: a present's submission must finish (`waitUntilIdle`) before the renderer
/// writes its colour buffer again; `present` and `shownFrameRGB` wait for it themselves.
public final class SwapchainPresenter {
    public let device: GPUDevice
    let pass: ToSwapchainPass
    let overlayPass: OverlayPass
    private let commandBuffer: VkCommandBuffer
    private let fence: VkFence
    private let imageAvailable: VkSemaphore
    private var pixels: GPUBuffer?
    /// The rows of `pixels` the overlay covered, as they were before it (at the same offsets).
    private var cleanRows: GPUBuffer?
    /// The rows the last presented frame's overlay covered (empty: no overlay).
    private var shownOverlayRows: [Range<Int>] = []
    private var inFlight = false
    /// Size and byte order of the frame the pixel buffer holds (the one last presented).
    public private(set) var shown: (width: Int, height: Int, order: SwapchainPixelOrder)?

    public enum Outcome: Equatable, Sendable {
        /// Shown.
        case presented
        /// Shown, but the swapchain no longer matches the surface exactly: recreate it.
        case suboptimal
        /// Not shown: the swapchain is out of date (resized window). Recreate it and draw again.
        /// (When the present itself was rejected, `shownFrameRGB` holds that unshown frame until
        /// the next present.)
        case outOfDate
    }

    public init(device: GPUDevice) throws {
        self.device = device
        pass = try ToSwapchainPass(device: device)
        overlayPass = try OverlayPass(device: device)
        var allocateInfo = VkCommandBufferAllocateInfo()
        allocateInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        allocateInfo.commandPool = device.commandPool
        allocateInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        allocateInfo.commandBufferCount = 1
        var commandBuffer: VkCommandBuffer?
        try check(vkAllocateCommandBuffers(device.handle, &allocateInfo, &commandBuffer), "vkAllocateCommandBuffers")
        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var fence: VkFence?
        var result = vkCreateFence(device.handle, &fenceInfo, nil, &fence)
        var semaphore: VkSemaphore?
        if result == VK_SUCCESS {
            var semaphoreInfo = VkSemaphoreCreateInfo()
            semaphoreInfo.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO
            result = vkCreateSemaphore(device.handle, &semaphoreInfo, nil, &semaphore)
        }
        guard result == VK_SUCCESS, let fence, let semaphore else {
            if let fence { vkDestroyFence(device.handle, fence, nil) }
            vkFreeCommandBuffers(device.handle, device.commandPool, 1, &commandBuffer)
            throw VulkanError(call: "creating the presenter's fence and semaphore", result: result)
        }
        self.commandBuffer = commandBuffer!
        self.fence = fence
        self.imageAvailable = semaphore
    }

    deinit {
        if inFlight { vkWaitForFences(device.handle, 1, [fence], VkBool32(VK_TRUE), UInt64.max) }
        vkDestroySemaphore(device.handle, imageAvailable, nil)
        vkDestroyFence(device.handle, fence, nil)
        var buffer: VkCommandBuffer? = commandBuffer
        vkFreeCommandBuffers(device.handle, device.commandPool, 1, &buffer)
    }

    /// Waits until the last present's GPU work (conversion and copy) is done.
    public func waitUntilIdle() throws {
        guard inFlight else { return }
        try check(vkWaitForFences(device.handle, 1, [fence], VkBool32(VK_TRUE), UInt64.max), "vkWaitForFences")
        inFlight = false
    }

    /// Presents `frame`, the frame `rasterizer` rendered last (its colour buffer is read on the
    /// GPU, not `frame`'s host copy), in the next image of `swapchain`. The frame must have the
    /// swapchain's size. `overlay` is drawn over it on screen (not in `shownFrameRGB()`).
    public func present(_ frame: RenderedFrame, of rasterizer: VulkanRasterizer, to swapchain: Swapchain,
                        overlay: [OverlayPrimitive] = []) throws -> Outcome {
        guard rasterizer.device === device, swapchain.device === device else {
            throw GPUError("the presenter, the renderer and the swapchain must share one device", kind: .badOption)
        }
        let width = swapchain.width, height = swapchain.height
        let size = rasterizer.lastFrameSize
        guard size.width == width, size.height == height else {
            throw GPUError("a \(size.width)×\(size.height) frame cannot be shown in a \(width)×\(height) swapchain", kind: .badOption)
        }
        try waitUntilIdle()
        var index: UInt32 = 0
        let acquired = vkAcquireNextImageKHR(device.handle, swapchain.handle, UInt64.max, imageAvailable, nil, &index)
        if acquired == VK_ERROR_OUT_OF_DATE_KHR { return .outOfDate }
        guard acquired == VK_SUCCESS || acquired == VK_SUBOPTIMAL_KHR else {
            throw VulkanError(call: "vkAcquireNextImageKHR", result: acquired)
        }
        let bytes = width * height * 4
        if (pixels?.size ?? 0) < bytes {
            pixels = nil
            pixels = try GPUBuffer(device: device, size: bytes, usage: .readback, label: "window pixels")
        }
        let encoding = OverlayEncoding(overlay, width: width, height: height, order: swapchain.pixelOrder)
        if encoding != nil, (cleanRows?.size ?? 0) < bytes {
            cleanRows = nil
            cleanRows = try GPUBuffer(device: device, size: bytes, usage: .readback, label: "window rows under the overlay")
        }
        let colour = BufferRange(rasterizer.buffers.colour.buffer, size: width * height * 16)
        try record(colour: colour, pixels: BufferRange(pixels!, size: bytes), overlay: encoding.map { ($0, BufferRange(cleanRows!, size: bytes)) },
                   image: swapchain.images[Int(index)], width: width, height: height, order: swapchain.pixelOrder)

        try check(vkResetFences(device.handle, 1, [fence]), "vkResetFences")
        var waitStage = VkPipelineStageFlags(VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue)
        var waitSemaphore: VkSemaphore? = imageAvailable
        var signalSemaphore: VkSemaphore? = swapchain.renderFinished[Int(index)]
        var buffer: VkCommandBuffer? = commandBuffer
        var submit = VkSubmitInfo()
        submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
        let submitted: VkResult = withUnsafePointer(to: &waitSemaphore) { waitPointer in
            withUnsafePointer(to: &waitStage) { stagePointer in
                withUnsafePointer(to: &buffer) { bufferPointer in
                    withUnsafePointer(to: &signalSemaphore) { signalPointer in
                        submit.waitSemaphoreCount = 1
                        submit.pWaitSemaphores = waitPointer
                        submit.pWaitDstStageMask = stagePointer
                        submit.commandBufferCount = 1
                        submit.pCommandBuffers = bufferPointer
                        submit.signalSemaphoreCount = 1
                        submit.pSignalSemaphores = signalPointer
                        return vkQueueSubmit(device.queue, 1, &submit, fence)
                    }
                }
            }
        }
        try check(submitted, "vkQueueSubmit (present)")
        inFlight = true
        shown = (width, height, swapchain.pixelOrder)
        shownOverlayRows = encoding?.rows ?? []

        var swapchainHandle: VkSwapchainKHR? = swapchain.handle
        var imageIndex = index
        let presented: VkResult = withUnsafePointer(to: &signalSemaphore) { waitPointer in
            withUnsafePointer(to: &swapchainHandle) { swapchainPointer in
                withUnsafePointer(to: &imageIndex) { indexPointer in
                    var info = VkPresentInfoKHR()
                    info.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR
                    info.waitSemaphoreCount = 1
                    info.pWaitSemaphores = waitPointer
                    info.swapchainCount = 1
                    info.pSwapchains = swapchainPointer
                    info.pImageIndices = indexPointer
                    return vkQueuePresentKHR(device.queue, &info)
                }
            }
        }
        // Rejected as out of date: not shown (its semaphore wait still runs, so nothing leaks).
        if presented == VK_ERROR_OUT_OF_DATE_KHR { return .outOfDate }
        if presented == VK_SUBOPTIMAL_KHR || acquired == VK_SUBOPTIMAL_KHR { return .suboptimal }
        try check(presented, "vkQueuePresentKHR")
        return .presented
    }

    private func record(colour: BufferRange, pixels: BufferRange, overlay: (encoding: OverlayEncoding, clean: BufferRange)?, image: VkImage,
                        width: Int, height: Int, order: SwapchainPixelOrder) throws {
        try check(vkResetCommandBuffer(commandBuffer, 0), "vkResetCommandBuffer")
        var begin = VkCommandBufferBeginInfo()
        begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        begin.flags = VkCommandBufferUsageFlags(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue)
        try check(vkBeginCommandBuffer(commandBuffer, &begin), "vkBeginCommandBuffer")
        let r = CommandRecorder(device: device, handle: commandBuffer)

        // The blend's writes (an earlier submission) → this pass's reads.
        memoryBarrier(from: VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                      to: VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT)
        try recordConversion(r, colour: colour, pixels: pixels, overlay: overlay, width: width, height: height, order: order)

        // Pixels written → copied; the image (acquired: its semaphore wait is at TRANSFER) → copy target.
        let range = VkImageSubresourceRange(aspectMask: VkImageAspectFlags(VK_IMAGE_ASPECT_COLOR_BIT.rawValue),
                                            baseMipLevel: 0, levelCount: 1, baseArrayLayer: 0, layerCount: 1)
        var toTransfer = VkImageMemoryBarrier()
        toTransfer.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER
        toTransfer.srcAccessMask = 0
        toTransfer.dstAccessMask = VkAccessFlags(VK_ACCESS_TRANSFER_WRITE_BIT.rawValue)
        toTransfer.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED
        toTransfer.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL
        toTransfer.srcQueueFamilyIndex = UInt32.max  // VK_QUEUE_FAMILY_IGNORED
        toTransfer.dstQueueFamilyIndex = UInt32.max
        toTransfer.image = image
        toTransfer.subresourceRange = range
        var written = VkMemoryBarrier()
        written.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        written.srcAccessMask = VkAccessFlags(VK_ACCESS_SHADER_WRITE_BIT.rawValue)
        written.dstAccessMask = VkAccessFlags(VK_ACCESS_TRANSFER_READ_BIT.rawValue)
        vkCmdPipelineBarrier(commandBuffer,
                             VkPipelineStageFlags(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue),
                             VkPipelineStageFlags(VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue), 0,
                             1, &written, 0, nil, 1, &toTransfer)

        var region = VkBufferImageCopy()
        region.bufferOffset = VkDeviceSize(pixels.offset)
        region.bufferRowLength = 0
        region.bufferImageHeight = 0
        region.imageSubresource = VkImageSubresourceLayers(aspectMask: VkImageAspectFlags(VK_IMAGE_ASPECT_COLOR_BIT.rawValue),
                                                           mipLevel: 0, baseArrayLayer: 0, layerCount: 1)
        region.imageOffset = VkOffset3D(x: 0, y: 0, z: 0)
        region.imageExtent = VkExtent3D(width: UInt32(width), height: UInt32(height), depth: 1)
        vkCmdCopyBufferToImage(commandBuffer, pixels.buffer.handle, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region)

        // Copied → presented.
        var toPresent = toTransfer
        toPresent.srcAccessMask = VkAccessFlags(VK_ACCESS_TRANSFER_WRITE_BIT.rawValue)
        toPresent.dstAccessMask = 0
        toPresent.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL
        toPresent.newLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR
        vkCmdPipelineBarrier(commandBuffer, VkPipelineStageFlags(VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue),
                             VkPipelineStageFlags(VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT.rawValue), 0,
                             0, nil, 0, nil, 1, &toPresent)
        // Pixels → the host (screenshots), after the fence; and the rows kept from under the overlay.
        memoryBarrier(from: VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                      to: VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT)
        if overlay != nil {
            memoryBarrier(from: VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                          to: VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT)
        }
        try check(vkEndCommandBuffer(commandBuffer), "vkEndCommandBuffer")
    }

    /// Records to_swapchain.comp into `pixels` and, with an overlay, keeping the rows it covers
    /// in `clean` and overlay.comp over `pixels`.
    private func recordConversion(_ r: CommandRecorder, colour: BufferRange, pixels: BufferRange,
                                  overlay: (encoding: OverlayEncoding, clean: BufferRange)?,
                                  width: Int, height: Int, order: SwapchainPixelOrder) throws {
        try pass.record(r, colour: colour, pixels: pixels, width: width, height: height, order: order)
        guard let overlay else { return }
        try overlayPass.record(r, encoding: overlay.encoding, pixels: pixels, keepingRowsIn: overlay.clean, width: width, height: height)
    }

    private func memoryBarrier(from srcStage: VkPipelineStageFlagBits, _ srcAccess: VkAccessFlagBits,
                               to dstStage: VkPipelineStageFlagBits, _ dstAccess: VkAccessFlagBits) {
        var barrier = VkMemoryBarrier()
        barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        barrier.srcAccessMask = VkAccessFlags(srcAccess.rawValue)
        barrier.dstAccessMask = VkAccessFlags(dstAccess.rawValue)
        vkCmdPipelineBarrier(commandBuffer, VkPipelineStageFlags(srcStage.rawValue), VkPipelineStageFlags(dstStage.rawValue), 0,
                             1, &barrier, 0, nil, 0, nil)
    }

    /// The frame last presented, as RGB bytes (row-major, top row first): the bytes copied into
    /// the swapchain image, reordered from its byte order, without the overlay unless
    /// `withOverlay` (and the frame had one). nil before the first present.
    public func shownFrameRGB(withOverlay: Bool = false) throws -> (width: Int, height: Int, rgb: [UInt8])? {
        try waitUntilIdle()
        guard let shown, let pixels else { return nil }
        let count = shown.width * shown.height
        var words = try pixels.read(UInt32.self, count: count)
        if !withOverlay, let cleanRows {
            for rows in shownOverlayRows {  // put back what the overlay covered
                let first = rows.lowerBound * shown.width, n = rows.count * shown.width
                words.replaceSubrange(first..<first + n, with: try cleanRows.read(UInt32.self, count: n, offset: first * 4))
            }
        }
        return (shown.width, shown.height, SwapchainPresenter.rgb(fromPacked: words, order: shown.order))
    }

    /// Packed 8-bit pixels (to_swapchain.comp's layout) as RGB bytes.
    public static func rgb(fromPacked words: [UInt32], order: SwapchainPixelOrder) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: words.count * 3)
        for (i, w) in words.enumerated() {
            let b0 = UInt8(w & 0xff), b1 = UInt8((w >> 8) & 0xff), b2 = UInt8((w >> 16) & 0xff)
            rgb[i * 3] = order == .bgra ? b2 : b0
            rgb[i * 3 + 1] = b1
            rgb[i * 3 + 2] = order == .bgra ? b0 : b2
        }
        return rgb
    }

    /// Runs to_swapchain.comp on `colours` (width·height RGBA floats) and, when given, overlay.comp
    /// over the result, exactly as `present` does, and returns the packed pixels (with the
    /// overlay when there is one): the shaders' twin of Image.quantized8 and
    /// OverlayCompositor, for tests.
    public func quantize(_ colours: [SIMD4<Float>], width: Int, height: Int, order: SwapchainPixelOrder,
                         overlay: [OverlayPrimitive] = []) throws -> [UInt32] {
        precondition(colours.count == width * height, "colours must hold width·height pixels")
        try waitUntilIdle()
        let input = try GPUBuffer(device: device, size: colours.count * 16, usage: .storage, label: "quantize input")
        try input.upload(colours)
        let bytes = colours.count * 4
        let output = try GPUBuffer(device: device, size: bytes, usage: .readback, label: "quantize output")
        let withOverlay = try OverlayEncoding(overlay, width: width, height: height, order: order).map {
            ($0, BufferRange(try GPUBuffer(device: device, size: bytes, usage: .storage, label: "quantize clean rows"), size: bytes))
        }
        try device.submitAndWait { r in
            try recordConversion(r, colour: BufferRange(input), pixels: BufferRange(output, size: bytes),
                                 overlay: withOverlay, width: width, height: height, order: order)
            r.barrier()
        }
        return try output.read(UInt32.self, count: colours.count)
    }

    /// GPU milliseconds the overlay adds to presenting a width×height frame (copying the rows it
    /// covers aside, and overlay.comp), the median of `repeats` timed runs, measured with timestamps around
    /// exactly the commands `present` adds for it. nil when `overlay` touches no pixel.
    public func overlayMilliseconds(_ overlay: [OverlayPrimitive], width: Int, height: Int, repeats: Int = 20) throws -> Double? {
        guard let encoding = OverlayEncoding(overlay, width: width, height: height, order: .rgba) else { return nil }
        try waitUntilIdle()
        let bytes = width * height * 4
        let clean = try GPUBuffer(device: device, size: bytes, usage: .readback, label: "timed clean rows")
        let target = try GPUBuffer(device: device, size: bytes, usage: .readback, label: "timed pixels")
        let timestamps = try TimestampPool(device: device, count: 2)
        var samples: [Double] = []
        for _ in 0..<max(1, repeats) {
            try device.submitAndWait { r in
                r.reset(timestamps)
                r.barrier()
                r.writeTimestamp(timestamps, index: 0)
                try overlayPass.record(r, encoding: encoding, pixels: BufferRange(target, size: bytes),
                                       keepingRowsIn: BufferRange(clean, size: bytes), width: width, height: height)
                r.barrier()
                r.writeTimestamp(timestamps, index: 1)
            }
            let t = try timestamps.read(2)
            samples.append((t[1] - t[0]) / 1e6)
        }
        return samples.sorted()[samples.count / 2]
    }
}
