import CVulkan
import XCTest
@testable import SplatCore
@testable import SplatGPU

/// SplatGPU's errors are SplatErrors: a kind the front end acts on, and a message in library
/// terms (no command-line flags; the CLI adds its own hint from the kind).
final class GPUErrorTests: XCTestCase {
    func assertLibraryTerms(_ error: Error, kind: ErrorKind, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = error as? SplatError else { return XCTFail("\(error) is not a SplatError", file: file, line: line) }
        XCTAssertEqual(error.kind, kind, file: file, line: line)
        XCTAssertTrue(error.description.contains(contains), error.description, file: file, line: line)
        XCTAssertFalse(error.description.contains("--"), "names a flag: \(error.description)", file: file, line: line)
        XCTAssertFalse(error.description.contains("splat4d"), "names the CLI: \(error.description)", file: file, line: line)
    }

    func testNoDeviceIsDeviceUnavailable() {
        XCTAssertThrowsError(try PhysicalDevice.choose(from: [])) {
            assertLibraryTerms($0, kind: .deviceUnavailable, contains: "no Vulkan device found")
        }
    }

    func testAnUnmatchedPreferenceListsTheDevices() throws {
        let instance: VulkanInstance
        let devices: [PhysicalDevice]
        do {
            instance = try VulkanInstance(validation: false)
            devices = try PhysicalDevice.enumerate(instance)
        } catch { throw XCTSkip("no Vulkan loader: \(error)") }
        guard let first = devices.first else { throw XCTSkip("no Vulkan device") }
        XCTAssertThrowsError(try PhysicalDevice.choose(from: devices, preference: "no such device")) {
            assertLibraryTerms($0, kind: .deviceUnavailable, contains: "0: \(first.info.name)")
        }
        withExtendedLifetime(instance) {}
    }

    func testEveryFailedVulkanCallIsDeviceUnavailable() {
        let error = VulkanError(call: "vkAllocateMemory", result: VK_ERROR_OUT_OF_DEVICE_MEMORY, hint: "render on the CPU")
        assertLibraryTerms(error, kind: .deviceUnavailable, contains: "vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY")
    }

    func testGPUErrorKinds() {
        XCTAssertEqual(GPUError("x").kind, .deviceUnavailable)
        XCTAssertEqual(GPUError("x", kind: .badOption).kind, .badOption)
    }
}
