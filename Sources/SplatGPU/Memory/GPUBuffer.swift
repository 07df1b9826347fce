import CVulkan
import Foundation

/// A storage buffer with its own memory. Host-visible memory stays mapped for its lifetime.
public final class GPUBuffer {
    public let device: GPUDevice
    public let handle: VkBuffer
    let memory: VkDeviceMemory
    public let size: Int
    /// Mapped pointer when the memory is host-visible (always on lavapipe).
    public let mapped: UnsafeMutableRawPointer?
    public let label: String
    /// Texel-buffer views of this buffer made so far, by window and format; they live as long as
    /// the buffer (a recorded dispatch may still use one).
    private var texelViews: [TexelViewKey: VkBufferView] = [:]

    private struct TexelViewKey: Hashable {
        let offset: Int, size: Int, format: TexelFormat
    }

    public enum Usage {
        /// Used by shaders; device-local preferred.
        case storage
        /// Read back by the host after the GPU writes it.
        case readback
    }

    public init(device: GPUDevice, size requestedSize: Int, usage: Usage, label: String) throws {
        self.device = device
        self.label = label
        // Whole 16-byte vectors, at least one: kernels read many buffers four elements (one uvec4
        // or texel) at a time, so no vector may lie partly outside; a texel view needs at least
        // one texel; and zero-sized buffers are illegal (empty scenes stay on the common path).
        let size = max(16, GPUBuffer.wholeVectors(requestedSize))
        self.size = size
        // Until the init succeeds, the pending owner frees what was made on every failure path.
        let pending = try PendingBufferMemory(device: device, size: size, label: label)
        try pending.allocate(usage: usage)
        let pointer = try pending.bindAndMap()
        (self.handle, self.memory) = pending.release()
        self.mapped = pointer
    }

    deinit {
        for view in texelViews.values { vkDestroyBufferView(device.handle, view, nil) }
        if mapped != nil { vkUnmapMemory(device.handle, memory) }
        vkDestroyBuffer(device.handle, handle, nil)
        vkFreeMemory(device.handle, memory, nil)
    }

    /// Copies host bytes into the buffer: directly when mapped, else through a staging buffer.
    public func upload(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) throws {
        precondition(offset + bytes.count <= size, "upload past the end of \(label)")
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        if let mapped {
            (mapped + offset).copyMemory(from: base, byteCount: bytes.count)
            return
        }
        let staging = try GPUBuffer(device: device, size: bytes.count, usage: .readback, label: "staging for \(label)")
        staging.mapped!.copyMemory(from: base, byteCount: bytes.count)
        try device.submitAndWait { $0.copy(from: staging, to: self, size: bytes.count, destinationOffset: offset) }
    }

    public func upload<T>(_ array: [T], offset: Int = 0) throws {
        try array.withUnsafeBytes { try upload($0, offset: offset) }
    }

    /// A view of `size` bytes at `offset` as `format` texels, for a texel-buffer binding: made
    /// once per window and format. `size` is cut to whole texels (a buffer rounded up to whole
    /// 16-byte vectors holds whole texels of every format we use), and to the device's texel
    /// limit: the renderer checks that what kernels fetch lies within it (checkBindings, chunks).
    func texelView(offset: Int, size: Int, format: TexelFormat) throws -> VkBufferView {
        let texels = min(UInt64(size / format.bytes), device.info.maxTexelBufferElements)
        let key = TexelViewKey(offset: offset, size: Int(texels) * format.bytes, format: format)
        if let view = texelViews[key] { return view }
        precondition(texels > 0, "\(label): a texel view of \(size) bytes holds no whole \(format.rawValue) texel")
        precondition(offset % max(1, device.info.texelBufferOffsetAlignment) == 0,
                     "\(label): texel view at offset \(offset), not a multiple of the device's texel offset alignment")
        var info = VkBufferViewCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO
        info.buffer = handle
        info.format = format.vulkanFormat
        info.offset = VkDeviceSize(offset)
        info.range = VkDeviceSize(key.size)
        var view: VkBufferView?
        try check(vkCreateBufferView(device.handle, &info, nil, &view), "vkCreateBufferView (\(label), \(format.rawValue))")
        texelViews[key] = view!
        return view!
    }

    /// `bytes` rounded up to whole 16-byte vectors (every buffer's size is; a window of one that
    /// kernels read as vectors is rounded the same way).
    public static func wholeVectors(_ bytes: Int) -> Int { (bytes + 15) / 16 * 16 }

    /// Calls `body` with the first `count` elements in place when the buffer is mapped (no copy),
    /// else with a staged copy.
    public func withContents<T, R>(_ type: T.Type, count: Int, _ body: (UnsafeBufferPointer<T>) throws -> R) throws -> R {
        precondition(count * MemoryLayout<T>.stride <= size, "read past the end of \(label)")
        if let mapped { return try body(UnsafeBufferPointer(start: mapped.bindMemory(to: T.self, capacity: count), count: count)) }
        return try read(type, count: count).withUnsafeBufferPointer(body)
    }

    /// Reads `count` elements back (the buffer must be host-visible, or it goes through staging).
    public func read<T>(_ type: T.Type, count: Int, offset: Int = 0) throws -> [T] {
        let bytes = count * MemoryLayout<T>.stride
        precondition(offset + bytes <= size, "read past the end of \(label)")
        if count == 0 { return [] }
        if let mapped {
            return Array(UnsafeBufferPointer(start: (mapped + offset).bindMemory(to: T.self, capacity: count), count: count))
        }
        let staging = try GPUBuffer(device: device, size: bytes, usage: .readback, label: "readback of \(label)")
        try device.submitAndWait { $0.copy(from: self, to: staging, size: bytes, sourceOffset: offset) }
        return try staging.read(type, count: count)
    }
}

/// A range of a buffer bound to one shader binding.
public struct BufferRange {
    public var buffer: GPUBuffer
    public var offset: Int
    public var size: Int

    public init(_ buffer: GPUBuffer, offset: Int = 0, size: Int? = nil) {
        self.buffer = buffer
        self.offset = offset
        self.size = size ?? (buffer.size - offset)
    }
}

/// A buffer and (once allocated) its memory that GPUBuffer.init has not taken over yet: freed when
/// the owner goes away unreleased, so a throw at any step (allocation, binding, mapping) leaks nothing.
final class PendingBufferMemory {
    let device: GPUDevice
    let buffer: VkBuffer
    let label: String
    let size: Int
    private(set) var memory: VkDeviceMemory?
    private var hostVisible = false
    private var released = false

    /// Creates the buffer (no memory yet).
    init(device: GPUDevice, size: Int, label: String) throws {
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(size)
        // Every buffer may be viewed as texels (kernels fetch their read-only inputs that way) and
        // hold a dispatch's workgroup counts (the blend's, written by tile_triage).
        info.usage = VkBufferUsageFlags(VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT.rawValue
                                        | VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue
                                        | VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT.rawValue)
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var created: VkBuffer?
        try check(vkCreateBuffer(device.handle, &info, nil, &created), "vkCreateBuffer (\(label), \(size) bytes)")
        self.device = device
        self.buffer = created!
        self.label = label
        self.size = size
    }

    /// Allocates memory of a type that suits `usage` (not bound yet).
    func allocate(usage: GPUBuffer.Usage) throws {
        var requirements = VkMemoryRequirements()
        vkGetBufferMemoryRequirements(device.handle, buffer, &requirements)
        let hostVisibleFlags = UInt32(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue)
        let deviceLocal = UInt32(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue)
        let cached = UInt32(VK_MEMORY_PROPERTY_HOST_CACHED_BIT.rawValue)
        let type: UInt32? = usage == .storage
            ? device.memoryType(typeBits: requirements.memoryTypeBits, required: deviceLocal, preferred: deviceLocal)
            : device.memoryType(typeBits: requirements.memoryTypeBits, required: hostVisibleFlags, preferred: cached)
        guard let type else { throw GPUError("no memory type for \(label)") }
        var allocate = VkMemoryAllocateInfo()
        allocate.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        allocate.allocationSize = requirements.size
        allocate.memoryTypeIndex = type
        var memory: VkDeviceMemory?
        let result = vkAllocateMemory(device.handle, &allocate, nil, &memory)
        guard result == VK_SUCCESS, let memory else {
            throw VulkanError(call: "vkAllocateMemory (\(label), \(size) bytes)", result: result,
                              hint: "the scene needs more GPU memory than the device has; render a smaller scene or image, or on the CPU")
        }
        self.memory = memory
        hostVisible = device.memoryFlags(ofType: type) & hostVisibleFlags == hostVisibleFlags
    }

    /// Binds the memory to the buffer and maps it when host-visible; returns the mapped pointer.
    func bindAndMap() throws -> UnsafeMutableRawPointer? {
        guard let memory else { preconditionFailure("bind before the memory was allocated") }
        try check(vkBindBufferMemory(device.handle, buffer, memory, 0), "vkBindBufferMemory (\(label))")
        guard hostVisible else { return nil }
        var pointer: UnsafeMutableRawPointer?
        try check(vkMapMemory(device.handle, memory, 0, VkDeviceSize(VK_WHOLE_SIZE), 0, &pointer), "vkMapMemory (\(label))")
        return pointer
    }

    /// Hands both handles over: the caller frees them from now on (a mapping goes with the memory).
    func release() -> (VkBuffer, VkDeviceMemory) {
        guard let memory else { preconditionFailure("release before the memory was allocated") }
        released = true
        return (buffer, memory)
    }

    deinit {
        guard !released else { return }
        vkDestroyBuffer(device.handle, buffer, nil)
        if let memory { vkFreeMemory(device.handle, memory, nil) }  // frees a mapping with it
    }
}
