import SplatTestSupport
import XCTest
@testable import SplatGPU

/// Base of the SplatGPU tests: the shared Vulkan test case plus a stage probe, which needs
/// SplatGPU's internals (its pipelines) and so lives in this target. One probe per test run.
class GPUTestCase: VulkanTestCase {
    private(set) var probe: GPUStageProbe!

    override func setUpWithError() throws {
        try super.setUpWithError()
        probe = try Self.sharedProbe(for: gpu)
    }

    /// Runs `body` on a device that reports `maxRange` bytes per storage binding and, when given,
    /// `maxTexels` texels per texel-buffer view (the driver and the validation layer still see
    /// the real limits), then fails the
    /// test if the validation layer said anything, including while the device was destroyed.
    func withLimitedDevice(maxRange: UInt64, maxTexels: UInt64? = nil, _ body: (GPUDevice) throws -> Void) throws {
        var log: ValidationLog?
        try {
            let instance = try VulkanInstance(validation: device.instance.validationLog != nil, echoValidation: false)
            log = instance.validationLog
            let real = try PhysicalDevice.choose(from: PhysicalDevice.enumerate(instance))
            var info = real.info
            info.maxStorageBufferRange = maxRange
            if let maxTexels { info.maxTexelBufferElements = maxTexels }
            let limited = try GPUDevice(instance: instance, physical: PhysicalDevice(handle: real.handle, info: info))
            XCTAssertEqual(limited.info.maxStorageBufferRange, maxRange)
            try body(limited)
        }()
        assertNoValidationMessages(log, "limited device")
    }

    nonisolated(unsafe) private static var cachedProbe: GPUStageProbe?

    private static func sharedProbe(for context: VulkanTestContext) throws -> GPUStageProbe {
        if let cachedProbe { return cachedProbe }
        let probe = try GPUStageProbe(device: context.device, pipelines: context.rasterizer.pipelines)
        cachedProbe = probe
        return probe
    }
}
