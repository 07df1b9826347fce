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

    nonisolated(unsafe) private static var cachedProbe: GPUStageProbe?

    private static func sharedProbe(for context: VulkanTestContext) throws -> GPUStageProbe {
        if let cachedProbe { return cachedProbe }
        let probe = try GPUStageProbe(device: context.device, pipelines: context.rasterizer.pipelines)
        cachedProbe = probe
        return probe
    }
}
