import Foundation
import SplatGPU
import XCTest

/// One Vulkan device for a whole test run (creating a device and compiling the pipelines is slow on
/// lavapipe), with the Khronos validation layer on whenever it is installed.
public final class VulkanTestContext {
    public let device: GPUDevice
    public let rasterizer: VulkanRasterizer

    init() throws {
        let validation = VulkanInstance.availableLayers().contains(VulkanInstance.validationLayer)
        if !validation {
            print("Vulkan tests: \(VulkanInstance.validationLayer) is not installed; validation checks are off "
                  + "(Debian: apt-get install vulkan-validationlayers)")
        }
        device = try GPUDevice(validation: validation, echoValidation: false)
        rasterizer = try VulkanRasterizer(device: device)
        print("Vulkan tests: \(device.info.name), \(device.info.driver), validation \(validation ? "on" : "off")")
    }

    /// Created on first use; a failure is remembered so every test skips with the same reason.
    nonisolated(unsafe) private static var cached: Result<VulkanTestContext, Error>?

    public static func shared() -> Result<VulkanTestContext, Error> {
        if let cached { return cached }
        let result = Result { try VulkanTestContext() }
        cached = result
        return result
    }
}

/// Base of every test that needs a Vulkan device: skips (saying why) without one, and fails a
/// test during which the validation layer reported anything.
open class VulkanTestCase: XCTestCase {
    public private(set) var gpu: VulkanTestContext!
    private var validationMessagesBefore = 0

    public var device: GPUDevice { gpu.device }
    public var rasterizer: VulkanRasterizer { gpu.rasterizer }

    open override func setUpWithError() throws {
        try super.setUpWithError()
        switch VulkanTestContext.shared() {
        case .failure(let error):
            throw XCTSkip("no Vulkan device: \(error)")
        case .success(let context):
            gpu = context
            validationMessagesBefore = context.device.instance.validationLog?.messages.count ?? 0
        }
    }

    open override func tearDownWithError() throws {
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
    public func assertNoValidationMessages(_ log: ValidationLog?, _ what: String, file: StaticString = #filePath,
                                           line: UInt = #line) {
        guard let messages = log?.messages, !messages.isEmpty else { return }
        for m in messages { print("validation (\(what)): \(m)") }
        XCTFail("\(what): the validation layer reported \(messages.count) message(s); the first: \(messages[0])",
                file: file, line: line)
    }
}
