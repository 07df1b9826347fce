import Foundation
import XCTest
@testable import SplatCore
@testable import SplatGPU
import SplatTestSupport

/// The kernel table against the compiled shaders: every binding by number, block name (the
/// role), descriptor type and access; workgroup and push-constant sizes; one entry per shader.
/// No device needed: it reads the SPIR-V words the renderer embeds.
final class KernelTableTests: XCTestCase {
    /// Every way `kernel` disagrees with the SPIR-V `words`, one line each.
    static func mismatches(_ kernel: Kernel, _ words: [UInt32]) -> [String] {
        let spirv = SPIRVReflection(words)
        var problems: [String] = []
        let declared = spirv.bindings
        if declared.map(\.index) != kernel.bindings.map(\.index) {
            problems.append("bindings \(declared.map(\.index)) in the shader, \(kernel.bindings.map(\.index)) in the table")
        }
        for binding in kernel.bindings {
            guard let shader = declared.first(where: { $0.index == binding.index }) else {
                problems.append("binding \(binding.index) (\(binding.role)) is not in the shader")
                continue
            }
            // SPIR-V tells a float texel buffer from a uint one, not how many components it has.
            let kind = binding.kind == .uniformTexelBuffer(.rgba32Uint) ? .uniformTexelBuffer(.r32Uint) : binding.kind
            let want = SPIRVReflection.Binding(set: 0, index: binding.index, name: binding.role.rawValue, kind: kind,
                                               access: binding.access)
            if shader != want { problems.append("binding \(binding.index): shader \(shader), table \(want)") }
        }
        let size = kernel.workgroupSize.size
        switch kernel.workgroupSize {
        case .fixed:
            if spirv.localSize != (size.x, size.y, size.z) {
                problems.append("local size \(spirv.localSize) in the shader, \(size) in the table")
            }
        case .specializedX:
            if !spirv.hasSpecID(0) || spirv.localSize.1 != 1 || spirv.localSize.2 != 1 {
                problems.append("the shader does not take its workgroup width from constant_id 0")
            }
        }
        let push = spirv.block("Push")?.size ?? 0
        if kernel.pushConstantSize < push {
            problems.append("push constants: \(push) bytes in the shader, \(kernel.pushConstantSize) in the table")
        }
        return problems
    }

    func testEveryKernelsBindingsMatchTheSPIRV() {
        for kernel in Kernels.all {
            let problems = KernelTableTests.mismatches(kernel, kernel.spirv)
            XCTAssertEqual(problems, [], kernel.name)
        }
    }

    /// The check sees a wrong table: another shader's words, a renamed role, a wrong access.
    func testTheCheckCatchesMismatches() {
        XCTAssertFalse(KernelTableTests.mismatches(Kernels.blend, Shader_emit_keys.words).isEmpty)
        let renamed = Kernel("tile_ranges", Shader_tile_ranges.words, bindings: [.fetches(.tileKeys, as: .rgba32Uint), .writes(.ranges)],
                             push: TileKeyPush.self, workgroupSize: Kernels.tileRanges.workgroupSize)
        XCTAssertEqual(KernelTableTests.mismatches(renamed, renamed.spirv).count, 1)
        let wrongAccess = Kernel("tile_ranges", Shader_tile_ranges.words, bindings: [.fetches(.sortedTileKeys, as: .rgba32Uint), .reads(.ranges)],
                                 push: TileKeyPush.self, workgroupSize: Kernels.tileRanges.workgroupSize)
        XCTAssertEqual(KernelTableTests.mismatches(wrongAccess, wrongAccess.spirv).count, 1)
        let wrongGroup = Kernel("tile_ranges", Shader_tile_ranges.words, bindings: [.fetches(.sortedTileKeys, as: .rgba32Uint), .writes(.ranges)],
                                push: TileKeyPush.self, workgroupSize: .fixed(x: 1, y: 1, z: 1))
        XCTAssertEqual(KernelTableTests.mismatches(wrongGroup, wrongGroup.spirv).count, 1)
    }

    /// The reader itself, on one shader read by eye: preprocess.comp's thirteen bindings.
    func testReflectionReadsPreprocessBindings() {
        let bindings = SPIRVReflection(Shader_preprocess.words).bindings
        XCTAssertEqual(bindings.map(\.name), ["Geometry", "SH", "SplatMeans", "SplatConics", "SplatColours", "SplatRects",
                                              "TileCounts", "DepthKeys", "Motion", "NextGeometry", "NextSH", "ActiveIndices",
                                              "ProjectionTotals"])
        XCTAssertEqual(bindings.map(\.access), [.read, .read, .write, .write, .write, .write, .write, .write, .read, .read, .read,
                                                .read, .readWrite])
        XCTAssertEqual(bindings.map(\.kind), [.uniformTexelBuffer(.rgba32Float), .uniformTexelBuffer(.rgba32Float)]
                                              + [DescriptorKind?](repeating: .storageBuffer, count: 11))
        XCTAssertEqual(Set(bindings.map(\.set)), [0])
    }

    /// Texel buffers as the reader sees them: blend.comp's float and uint samplerBuffers.
    func testReflectionReadsBlendTexelBuffers() {
        let bindings = SPIRVReflection(Shader_blend.words).bindings
        XCTAssertEqual(bindings.map(\.name), ["SplatMeans", "SplatConics", "SplatColours", "SortedValues", "Ranges", "Colour", "Depth",
                                              "BlendTiles", "BlendDispatch"])
        XCTAssertEqual(bindings.map(\.kind), [.uniformTexelBuffer(.rgba32Float), .uniformTexelBuffer(.rgba32Float),
                                              .uniformTexelBuffer(.rgba32Float), .uniformTexelBuffer(.r32Uint)]
                                             + [DescriptorKind?](repeating: .storageBuffer, count: 5))
        XCTAssertEqual(bindings.map(\.access), [.read, .read, .read, .read, .read, .write, .write, .read, .read])
    }

    func testEveryShaderFileHasOneKernel() throws {
        let shaders = TestPaths.repositoryRoot.appendingPathComponent("Shaders")
        let files = try FileManager.default.contentsOfDirectory(atPath: shaders.path)
        let stems = files.filter { $0.hasSuffix(".comp") }.map { String($0.dropLast(".comp".count)) }
        XCTAssertGreaterThanOrEqual(stems.count, 13)
        XCTAssertEqual(Set(stems), Set(Kernels.all.map(\.name)))
        XCTAssertEqual(Kernels.all.count, Set(Kernels.all.map(\.name)).count, "a kernel listed twice")
    }

    /// A binding the table marks optional is used only under a flag or a specialization; every other one must be given.
    func testOnlyFlaggedBindingsAreOptional() {
        let optional = Kernels.all.flatMap { k in k.bindings.filter(\.optional).map { "\(k.name).\($0.role)" } }
        XCTAssertEqual(optional, ["preprocess.motion", "preprocess.nextGeometry", "preprocess.nextSH", "preprocess.activeIndices",
                                  "scan_downsweep.partitionOffsets", "sort_downsweep.valuesIn", "sort_downsweep.valuesOut",
                                  "emit_keys.values", "emit_wide_keys.values"])
    }
}
