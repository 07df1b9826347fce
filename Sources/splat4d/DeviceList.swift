import Foundation
import SplatGPU

/// `splat4d info --devices`: every Vulkan device with what matters to Splat4D.
enum DeviceList {
    static func print(json: Bool) throws {
        let devices: [PhysicalDevice]
        let chosen: PhysicalDevice?
        do {
            let instance = try VulkanInstance(validation: false)
            devices = try PhysicalDevice.enumerate(instance)
            chosen = try? PhysicalDevice.choose(from: devices)
        } catch {
            throw UserError("cannot list Vulkan devices: \(error)")
        }
        if json {
            let list: [[String: Any]] = devices.map { d in
                let i = d.info
                return ["index": i.index, "name": i.name, "type": i.kind.rawValue, "driver": i.driver, "api": i.apiVersion,
                        "subgroup_size": i.subgroupSize, "max_storage_buffer_range": i.maxStorageBufferRange,
                        "max_texel_buffer_elements": i.maxTexelBufferElements,
                        "max_shared_memory": i.maxSharedMemory, "max_workgroup_invocations": i.maxWorkgroupInvocations,
                        "timestamps": i.timestampsSupported, "rejected": i.rejection ?? NSNull(),
                        "default": chosen?.info.index == i.index]
            }
            let data = try JSONSerialization.data(withJSONObject: ["devices": list], options: [.sortedKeys, .prettyPrinted])
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        if devices.isEmpty { Swift.print("no Vulkan devices (install mesa-vulkan-drivers for lavapipe)") }
        for d in devices {
            let i = d.info
            let mark = chosen?.info.index == i.index ? " (default)" : ""
            Swift.print("device \(i.index): \(i.name)\(mark)")
            Swift.print("  type \(i.kind.rawValue), Vulkan \(i.apiVersion), driver \(i.driver)")
            Swift.print("  subgroup size \(i.subgroupSize), shared memory \(i.maxSharedMemory / 1024) KiB, workgroup ≤ \(i.maxWorkgroupInvocations) invocations")
            Swift.print("  storage binding ≤ \(i.maxStorageBufferRange >> 20) MiB, texel buffer ≤ \(i.maxTexelBufferElements) texels, "
                        + "timestamps \(i.timestampsSupported ? "yes" : "no")")
            Swift.print("  " + (i.rejection.map { "rejected: \($0)" } ?? "usable"))
        }
    }
}
