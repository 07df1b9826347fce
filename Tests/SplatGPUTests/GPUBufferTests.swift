import XCTest
@testable import SplatCore
@testable import SplatGPU

/// GPUBuffer.init hands its buffer and memory over only when every step succeeded; before that a
/// PendingBufferMemory owns them and frees them when dropped. Binding and mapping cannot be made
/// to fail on a real driver, so these tests drop the owner after each step instead (what a throw
/// from the next step does) and let the validation layer's object tracker, which reports every
/// object still alive when its device is destroyed, say whether anything leaked.
final class GPUBufferTests: XCTestCase {
    /// Runs `body` on a fresh validated device, destroys the device, and returns every validation
    /// message (leaks are reported at vkDestroyDevice).
    func validationMessages(_ body: (GPUDevice) throws -> Void) throws -> [String] {
        guard VulkanInstance.availableLayers().contains(VulkanInstance.validationLayer) else {
            throw XCTSkip("\(VulkanInstance.validationLayer) is not installed: leaks cannot be seen")
        }
        let instance: VulkanInstance
        let physical: PhysicalDevice
        do {
            instance = try VulkanInstance(validation: true, echoValidation: false)
            physical = try PhysicalDevice.choose(from: try PhysicalDevice.enumerate(instance))
        } catch {
            throw XCTSkip("no Vulkan device: \(error)")
        }
        try body(try GPUDevice(instance: instance, physical: physical))
        return try XCTUnwrap(instance.validationLog).messages
    }

    func testAnOwnerDroppedAfterAnyStepLeaksNothing() throws {
        for steps in 0...2 {
            let messages = try validationMessages { device in
                let pending = try PendingBufferMemory(device: device, size: 4096, label: "test")
                if steps >= 1 { try pending.allocate(usage: .readback) }
                if steps >= 2 { XCTAssertNotNil(try pending.bindAndMap(), "lavapipe memory is host-visible") }
            }
            XCTAssertEqual(messages, [], "dropped after \(steps) step(s)")
        }
    }

    /// The detector works: handles released and never freed are reported (buffer and memory).
    func testReleasedHandlesThatNobodyFreesAreReported() throws {
        let messages = try validationMessages { device in
            let pending = try PendingBufferMemory(device: device, size: 4096, label: "test")
            try pending.allocate(usage: .storage)
            _ = try pending.bindAndMap()
            _ = pending.release()
        }
        let leaks = messages.filter { $0.contains("has not been destroyed") }
        XCTAssertEqual(leaks.count, 2, "\(messages)")
        XCTAssertTrue(leaks.contains { $0.contains("VkBuffer") }, "\(leaks)")
        XCTAssertTrue(leaks.contains { $0.contains("VkDeviceMemory") }, "\(leaks)")
    }

    /// A whole GPUBuffer frees both handles in deinit.
    func testABufferFreesItsHandles() throws {
        let messages = try validationMessages { device in
            let buffer = try GPUBuffer(device: device, size: 100, usage: .readback, label: "test")
            try buffer.upload([UInt32](0..<25))
            XCTAssertEqual(try buffer.read(UInt32.self, count: 25), [UInt32](0..<25))
        }
        XCTAssertEqual(messages, [])
    }
}
