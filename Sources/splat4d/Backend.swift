import ArgumentParser
import SplatRender

/// Which renderer draws: the Vulkan compute renderer, or the CPU reference.
enum Backend: String, ExpressibleByArgument, CaseIterable {
    case cpu, vulkan

    var renderBackend: RenderBackend {
        switch self {
        case .cpu: return .cpu
        case .vulkan: return .vulkan
        }
    }
}
