import Foundation
import XCTest
@testable import SplatCore
@testable import SplatGPU

/// One Vulkan device for the whole suite (creating a device and compiling the pipelines is slow on
/// lavapipe), with the Khronos validation layer on whenever it is installed.
final class GPUTestContext {
    let device: GPUDevice
    let rasterizer: VulkanRasterizer
    let probe: GPUStageProbe

    init() throws {
        let validation = VulkanInstance.availableLayers().contains(VulkanInstance.validationLayer)
        if !validation {
            print("SplatGPUTests: \(VulkanInstance.validationLayer) is not installed; validation checks are off "
                  + "(Debian: apt-get install vulkan-validationlayers)")
        }
        device = try GPUDevice(validation: validation, echoValidation: false)
        rasterizer = try VulkanRasterizer(device: device)
        probe = try GPUStageProbe(device: device, pipelines: rasterizer.pipelines)
        print("SplatGPUTests: \(device.info.name), \(device.info.driver), validation \(validation ? "on" : "off")")
    }

    /// Created on first use; a failure is remembered so every test skips with the same reason.
    nonisolated(unsafe) private static var cached: Result<GPUTestContext, Error>?

    static func shared() -> Result<GPUTestContext, Error> {
        if let cached { return cached }
        let result = Result { try GPUTestContext() }
        cached = result
        return result
    }
}

/// Base of every GPU test: skips without a Vulkan device, and fails a test during which the
/// validation layer reported anything.
class GPUTestCase: XCTestCase {
    private(set) var gpu: GPUTestContext!
    private var validationMessagesBefore = 0

    var device: GPUDevice { gpu.device }
    var rasterizer: VulkanRasterizer { gpu.rasterizer }
    var probe: GPUStageProbe { gpu.probe }

    override func setUpWithError() throws {
        try super.setUpWithError()
        switch GPUTestContext.shared() {
        case .failure(let error):
            throw XCTSkip("no Vulkan device: \(error)")
        case .success(let context):
            gpu = context
            validationMessagesBefore = context.device.instance.validationLog?.messages.count ?? 0
        }
    }

    override func tearDownWithError() throws {
        if let log = gpu?.device.instance.validationLog {
            let messages = log.messages.dropFirst(validationMessagesBefore)
            if !messages.isEmpty {
                for m in messages { print("validation: \(m)") }
                XCTFail("the validation layer reported \(messages.count) message(s); the first: \(messages.first!)")
            }
        }
        gpu = nil
        try super.tearDownWithError()
    }

    /// Fails the test with the validation messages that `log` collected, if any.
    func assertNoValidationMessages(_ log: ValidationLog?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let messages = log?.messages, !messages.isEmpty else { return }
        for m in messages { print("validation (\(what)): \(m)") }
        XCTFail("\(what): the validation layer reported \(messages.count) message(s); the first: \(messages[0])",
                file: file, line: line)
    }
}
