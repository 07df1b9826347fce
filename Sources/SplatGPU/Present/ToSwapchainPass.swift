/// The pass of Shaders/to_swapchain.comp: float RGBA → 8-bit pixels with the PNG quantisation,
/// in the swapchain's byte order. Records into a command buffer it is given.
final class ToSwapchainPass {
    /// Invocations per workgroup along x (the shader's local_size_x_id = 0).
    static let workgroupSize = Kernels.toSwapchain.workgroupSize.size.x
    let pipeline: ComputePipeline

    init(device: GPUDevice) throws {
        pipeline = try ComputePipeline(device: device, kernel: Kernels.toSwapchain)
    }

    /// `colour` holds width·height vec4s (row-major); `pixels` receives width·height packed words.
    func record(_ r: CommandRecorder, colour: BufferRange, pixels: BufferRange, width: Int, height: Int, order: SwapchainPixelOrder) throws {
        try r.dispatch(pipeline, [.colour: colour, .pixels: pixels],
                   push: ToSwapchainPush(imageSize: SIMD2(UInt32(width), UInt32(height)), swizzleBGRA: order == .bgra ? 1 : 0),
                   groups: (groups(width, ToSwapchainPass.workgroupSize), height, 1))
    }
}
