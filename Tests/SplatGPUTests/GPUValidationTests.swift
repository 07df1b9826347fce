import XCTest
@testable import SplatCore
@testable import SplatGPU
import SplatTestSupport

/// The validation harness itself: the layer is live (a deliberate misuse is reported), and a
/// renderer's whole life, teardown included, reports nothing.
final class GPUValidationTests: GPUTestCase {
    /// A private device with its own log, so the shared one stays clean.
    func makeDevice() throws -> GPUDevice {
        try GPUDevice(validation: device.instance.validationLog != nil, echoValidation: false)
    }

    func testValidationLayerReportsMisuse() throws {
        guard device.instance.validationLog != nil else {
            throw XCTSkip("\(VulkanInstance.validationLayer) is not installed: validation checks are off")
        }
        let own = try makeDevice()
        let buffer = try GPUBuffer(device: own, size: 64, usage: .storage, label: "misused")
        // vkCmdFillBuffer needs a dstOffset that is a multiple of 4 (VUID-vkCmdFillBuffer-dstOffset-00025).
        try own.submitAndWait { $0.fill(buffer, value: 0, offset: 2, size: 8) }
        let messages = own.instance.validationLog?.messages ?? []
        XCTAssertFalse(messages.isEmpty, "the validation layer did not report an unaligned vkCmdFillBuffer")
        XCTAssertTrue(messages.contains { $0.contains("dstOffset") }, "\(messages)")
    }

    /// Upload, render twice (buffers grow), render a smaller frame, then free everything: the
    /// layer reports nothing, not even when the device is destroyed (objects left alive).
    func testRendererLifetimeIsClean() throws {
        var log: ValidationLog?
        try {
            let own = try makeDevice()
            log = own.instance.validationLog
            let r = try VulkanRasterizer(device: own)
            let camera = Fixtures.camera(width: 40, height: 30)
            let small = Fixtures.randomCloud(count: 50, degree: 1, seed: 1, camera: camera)
            let large = Fixtures.randomCloud(count: 900, degree: 1, seed: 2, camera: camera)
            _ = try r.render(small, camera: camera, settings: RenderSettings())
            let scene = try r.upload(large)
            _ = try r.render(scene, camera: Fixtures.camera(width: 90, height: 70), settings: RenderSettings())
            _ = try r.render(small, camera: camera, settings: RenderSettings())
            _ = try r.render(.empty, camera: camera, settings: RenderSettings())
        }()
        assertNoValidationMessages(log, "renderer lifetime")
    }
}
