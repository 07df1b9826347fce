import SplatCore
import SplatGPU

/// Which rasterizer draws the frames.
public enum RenderBackend: String, Sendable, CaseIterable {
    /// The CPU reference: slow, exact, needs no device.
    case cpu
    /// The Vulkan compute renderer; a missing device is an error.
    case vulkan
    /// Vulkan where a device starts, else the CPU reference.
    case automatic
}

/// How a `FrameRenderer` picks its rasterizer.
public struct FrameRendererOptions: Equatable, Sendable {
    public var backend: RenderBackend
    /// A Vulkan device: an index or a name substring; nil: the best one.
    public var device: String?

    public init(backend: RenderBackend = .vulkan, device: String? = nil) {
        self.backend = backend
        self.device = device
    }
}

/// The Vulkan backend could not start (no driver, no usable device, a missing feature).
/// The CPU backend renders the same frames without a device.
public struct BackendUnavailable: SplatError, Equatable {
    /// Why, as the device layer said it.
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var kind: ErrorKind { .deviceUnavailable }
    public var description: String { "cannot start the Vulkan backend: \(reason)" }
}

enum VulkanBackend {
    /// The Vulkan renderer on the preferred device, or `BackendUnavailable`.
    static func open(device: String?) throws -> VulkanRasterizer {
        do {
            return try VulkanRasterizer(preference: device)
        } catch let error as VulkanError {
            throw BackendUnavailable(reason: error.description)
        } catch let error as GPUError {
            throw BackendUnavailable(reason: error.description)
        }
    }
}
