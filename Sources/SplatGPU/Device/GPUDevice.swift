import CVulkan

/// The logical device with its one compute queue and command pool. Owns the instance strongly,
/// so the instance outlives every object made from the device.
public final class GPUDevice {
    public let instance: VulkanInstance
    public let physical: PhysicalDevice
    public let handle: VkDevice
    public let queue: VkQueue
    let commandPool: VkCommandPool
    let memoryProperties: VkPhysicalDeviceMemoryProperties
    let pushDescriptorSet: PFN_vkCmdPushDescriptorSetKHR

    public var info: PhysicalDeviceInfo { physical.info }
    /// The device extensions this device was created with.
    public let enabledExtensions: [String]

    static let requiredExtensions = ["VK_KHR_push_descriptor"]

    /// Opens the preferred device (see PhysicalDevice.choose).
    public convenience init(preference: String? = nil, validation: Bool = VulkanInstance.validationRequested,
                            echoValidation: Bool = true) throws {
        let instance = try VulkanInstance(validation: validation, echoValidation: echoValidation)
        let device = try PhysicalDevice.choose(from: try PhysicalDevice.enumerate(instance), preference: preference)
        try self.init(instance: instance, physical: device)
    }

    /// - Parameter extraExtensions: device extensions wanted beyond the renderer's own (the viewer
    ///   asks for VK_KHR_swapchain); each must be present, or the init throws naming it.
    public init(instance: VulkanInstance, physical: PhysicalDevice, extraExtensions: [String] = []) throws {
        self.instance = instance
        self.physical = physical
        guard let family = physical.info.computeQueueFamily else { throw GPUError("\(physical.info.name) has no compute queue") }
        let available = GPUDevice.extensions(of: physical.handle)
        let missing = GPUDevice.requiredExtensions.filter { !available.contains($0) }
        guard missing.isEmpty else {
            throw GPUError("\(physical.info.name) lacks \(missing.joined(separator: ", ")), which the renderer needs")
        }
        let missingExtra = extraExtensions.filter { !available.contains($0) }
        guard missingExtra.isEmpty else {
            throw GPUError("\(physical.info.name) lacks \(missingExtra.joined(separator: ", "))")
        }
        let enabledExtensions = GPUDevice.requiredExtensions + extraExtensions.filter { !GPUDevice.requiredExtensions.contains($0) }
        self.enabledExtensions = enabledExtensions

        var priority: Float = 1
        var device: VkDevice?
        let result: VkResult = withCStrings(enabledExtensions) { names in
            names.withUnsafeBufferPointer { nameBuffer in
                withUnsafePointer(to: &priority) { priorityPointer in
                    var queueInfo = VkDeviceQueueCreateInfo()
                    queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
                    queueInfo.queueFamilyIndex = family
                    queueInfo.queueCount = 1
                    queueInfo.pQueuePriorities = priorityPointer
                    return withUnsafePointer(to: &queueInfo) { queuePointer in
                        var info = VkDeviceCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                        info.queueCreateInfoCount = 1
                        info.pQueueCreateInfos = queuePointer
                        info.enabledExtensionCount = UInt32(names.count)
                        info.ppEnabledExtensionNames = nameBuffer.baseAddress
                        return vkCreateDevice(physical.handle, &info, nil, &device)
                    }
                }
            }
        }
        guard result == VK_SUCCESS, let device else { throw VulkanError(call: "vkCreateDevice", result: result) }
        handle = device
        var queue: VkQueue?
        vkGetDeviceQueue(device, family, 0, &queue)
        self.queue = queue!

        var poolInfo = VkCommandPoolCreateInfo()
        poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        poolInfo.flags = VkCommandPoolCreateFlags(VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT.rawValue)
        poolInfo.queueFamilyIndex = family
        var pool: VkCommandPool?
        let poolResult = vkCreateCommandPool(device, &poolInfo, nil, &pool)
        guard poolResult == VK_SUCCESS, let pool else {
            vkDestroyDevice(device, nil)
            throw VulkanError(call: "vkCreateCommandPool", result: poolResult)
        }
        commandPool = pool

        var memory = VkPhysicalDeviceMemoryProperties()
        vkGetPhysicalDeviceMemoryProperties(physical.handle, &memory)
        memoryProperties = memory
        guard let push = vkGetDeviceProcAddr(device, "vkCmdPushDescriptorSetKHR") else {
            vkDestroyCommandPool(device, pool, nil)
            vkDestroyDevice(device, nil)
            throw GPUError("vkCmdPushDescriptorSetKHR is missing on \(physical.info.name)")
        }
        pushDescriptorSet = unsafeBitCast(push, to: PFN_vkCmdPushDescriptorSetKHR.self)
    }

    deinit {
        vkDeviceWaitIdle(handle)
        vkDestroyCommandPool(handle, commandPool, nil)
        vkDestroyDevice(handle, nil)
    }

    /// Whether the device's one queue can present to `surface` (a VkSurfaceKHR of this device's
    /// instance). The viewer presents on the queue that renders, so this must hold.
    public func canPresent(to surface: VkSurfaceKHR) -> Bool {
        guard let family = physical.info.computeQueueFamily else { return false }
        var supported: VkBool32 = 0
        guard vkGetPhysicalDeviceSurfaceSupportKHR(physical.handle, family, surface, &supported) == VK_SUCCESS else { return false }
        return supported != 0
    }

    static func extensions(of device: VkPhysicalDevice) -> Set<String> {
        var count: UInt32 = 0
        guard vkEnumerateDeviceExtensionProperties(device, nil, &count, nil) == VK_SUCCESS else { return [] }
        var properties = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(count))
        guard vkEnumerateDeviceExtensionProperties(device, nil, &count, &properties) == VK_SUCCESS else { return [] }
        return Set(properties.prefix(Int(count)).map { string(fromCArray: $0.extensionName) })
    }

    /// A memory type allowed by `typeBits` with all of `required`, preferring those with `preferred` too.
    func memoryType(typeBits: UInt32, required: UInt32, preferred: UInt32) -> UInt32? {
        let types = withUnsafeBytes(of: memoryProperties.memoryTypes) { Array($0.bindMemory(to: VkMemoryType.self)) }
        let candidates = (0..<Int(memoryProperties.memoryTypeCount)).filter {
            typeBits & (1 << $0) != 0 && types[$0].propertyFlags & required == required
        }
        return (candidates.first { types[$0].propertyFlags & preferred == preferred } ?? candidates.first).map(UInt32.init)
    }

    func memoryFlags(ofType index: UInt32) -> UInt32 {
        withUnsafeBytes(of: memoryProperties.memoryTypes) { $0.bindMemory(to: VkMemoryType.self)[Int(index)].propertyFlags }
    }

    /// Records commands into a fresh command buffer, submits them and waits for completion.
    public func submitAndWait(_ record: (CommandRecorder) throws -> Void) throws {
        var allocateInfo = VkCommandBufferAllocateInfo()
        allocateInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        allocateInfo.commandPool = commandPool
        allocateInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        allocateInfo.commandBufferCount = 1
        var commandBuffer: VkCommandBuffer?
        try check(vkAllocateCommandBuffers(handle, &allocateInfo, &commandBuffer), "vkAllocateCommandBuffers")
        defer { vkFreeCommandBuffers(handle, commandPool, 1, &commandBuffer) }

        var begin = VkCommandBufferBeginInfo()
        begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        begin.flags = VkCommandBufferUsageFlags(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue)
        try check(vkBeginCommandBuffer(commandBuffer, &begin), "vkBeginCommandBuffer")
        try record(CommandRecorder(device: self, handle: commandBuffer!))
        try check(vkEndCommandBuffer(commandBuffer), "vkEndCommandBuffer")

        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var fence: VkFence?
        try check(vkCreateFence(handle, &fenceInfo, nil, &fence), "vkCreateFence")
        defer { vkDestroyFence(handle, fence, nil) }
        try withUnsafePointer(to: &commandBuffer) { pointer in
            var submit = VkSubmitInfo()
            submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
            submit.commandBufferCount = 1
            submit.pCommandBuffers = pointer
            try check(vkQueueSubmit(queue, 1, &submit, fence), "vkQueueSubmit")
        }
        try check(vkWaitForFences(handle, 1, &fence, VkBool32(VK_TRUE), UInt64.max), "vkWaitForFences")
    }
}
