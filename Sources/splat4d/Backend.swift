import ArgumentParser
import Foundation
import SplatCore
import SplatGPU

/// Which renderer draws: the Vulkan compute renderer, or the CPU reference.
enum Backend: String, ExpressibleByArgument, CaseIterable {
    case cpu, vulkan
}

extension Backend {
    /// The Vulkan renderer on the chosen device, or a one-line error naming the CPU fallback.
    static func openVulkan(device: String?) throws -> VulkanRasterizer {
        do {
            return try VulkanRasterizer(preference: device)
        } catch let error as VulkanError {
            throw UserError(noDeviceMessage("\(error)"))
        } catch let error as GPUError {
            throw UserError(noDeviceMessage(error.description))
        }
    }
}

extension Backend {
    /// The error when the Vulkan backend cannot start: always names the CPU fallback.
    static func noDeviceMessage(_ reason: String) -> String {
        let message = "cannot start the Vulkan backend: \(reason)"
        return message.contains("--backend cpu") ? message : message + "; use --backend cpu to render on the CPU"
    }
}

/// Checks that an output file can be created before any expensive work starts.
enum OutputPath {
    static func checkWritable(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UserError("\(path): the folder '\(folder)' does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw UserError("\(path): the folder '\(folder)' is not writable")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw UserError("\(path): is a directory")
        }
    }
}
