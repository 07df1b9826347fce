import CVulkan

/// What Splat4D needs to know about a Vulkan device, and whether it can use it.
public struct PhysicalDeviceInfo: Sendable {
    public enum Kind: String, Sendable {
        case discrete = "discrete GPU", integrated = "integrated GPU", virtual = "virtual GPU", cpu = "CPU", other = "other"

        /// Preference when choosing automatically: lower is better.
        var rank: Int {
            switch self {
            case .discrete: return 0
            case .integrated: return 1
            case .virtual: return 2
            case .cpu: return 3
            case .other: return 4
            }
        }
    }

    public var index: Int
    public var name: String
    public var kind: Kind
    public var driver: String
    public var apiVersion: String
    public var subgroupSize: Int
    public var maxStorageBufferRange: UInt64
    public var storageBufferOffsetAlignment: Int
    /// Texels one texel-buffer view may span (kernels fetch read-only data through them).
    public var maxTexelBufferElements: UInt64
    public var texelBufferOffsetAlignment: Int
    public var maxSharedMemory: Int
    public var maxWorkgroupInvocations: Int
    public var maxWorkgroupCountX: Int
    public var timestampPeriodNs: Double
    /// Queue family with compute, when one exists.
    public var computeQueueFamily: UInt32?
    public var timestampsSupported: Bool
    /// Why Splat4D cannot use this device; nil when it can.
    public var rejection: String?

    /// Where a window of a buffer bound at an offset may start: a multiple of this suits both
    /// storage buffers and texel-buffer views (both alignments are powers of two).
    public var bindingOffsetAlignment: Int { max(storageBufferOffsetAlignment, texelBufferOffsetAlignment, 1) }

    /// Bytes a binding that kernels may fetch as 16-byte texels can span: the storage limit, or
    /// the texel limit when that is lower (Vulkan's limit is a 32-bit count: no overflow).
    public var maxVectorTexelBytes: UInt64 { min(maxStorageBufferRange, maxTexelBufferElements * 16) }

    /// Needs of our shaders, checked before a device is chosen.
    static let requiredSharedMemory = 16 * 1024
    static let requiredInvocations = 256
}

/// A physical device handle with its description.
public struct PhysicalDevice {
    public let handle: VkPhysicalDevice
    public let info: PhysicalDeviceInfo

    /// Every device the instance sees, described, with rejection reasons filled in.
    public static func enumerate(_ instance: VulkanInstance) throws -> [PhysicalDevice] {
        var count: UInt32 = 0
        try check(vkEnumeratePhysicalDevices(instance.handle, &count, nil), "vkEnumeratePhysicalDevices")
        var handles = [VkPhysicalDevice?](repeating: nil, count: Int(count))
        try check(vkEnumeratePhysicalDevices(instance.handle, &count, &handles), "vkEnumeratePhysicalDevices")
        return handles.prefix(Int(count)).enumerated().compactMap { index, handle in
            handle.map { PhysicalDevice(handle: $0, info: describe($0, index: index)) }
        }
    }

    static func describe(_ device: VkPhysicalDevice, index: Int) -> PhysicalDeviceInfo {
        var subgroup = VkPhysicalDeviceSubgroupProperties()
        subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES
        var driver = VkPhysicalDeviceDriverProperties()
        driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
        var properties = VkPhysicalDeviceProperties2()
        properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
        withUnsafeMutablePointer(to: &subgroup) { subgroupPointer in
            withUnsafeMutablePointer(to: &driver) { driverPointer in
                subgroupPointer.pointee.pNext = UnsafeMutableRawPointer(driverPointer)
                properties.pNext = UnsafeMutableRawPointer(subgroupPointer)
                vkGetPhysicalDeviceProperties2(device, &properties)
                subgroupPointer.pointee.pNext = nil
            }
        }
        properties.pNext = nil
        let p = properties.properties
        let limits = p.limits
        let kind: PhysicalDeviceInfo.Kind
        switch p.deviceType {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: kind = .discrete
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: kind = .integrated
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: kind = .virtual
        case VK_PHYSICAL_DEVICE_TYPE_CPU: kind = .cpu
        default: kind = .other
        }

        var familyCount: UInt32 = 0
        vkGetPhysicalDeviceQueueFamilyProperties(device, &familyCount, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(familyCount))
        vkGetPhysicalDeviceQueueFamilyProperties(device, &familyCount, &families)
        let computeBit = UInt32(VK_QUEUE_COMPUTE_BIT.rawValue)
        let family = families.firstIndex { $0.queueFlags & computeBit != 0 && $0.queueCount > 0 }

        let major = splat_vk_api_version_major(p.apiVersion), minor = splat_vk_api_version_minor(p.apiVersion)
        let driverName = string(fromCArray: driver.driverName)
        let driverInfo = string(fromCArray: driver.driverInfo)
        var info = PhysicalDeviceInfo(
            index: index, name: string(fromCArray: p.deviceName), kind: kind,
            driver: driverInfo.isEmpty ? driverName : "\(driverName) (\(driverInfo))",
            apiVersion: "\(major).\(minor).\(splat_vk_api_version_patch(p.apiVersion))",
            subgroupSize: Int(subgroup.subgroupSize),
            maxStorageBufferRange: UInt64(limits.maxStorageBufferRange),
            storageBufferOffsetAlignment: Int(limits.minStorageBufferOffsetAlignment),
            maxTexelBufferElements: UInt64(limits.maxTexelBufferElements),
            texelBufferOffsetAlignment: Int(limits.minTexelBufferOffsetAlignment),
            maxSharedMemory: Int(limits.maxComputeSharedMemorySize),
            maxWorkgroupInvocations: Int(limits.maxComputeWorkGroupInvocations),
            maxWorkgroupCountX: Int(limits.maxComputeWorkGroupCount.0),
            timestampPeriodNs: Double(limits.timestampPeriod),
            computeQueueFamily: family.map(UInt32.init),
            timestampsSupported: family.map { families[$0].timestampValidBits > 0 } ?? false,
            rejection: nil)
        if major < 1 || (major == 1 && minor < 2) {
            info.rejection = "Vulkan \(major).\(minor) is older than the 1.2 our shaders need"
        } else if family == nil {
            info.rejection = "no queue family supports compute"
        } else if info.maxSharedMemory < PhysicalDeviceInfo.requiredSharedMemory {
            info.rejection = "\(info.maxSharedMemory) bytes of shared memory, fewer than the \(PhysicalDeviceInfo.requiredSharedMemory) needed"
        } else if info.maxWorkgroupInvocations < PhysicalDeviceInfo.requiredInvocations {
            info.rejection = "workgroups of \(info.maxWorkgroupInvocations) invocations, fewer than the \(PhysicalDeviceInfo.requiredInvocations) needed"
        } else if let format = TexelFormat.allCases.first(where: { !supportsUniformTexels(device, $0) }) {
            info.rejection = "no uniform texel buffers of \(format.rawValue) texels"
        }
        return info
    }

    /// Whether kernels can fetch `format` texels from a buffer view (required by Vulkan for the
    /// formats we use; checked so that a device without them is rejected with a reason).
    static func supportsUniformTexels(_ device: VkPhysicalDevice, _ format: TexelFormat) -> Bool {
        var properties = VkFormatProperties()
        vkGetPhysicalDeviceFormatProperties(device, format.vulkanFormat, &properties)
        return properties.bufferFeatures & UInt32(VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT.rawValue) != 0
    }

    /// Chooses a device: by index or name substring when given, else the first usable one in the
    /// order discrete, integrated, virtual, CPU.
    public static func choose(from devices: [PhysicalDevice], preference: String? = nil) throws -> PhysicalDevice {
        if devices.isEmpty {
            throw GPUError("no Vulkan device found (Debian: apt-get install mesa-vulkan-drivers for lavapipe)")
        }
        if let preference, !preference.isEmpty {
            let matches: [PhysicalDevice]
            if let index = Int(preference) {
                matches = devices.filter { $0.info.index == index }
            } else {
                matches = devices.filter { $0.info.name.lowercased().contains(preference.lowercased()) }
            }
            guard let device = matches.first else {
                let present = devices.map { "\($0.info.index): \($0.info.name)" }.joined(separator: ", ")
                throw GPUError("no Vulkan device matches '\(preference)' (by index or name); the devices are \(present)")
            }
            if let reason = device.info.rejection {
                throw GPUError("Vulkan device \(device.info.index) (\(device.info.name)) cannot be used: \(reason)")
            }
            return device
        }
        let usable = devices.filter { $0.info.rejection == nil }
        guard let best = usable.min(by: { ($0.info.kind.rank, $0.info.index) < ($1.info.kind.rank, $1.info.index) }) else {
            let reasons = devices.map { "\($0.info.name): \($0.info.rejection ?? "")" }.joined(separator: "; ")
            throw GPUError("no usable Vulkan device (\(reasons))")
        }
        return best
    }
}
