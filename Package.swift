// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Splat4D",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "splat4d", targets: ["splat4d"]),
        .library(name: "SplatCore", targets: ["SplatCore"]),
        .library(name: "SplatEvaluation", targets: ["SplatEvaluation"]),
        .library(name: "SplatFormats", targets: ["SplatFormats"]),
        .library(name: "SplatRender", targets: ["SplatRender"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, reached through small shims (DESIGN.md §7).
        .systemLibrary(name: "CVulkan", path: "Sources/CVulkan", pkgConfig: "vulkan",
                       providers: [.apt(["libvulkan-dev"])]),
        .systemLibrary(name: "CGLFW", path: "Sources/CGLFW", pkgConfig: "glfw3",
                       providers: [.apt(["libglfw3-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CWebP", path: "Sources/CWebP", pkgConfig: "libwebp",
                       providers: [.apt(["libwebp-dev"])]),

        // Pure Swift: what is drawn, and the CPU reference that draws it.
        .target(name: "SplatCore"),
        // Every scene and camera file format behind one registry, and the containers they use
        // (DEFLATE, gzip and CRC-32 through zlib; zstd through libzstd; WebP through libwebp).
        .target(name: "SplatFormats", dependencies: ["CZlib", "CZstd", "CWebP", "SplatCore"]),
        // PNG files through libpng's simplified API.
        .target(name: "SplatPNG", dependencies: ["CPNG", "SplatCore", "SplatFormats"]),
        // Vulkan: device, buffers, compute passes, radix sort, the GPU renderer. No GLFW.
        // The GLSL in Shaders/ is compiled to SPIR-V at build time and embedded by the plugin.
        .target(name: "SplatGPU", dependencies: ["CVulkan", "SplatCore"],
                plugins: [.plugin(name: "SPIRVCompilerPlugin")]),
        // What a user of the library calls: frames of a scene at t on the CPU or Vulkan, frame
        // schedules and shards, sequences with their writer, output encodings, evaluation.
        .target(name: "SplatRender", dependencies: ["SplatCore", "SplatFormats", "SplatPNG", "SplatGPU"]),
        // The interactive viewer: GLFW window, swapchain presentation, input; camera controller
        // and playback clock as plain Swift (no GLFW), unit-tested without a window.
        .target(name: "SplatViewer", dependencies: ["CGLFW", "CVulkan", "SplatGPU", "SplatCore", "SplatFormats", "SplatPNG", "SplatRender"]),
        // Host tool for the plugin: turns SPIR-V and the shader contract into Swift source.
        .executableTarget(name: "spirv-embed", path: "Tools/spirv-embed"),
        .plugin(name: "SPIRVCompilerPlugin", capability: .buildTool(), dependencies: ["spirv-embed"]),

        // Quality tests in another package's Swift tests: open a scene, render a view, score it.
        .target(name: "SplatEvaluation", dependencies: ["SplatCore", "SplatFormats", "SplatPNG", "SplatRender"]),

        // The command-line tool.
        .executableTarget(name: "splat4d", dependencies: [
            "SplatCore", "SplatFormats", "SplatPNG", "SplatGPU", "SplatRender", "SplatViewer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers every test target shares: repository paths and temporary folders, cameras and
        // random clouds, image and error assertions, hand-built PLY files, the Vulkan test case
        // (one device, fails on validation messages), the CLI harness.
        .target(name: "SplatTestSupport", dependencies: ["SplatCore", "SplatGPU"], path: "Tests/SplatTestSupport"),

        .testTarget(name: "SplatCoreTests", dependencies: ["SplatCore", "SplatTestSupport"]),
        .testTarget(name: "SplatFormatsTests", dependencies: ["SplatTestSupport", "SplatFormats", "SplatCore"]),
        .testTarget(name: "SplatPNGTests", dependencies: ["SplatTestSupport", "SplatPNG", "SplatCore"]),
        .testTarget(name: "SplatGPUTests", dependencies: ["SplatTestSupport", "SplatGPU", "SplatCore", "SplatFormats"]),
        .testTarget(name: "SplatRenderTests", dependencies: ["SplatTestSupport", "SplatRender", "SplatCore", "SplatFormats", "SplatGPU", "SplatPNG"]),
        .testTarget(name: "SplatViewerTests", dependencies: ["SplatTestSupport", "SplatViewer", "SplatGPU", "SplatCore", "SplatFormats", "SplatPNG", "CVulkan", "CGLFW", "splat4d"]),
        .testTarget(name: "SplatEvaluationTests", dependencies: ["SplatEvaluation", "SplatTestSupport", "SplatCore", "SplatFormats"]),
        .testTarget(name: "Splat4DCLITests", dependencies: ["SplatTestSupport", "splat4d", "SplatCore", "SplatFormats", "SplatPNG", "SplatRender"]),
    ]
)
