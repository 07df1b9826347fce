import CVulkan
import XCTest
import SplatCore
import SplatGPU

/// The swapchain's choices, and the to_swapchain shader against the PNG quantisation. None of
/// this needs a display.
final class PresentationTests: XCTestCase {
    func testFormatPrefersUNORMAndReportsTheByteOrder() {
        func f(_ format: VkFormat) -> VkSurfaceFormatKHR { VkSurfaceFormatKHR(format: format, colorSpace: VK_COLOR_SPACE_SRGB_NONLINEAR_KHR) }
        // lavapipe under Xvfb offers B8G8R8A8_SRGB first, then B8G8R8A8_UNORM.
        let lavapipe = SwapchainChoice.format(from: [f(VK_FORMAT_B8G8R8A8_SRGB), f(VK_FORMAT_B8G8R8A8_UNORM)])
        XCTAssertEqual(lavapipe?.0.format, VK_FORMAT_B8G8R8A8_UNORM)
        XCTAssertEqual(lavapipe?.1, .bgra)
        XCTAssertEqual(SwapchainChoice.format(from: [f(VK_FORMAT_R8G8B8A8_UNORM), f(VK_FORMAT_B8G8R8A8_SRGB)])?.1, .rgba)
        XCTAssertEqual(SwapchainChoice.format(from: [f(VK_FORMAT_R8G8B8A8_SRGB)])?.0.format, VK_FORMAT_R8G8B8A8_SRGB)
        XCTAssertNil(SwapchainChoice.format(from: [f(VK_FORMAT_A2B10G10R10_UNORM_PACK32)]))
    }

    func testPresentModeFollowsVsync() {
        let all = [VK_PRESENT_MODE_IMMEDIATE_KHR, VK_PRESENT_MODE_MAILBOX_KHR, VK_PRESENT_MODE_FIFO_KHR]
        XCTAssertEqual(SwapchainChoice.presentMode(from: all, vsync: true), VK_PRESENT_MODE_FIFO_KHR)
        XCTAssertEqual(SwapchainChoice.presentMode(from: all, vsync: false), VK_PRESENT_MODE_IMMEDIATE_KHR)
        XCTAssertEqual(SwapchainChoice.presentMode(from: [VK_PRESENT_MODE_MAILBOX_KHR, VK_PRESENT_MODE_FIFO_KHR], vsync: false),
                       VK_PRESENT_MODE_MAILBOX_KHR)
        XCTAssertEqual(SwapchainChoice.presentMode(from: [VK_PRESENT_MODE_FIFO_KHR], vsync: false), VK_PRESENT_MODE_FIFO_KHR)
    }

    func testExtentAndImageCount() {
        let any = (UInt32.max, UInt32.max)
        XCTAssertTrue(SwapchainChoice.extent(current: (640, 480), minimum: (1, 1), maximum: (4096, 4096), framebuffer: (10, 10))! == (640, 480))
        XCTAssertTrue(SwapchainChoice.extent(current: any, minimum: (1, 1), maximum: (300, 300), framebuffer: (320, 240))! == (300, 240))
        XCTAssertNil(SwapchainChoice.extent(current: (0, 0), minimum: (0, 0), maximum: (4096, 4096), framebuffer: (0, 0)))  // minimised
        XCTAssertNil(SwapchainChoice.extent(current: any, minimum: (0, 0), maximum: (4096, 4096), framebuffer: (0, 100)))
        XCTAssertEqual(SwapchainChoice.imageCount(minimum: 3, maximum: 0), 4)
        XCTAssertEqual(SwapchainChoice.imageCount(minimum: 2, maximum: 2), 2)
    }

    func testPackedPixelsToRGB() {
        let word: UInt32 = 0xff_30_20_10  // bytes 0x10, 0x20, 0x30, 0xff
        XCTAssertEqual(SwapchainPresenter.rgb(fromPacked: [word], order: .rgba), [0x10, 0x20, 0x30])
        XCTAssertEqual(SwapchainPresenter.rgb(fromPacked: [word], order: .bgra), [0x30, 0x20, 0x10])
    }

    /// to_swapchain.comp must quantise exactly as every PNG is written (Image.quantized8), on
    /// the values where rounding is decided: every k/255 and (k + ½)/255 with their neighbours,
    /// out-of-range values, infinities and NaN.
    func testShaderQuantisationEqualsThePNGRule() throws {
        let validation = VulkanInstance.availableLayers().contains(VulkanInstance.validationLayer)
        let device: GPUDevice
        do {
            device = try GPUDevice(validation: validation, echoValidation: false)
        } catch {
            throw XCTSkip("no Vulkan device: \(error)")
        }
        let presenter = try SwapchainPresenter(device: device)
        var values: [Float] = [-1, -0, 0, 1, 2, .infinity, -.infinity, .nan, 0.5, 1e-9, 0.999999]
        for k in 0...255 {
            for v in [Float(k) / 255, (Float(k) + 0.5) / 255] {
                values += [v, v.nextDown, v.nextUp]
            }
        }
        while values.count % 3 != 0 { values.append(0.25) }
        // Pixels of three values each (alpha varies too but is ignored: the window is opaque).
        let colours = stride(from: 0, to: values.count, by: 3).map { SIMD4(values[$0], values[$0 + 1], values[$0 + 2], 0.3) }
        let width = 37, height = (colours.count + width - 1) / width
        let padded = colours + Array(repeating: SIMD4<Float>(0, 0, 0, 0), count: width * height - colours.count)
        let expected = Image(width: width, height: height, channels: 3,
                             pixels: padded.flatMap { [$0.x, $0.y, $0.z] }).quantized8()
        for order in [SwapchainPixelOrder.rgba, .bgra] {
            let words = try presenter.quantize(padded, width: width, height: height, order: order)
            XCTAssertEqual(SwapchainPresenter.rgb(fromPacked: words, order: order), expected, "\(order)")
            XCTAssert(words.allSatisfy { $0 >> 24 == 255 }, "alpha must be opaque")
        }
        if let messages = device.instance.validationLog?.messages, !messages.isEmpty {
            XCTFail("validation: \(messages)")
        }
    }
}
