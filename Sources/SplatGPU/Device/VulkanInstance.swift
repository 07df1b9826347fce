import CVulkan
import Foundation

/// Messages from the Khronos validation layer, collected so tests can fail on any of them.
public final class ValidationLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []
    /// Print each message to stderr as it arrives (the CLI), or only collect it (tests).
    let echo: Bool

    init(echo: Bool) { self.echo = echo }

    func append(_ message: String) {
        lock.lock()
        entries.append(message)
        lock.unlock()
        if echo { FileHandle.standardError.write(Data("splat4d: validation: \(message)\n".utf8)) }
    }

    public var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }
}

/// The Vulkan instance, with the validation layer and a debug messenger when asked for.
public final class VulkanInstance {
    public let handle: VkInstance
    /// Present when validation is on; nil otherwise.
    public let validationLog: ValidationLog?
    private var messenger: VkDebugUtilsMessengerEXT?

    public static let validationLayer = "VK_LAYER_KHRONOS_validation"

    /// Whether validation was requested through the environment (SPLAT4D_VALIDATION=1).
    public static var validationRequested: Bool {
        ProcessInfo.processInfo.environment["SPLAT4D_VALIDATION"] == "1"
    }

    /// - Parameters:
    ///   - validation: enable VK_LAYER_KHRONOS_validation and collect its messages; fails if the
    ///     layer is not installed.
    ///   - echoValidation: print validation messages to stderr as they arrive.
    public init(validation: Bool = VulkanInstance.validationRequested, echoValidation: Bool = true,
                extensions extraExtensions: [String] = []) throws {
        let availableLayers = VulkanInstance.availableLayers()
        if validation, !availableLayers.contains(VulkanInstance.validationLayer) {
            throw GPUError("validation was requested but \(VulkanInstance.validationLayer) is not installed (Debian: apt-get install vulkan-validationlayers)")
        }
        let layers = validation ? [VulkanInstance.validationLayer] : []
        let availableExtensions = VulkanInstance.availableExtensions()
        var extensions = extraExtensions
        let debugUtils = validation && availableExtensions.contains("VK_EXT_debug_utils")
        if debugUtils { extensions.append("VK_EXT_debug_utils") }

        var created: VkInstance?
        let result: VkResult = "Splat4D".withCString { appName in
            withCStrings(layers) { layerNames in
                withCStrings(extensions) { extensionNames in
                    var app = VkApplicationInfo()
                    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
                    app.pApplicationName = appName
                    app.pEngineName = appName
                    app.apiVersion = SPLAT_VK_API_VERSION_1_2
                    return withUnsafePointer(to: &app) { appPointer in
                        layerNames.withUnsafeBufferPointer { layerBuffer in
                            extensionNames.withUnsafeBufferPointer { extensionBuffer in
                                var info = VkInstanceCreateInfo()
                                info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                                info.pApplicationInfo = appPointer
                                info.enabledLayerCount = UInt32(layers.count)
                                info.ppEnabledLayerNames = layerBuffer.baseAddress
                                info.enabledExtensionCount = UInt32(extensions.count)
                                info.ppEnabledExtensionNames = extensionBuffer.baseAddress
                                return vkCreateInstance(&info, nil, &created)
                            }
                        }
                    }
                }
            }
        }
        guard result == VK_SUCCESS, let instance = created else {
            throw VulkanError(call: "vkCreateInstance", result: result,
                              hint: result == VK_ERROR_INCOMPATIBLE_DRIVER
                                ? "no Vulkan driver is installed (Debian: apt-get install mesa-vulkan-drivers)"
                                : nil)
        }
        handle = instance
        if validation {
            let log = ValidationLog(echo: echoValidation)
            validationLog = log
            if debugUtils { messenger = try VulkanInstance.makeMessenger(instance: instance, log: log) }
        } else {
            validationLog = nil
        }
    }

    deinit {
        if let messenger, let destroy = instanceFunction(handle, "vkDestroyDebugUtilsMessengerEXT", as: PFN_vkDestroyDebugUtilsMessengerEXT.self) {
            destroy(handle, messenger, nil)
        }
        vkDestroyInstance(handle, nil)
    }

    public static func availableLayers() -> Set<String> {
        var count: UInt32 = 0
        guard vkEnumerateInstanceLayerProperties(&count, nil) == VK_SUCCESS, count > 0 else { return [] }
        var properties = [VkLayerProperties](repeating: VkLayerProperties(), count: Int(count))
        guard vkEnumerateInstanceLayerProperties(&count, &properties) == VK_SUCCESS else { return [] }
        return Set(properties.prefix(Int(count)).map { string(fromCArray: $0.layerName) })
    }

    public static func availableExtensions() -> Set<String> {
        var count: UInt32 = 0
        guard vkEnumerateInstanceExtensionProperties(nil, &count, nil) == VK_SUCCESS, count > 0 else { return [] }
        var properties = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(count))
        guard vkEnumerateInstanceExtensionProperties(nil, &count, &properties) == VK_SUCCESS else { return [] }
        return Set(properties.prefix(Int(count)).map { string(fromCArray: $0.extensionName) })
    }

    private static func makeMessenger(instance: VkInstance, log: ValidationLog) throws -> VkDebugUtilsMessengerEXT? {
        guard let create = instanceFunction(instance, "vkCreateDebugUtilsMessengerEXT", as: PFN_vkCreateDebugUtilsMessengerEXT.self) else {
            return nil
        }
        var info = VkDebugUtilsMessengerCreateInfoEXT()
        info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT
        info.messageSeverity = VkDebugUtilsMessageSeverityFlagsEXT(VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT.rawValue
                                                                   | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue)
        info.messageType = VkDebugUtilsMessageTypeFlagsEXT(VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT.rawValue
                                                           | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT.rawValue
                                                           | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT.rawValue)
        info.pfnUserCallback = { _, _, data, userData in
            guard let userData, let data else { return VkBool32(VK_FALSE) }
            let log = Unmanaged<ValidationLog>.fromOpaque(userData).takeUnretainedValue()
            log.append(data.pointee.pMessage.map { String(cString: $0) } ?? "(no message)")
            return VkBool32(VK_FALSE)
        }
        // The log lives as long as the instance, which owns it through validationLog.
        info.pUserData = Unmanaged.passUnretained(log).toOpaque()
        var messenger: VkDebugUtilsMessengerEXT?
        try check(create(instance, &info, nil, &messenger), "vkCreateDebugUtilsMessengerEXT")
        return messenger
    }
}

/// Looks up an instance-level extension function.
func instanceFunction<F>(_ instance: VkInstance, _ name: String, as type: F.Type) -> F? {
    guard let pointer = vkGetInstanceProcAddr(instance, name) else { return nil }
    return unsafeBitCast(pointer, to: type)
}
