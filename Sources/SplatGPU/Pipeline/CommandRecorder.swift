import CVulkan

/// Records into a command buffer it is given: dispatches with pushed descriptors and constants,
/// barriers, copies and timestamps.
public struct CommandRecorder {
    public let device: GPUDevice
    let handle: VkCommandBuffer

    /// Binds `pipeline`, pushes each buffer to the binding of its role (texel-buffer bindings
    /// through a view of the range) and the push constants, dispatches. Every binding of the kernel
    /// must be given, except optional ones (the placeholder fills those); a role the kernel does
    /// not have is a programming error. Throws when a texel view cannot be made.
    func dispatch<P>(_ pipeline: ComputePipeline, _ buffers: [BufferRole: BufferRange], push: P, groups: (Int, Int, Int)) throws {
        guard groups.0 > 0, groups.1 > 0, groups.2 > 0 else { return }
        try bind(pipeline, buffers, push: push)
        vkCmdDispatch(handle, UInt32(groups.0), UInt32(groups.1), UInt32(groups.2))
    }

    /// `dispatch` with the workgroup counts a kernel wrote: the VkDispatchIndirectCommand at the
    /// start of `arguments` (made visible to the indirect read by `barrier`).
    func dispatchIndirect<P>(_ pipeline: ComputePipeline, _ buffers: [BufferRole: BufferRange], push: P,
                             arguments: BufferRange) throws {
        try bind(pipeline, buffers, push: push)
        vkCmdDispatchIndirect(handle, arguments.buffer.handle, VkDeviceSize(arguments.offset))
    }

    private func bind<P>(_ pipeline: ComputePipeline, _ buffers: [BufferRole: BufferRange], push: P) throws {
        let kernel = pipeline.kernel
        precondition(MemoryLayout<P>.size == kernel.pushConstantSize, "\(kernel.name): push constant size mismatch")
        precondition(buffers.keys.allSatisfy { kernel.binding($0) != nil },
                     "\(kernel.name) has no binding for \(buffers.keys.filter { kernel.binding($0) == nil })")
        vkCmdBindPipeline(handle, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle)
        let ranges = kernel.bindings.map { binding -> BufferRange in
            precondition(binding.kind != .storageImage, "\(kernel.name): images are not bound by buffer dispatches")
            guard let range = buffers[binding.role] ?? (binding.optional ? pipeline.placeholder.map { BufferRange($0) } : nil) else {
                preconditionFailure("\(kernel.name): no buffer for binding \(binding.index) (\(binding.role))")
            }
            return range
        }
        var infos = ranges.map {
            VkDescriptorBufferInfo(buffer: $0.buffer.handle, offset: VkDeviceSize($0.offset), range: VkDeviceSize(max(4, $0.size)))
        }
        var views = try zip(kernel.bindings, ranges).map { binding, range -> VkBufferView? in
            guard let format = binding.kind.texelFormat else { return nil }
            return try range.buffer.texelView(offset: range.offset, size: range.size, format: format)
        }
        infos.withUnsafeMutableBufferPointer { infoBuffer in
            views.withUnsafeMutableBufferPointer { viewBuffer in
                var writes = kernel.bindings.map { binding -> VkWriteDescriptorSet in
                    var w = VkWriteDescriptorSet()
                    w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                    w.dstBinding = UInt32(binding.index)
                    w.descriptorCount = 1
                    w.descriptorType = binding.kind.vulkanType
                    if binding.kind.texelFormat != nil {
                        w.pTexelBufferView = UnsafePointer(viewBuffer.baseAddress! + binding.index)
                    } else {
                        w.pBufferInfo = UnsafePointer(infoBuffer.baseAddress! + binding.index)
                    }
                    return w
                }
                device.pushDescriptorSet(handle, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout, 0, UInt32(writes.count), &writes)
            }
        }
        if pipeline.pushConstantSize > 0 {
            var constants = push
            withUnsafeBytes(of: &constants) { bytes in
                vkCmdPushConstants(handle, pipeline.layout, VkShaderStageFlags(VK_SHADER_STAGE_COMPUTE_BIT.rawValue), 0,
                                   UInt32(bytes.count), bytes.baseAddress)
            }
        }
    }

    /// Makes every earlier shader or transfer write visible to later shaders, transfers, indirect
    /// dispatches and the host.
    public func barrier() {
        var barrier = VkMemoryBarrier()
        barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        barrier.srcAccessMask = VkAccessFlags(VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue)
        barrier.dstAccessMask = VkAccessFlags(VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
                                              | VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
                                              | VK_ACCESS_INDIRECT_COMMAND_READ_BIT.rawValue | VK_ACCESS_HOST_READ_BIT.rawValue)
        let stages = VkPipelineStageFlags(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue)
        let later = stages | VkPipelineStageFlags(VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT.rawValue | VK_PIPELINE_STAGE_HOST_BIT.rawValue)
        vkCmdPipelineBarrier(handle, stages, later, 0, 1, &barrier, 0, nil, 0, nil)
    }

    public func copy(from source: GPUBuffer, to destination: GPUBuffer, size: Int, sourceOffset: Int = 0, destinationOffset: Int = 0) {
        guard size > 0 else { return }
        var region = VkBufferCopy(srcOffset: VkDeviceSize(sourceOffset), dstOffset: VkDeviceSize(destinationOffset), size: VkDeviceSize(size))
        vkCmdCopyBuffer(handle, source.handle, destination.handle, 1, &region)
    }

    /// Fills `size` bytes with a repeated 32-bit word (size rounded to whole words).
    public func fill(_ buffer: GPUBuffer, value: UInt32 = 0, offset: Int = 0, size: Int? = nil) {
        let bytes = size.map { ($0 + 3) & ~3 } ?? (buffer.size - offset)
        guard bytes > 0 else { return }
        vkCmdFillBuffer(handle, buffer.handle, VkDeviceSize(offset), VkDeviceSize(bytes), value)
    }

    /// Starts an indirect dispatch's arguments (VkDispatchIndirectCommand) at (0, 1, 1): a shader
    /// then counts workgroups into x (tile_triage's blend tiles, emit_keys's wide rects).
    func resetDispatchCount(_ arguments: BufferRange) {
        fill(arguments.buffer, value: 0, offset: arguments.offset, size: 4)
        fill(arguments.buffer, value: 1, offset: arguments.offset + 4, size: 8)
    }

    public func writeTimestamp(_ pool: TimestampPool, index: Int) {
        vkCmdWriteTimestamp(handle, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool.handle, UInt32(index))
    }

    public func reset(_ pool: TimestampPool) {
        vkCmdResetQueryPool(handle, pool.handle, 0, UInt32(pool.count))
    }
}

/// GPU timestamps, read back in nanoseconds.
public final class TimestampPool {
    let device: GPUDevice
    let handle: VkQueryPool
    public let count: Int

    public init(device: GPUDevice, count: Int) throws {
        self.device = device
        self.count = count
        var info = VkQueryPoolCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
        info.queryType = VK_QUERY_TYPE_TIMESTAMP
        info.queryCount = UInt32(count)
        var pool: VkQueryPool?
        try check(vkCreateQueryPool(device.handle, &info, nil, &pool), "vkCreateQueryPool")
        handle = pool!
    }

    deinit { vkDestroyQueryPool(device.handle, handle, nil) }

    /// Timestamps 0..<n in nanoseconds (after the commands that wrote them completed).
    public func read(_ n: Int) throws -> [Double] {
        var values = [UInt64](repeating: 0, count: n)
        try values.withUnsafeMutableBytes { bytes in
            try check(vkGetQueryPoolResults(device.handle, handle, 0, UInt32(n), bytes.count, bytes.baseAddress, 8,
                                            VkQueryResultFlags(VK_QUERY_RESULT_64_BIT.rawValue | VK_QUERY_RESULT_WAIT_BIT.rawValue)),
                      "vkGetQueryPoolResults")
        }
        return values.map { Double($0) * device.info.timestampPeriodNs }
    }
}
