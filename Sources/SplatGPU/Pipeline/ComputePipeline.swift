import CVulkan

/// One kernel of the table made into a pipeline: its bindings pushed as descriptors, its
/// push-constant block, and its specialization constants (constant_id 0, 1, …).
public final class ComputePipeline {
    public let device: GPUDevice
    let kernel: Kernel
    let handle: VkPipeline
    let layout: VkPipelineLayout
    let setLayout: VkDescriptorSetLayout
    /// Bound to the optional bindings a dispatch leaves out; never read (the shader's flags say so).
    let placeholder: GPUBuffer?

    public var name: String { kernel.name }
    var pushConstantSize: Int { kernel.pushConstantSize }

    /// - Parameter placeholder: a small buffer for the kernel's optional bindings (needed when it has any).
    /// - Parameter specialization: the values of constant_id 0, 1, … (default: the workgroup size's, if any).
    init(device: GPUDevice, kernel: Kernel, placeholder: GPUBuffer? = nil, specialization: [UInt32]? = nil) throws {
        precondition(placeholder != nil || !kernel.bindings.contains(where: \.optional),
                     "\(kernel.name): optional bindings need a placeholder buffer")
        self.device = device
        self.kernel = kernel
        self.placeholder = placeholder
        let name = kernel.name, spirv = kernel.spirv, pushConstantSize = kernel.pushConstantSize
        let specialization = specialization ?? kernel.workgroupSize.specialization
        precondition(specialization.isEmpty || kernel.workgroupSize.specialization.isEmpty || specialization.first == kernel.workgroupSize.specialization.first,
                     "\(name): constant 0 is the workgroup size")

        var module: VkShaderModule?
        try spirv.withUnsafeBufferPointer { words in
            var info = VkShaderModuleCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
            info.codeSize = words.count * 4
            info.pCode = words.baseAddress
            try check(vkCreateShaderModule(device.handle, &info, nil, &module), "vkCreateShaderModule (\(name))")
        }
        defer { vkDestroyShaderModule(device.handle, module, nil) }

        var bindings = kernel.bindings.map { binding -> VkDescriptorSetLayoutBinding in
            var b = VkDescriptorSetLayoutBinding()
            b.binding = UInt32(binding.index)
            b.descriptorType = binding.kind.vulkanType
            b.descriptorCount = 1
            b.stageFlags = VkShaderStageFlags(VK_SHADER_STAGE_COMPUTE_BIT.rawValue)
            return b
        }
        var setLayout: VkDescriptorSetLayout?
        try bindings.withUnsafeMutableBufferPointer { buffer in
            var info = VkDescriptorSetLayoutCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
            info.flags = VkDescriptorSetLayoutCreateFlags(VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR.rawValue)
            info.bindingCount = UInt32(kernel.bindings.count)
            info.pBindings = UnsafePointer(buffer.baseAddress)
            try check(vkCreateDescriptorSetLayout(device.handle, &info, nil, &setLayout), "vkCreateDescriptorSetLayout (\(name))")
        }
        self.setLayout = setLayout!

        var range = VkPushConstantRange()
        range.stageFlags = VkShaderStageFlags(VK_SHADER_STAGE_COMPUTE_BIT.rawValue)
        range.size = UInt32(pushConstantSize)
        var layout: VkPipelineLayout?
        let layoutResult: VkResult = withUnsafePointer(to: &range) { rangePointer in
            withUnsafePointer(to: &setLayout) { setLayoutPointer in
                var info = VkPipelineLayoutCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
                info.setLayoutCount = 1
                info.pSetLayouts = setLayoutPointer
                info.pushConstantRangeCount = pushConstantSize > 0 ? 1 : 0
                info.pPushConstantRanges = pushConstantSize > 0 ? rangePointer : nil
                return vkCreatePipelineLayout(device.handle, &info, nil, &layout)
            }
        }
        guard layoutResult == VK_SUCCESS, let layout else {
            vkDestroyDescriptorSetLayout(device.handle, setLayout, nil)
            throw VulkanError(call: "vkCreatePipelineLayout (\(name))", result: layoutResult)
        }
        self.layout = layout

        var entries = specialization.indices.map { i -> VkSpecializationMapEntry in
            VkSpecializationMapEntry(constantID: UInt32(i), offset: UInt32(i * 4), size: 4)
        }
        var pipeline: VkPipeline?
        let result: VkResult = "main".withCString { entryName in
            entries.withUnsafeMutableBufferPointer { entryBuffer in
                specialization.withUnsafeBytes { data in
                    var specInfo = VkSpecializationInfo()
                    specInfo.mapEntryCount = UInt32(specialization.count)
                    specInfo.pMapEntries = UnsafePointer(entryBuffer.baseAddress)
                    specInfo.dataSize = data.count
                    specInfo.pData = data.baseAddress
                    return withUnsafePointer(to: &specInfo) { specPointer in
                        var stage = VkPipelineShaderStageCreateInfo()
                        stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                        stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                        stage.module = module
                        stage.pName = entryName
                        stage.pSpecializationInfo = specialization.isEmpty ? nil : specPointer
                        var info = VkComputePipelineCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                        info.stage = stage
                        info.layout = layout
                        return vkCreateComputePipelines(device.handle, nil, 1, &info, nil, &pipeline)
                    }
                }
            }
        }
        guard result == VK_SUCCESS, let pipeline else {
            vkDestroyPipelineLayout(device.handle, layout, nil)
            vkDestroyDescriptorSetLayout(device.handle, self.setLayout, nil)
            throw VulkanError(call: "vkCreateComputePipelines (\(name))", result: result)
        }
        handle = pipeline
    }

    deinit {
        vkDestroyPipeline(device.handle, handle, nil)
        vkDestroyPipelineLayout(device.handle, layout, nil)
        vkDestroyDescriptorSetLayout(device.handle, setLayout, nil)
    }
}

extension DescriptorKind {
    var vulkanType: VkDescriptorType {
        switch self {
        case .storageBuffer: return VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
        case .uniformBuffer: return VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER
        case .storageImage: return VK_DESCRIPTOR_TYPE_STORAGE_IMAGE
        case .uniformTexelBuffer: return VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
        }
    }

    /// The view format of a texel-buffer binding; nil for other kinds.
    var texelFormat: TexelFormat? {
        if case let .uniformTexelBuffer(format) = self { return format }
        return nil
    }
}

extension TexelFormat {
    var vulkanFormat: VkFormat {
        switch self {
        case .rgba32Float: return VK_FORMAT_R32G32B32A32_SFLOAT
        case .rgba32Uint: return VK_FORMAT_R32G32B32A32_UINT
        case .r32Uint: return VK_FORMAT_R32_UINT
        }
    }

    /// Bytes per texel: a view's range is a whole number of texels.
    var bytes: Int {
        switch self {
        case .rgba32Float, .rgba32Uint: return 16
        case .r32Uint: return 4
        }
    }
}
