import CVulkan
import Foundation
import SplatCore

/// A failed Vulkan call, carrying the VkResult and the call that returned it. Every failing call
/// means the device cannot do the work (no driver, out of memory, lost): `.deviceUnavailable`.
public struct VulkanError: SplatError, Equatable {
    public var call: String
    public var result: Int32
    /// What the user can do about it, when we know.
    public var hint: String?

    public init(call: String, result: VkResult, hint: String? = nil) {
        self.call = call
        self.result = result.rawValue
        self.hint = hint
    }

    public var kind: ErrorKind { .deviceUnavailable }

    public var description: String {
        let base = "Vulkan call \(call) failed with \(VulkanError.name(of: result)) (\(result))"
        return hint.map { "\(base); \($0)" } ?? base
    }

    static func name(of result: Int32) -> String {
        switch result {
        case VK_ERROR_OUT_OF_HOST_MEMORY.rawValue: return "VK_ERROR_OUT_OF_HOST_MEMORY"
        case VK_ERROR_OUT_OF_DEVICE_MEMORY.rawValue: return "VK_ERROR_OUT_OF_DEVICE_MEMORY"
        case VK_ERROR_INITIALIZATION_FAILED.rawValue: return "VK_ERROR_INITIALIZATION_FAILED"
        case VK_ERROR_DEVICE_LOST.rawValue: return "VK_ERROR_DEVICE_LOST"
        case VK_ERROR_MEMORY_MAP_FAILED.rawValue: return "VK_ERROR_MEMORY_MAP_FAILED"
        case VK_ERROR_LAYER_NOT_PRESENT.rawValue: return "VK_ERROR_LAYER_NOT_PRESENT"
        case VK_ERROR_EXTENSION_NOT_PRESENT.rawValue: return "VK_ERROR_EXTENSION_NOT_PRESENT"
        case VK_ERROR_FEATURE_NOT_PRESENT.rawValue: return "VK_ERROR_FEATURE_NOT_PRESENT"
        case VK_ERROR_INCOMPATIBLE_DRIVER.rawValue: return "VK_ERROR_INCOMPATIBLE_DRIVER"
        case VK_ERROR_TOO_MANY_OBJECTS.rawValue: return "VK_ERROR_TOO_MANY_OBJECTS"
        case VK_ERROR_OUT_OF_POOL_MEMORY.rawValue: return "VK_ERROR_OUT_OF_POOL_MEMORY"
        case VK_TIMEOUT.rawValue: return "VK_TIMEOUT"
        default: return "VkResult"
        }
    }
}

/// Throws a VulkanError unless `result` is VK_SUCCESS.
@inline(__always)
func check(_ result: VkResult, _ call: @autoclosure () -> String) throws {
    guard result == VK_SUCCESS else { throw VulkanError(call: call(), result: result) }
}

/// A problem that is not a failing call: no device, a missing feature, a scene too large for the
/// device (`.deviceUnavailable`), or a request the GPU objects cannot serve (`.badOption`).
public struct GPUError: SplatError, Equatable {
    public var kind: ErrorKind
    public var description: String
    public init(_ description: String, kind: ErrorKind = .deviceUnavailable) {
        self.kind = kind
        self.description = description
    }
}

/// Runs `body` with the strings as an array of C string pointers (for layer and extension names).
func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) throws -> R) rethrows -> R {
    let pointers = strings.map { UnsafePointer(strdup($0)) }
    defer { pointers.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return try body(pointers)
}

/// A fixed-size C char array (a Vulkan name field) as a String.
func string<T>(fromCArray tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}
