// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Splat4D",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "splat4d", targets: ["splat4d"]),
        .library(name: "SplatCore", targets: ["SplatCore"]),
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

        // Pure Swift: what is drawn, and the CPU reference that draws it.
        .target(name: "SplatCore"),
        // PNG files through libpng's simplified API.
        .target(name: "SplatPNG", dependencies: ["CPNG", "SplatCore"]),
        // The command-line tool.
        .executableTarget(name: "splat4d", dependencies: [
            "SplatCore", "SplatPNG",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "SplatCoreTests", dependencies: ["SplatCore"]),
        .testTarget(name: "SplatPNGTests", dependencies: ["SplatPNG", "SplatCore"]),
        .testTarget(name: "Splat4DCLITests", dependencies: ["splat4d", "SplatCore", "SplatPNG"]),
    ]
)
