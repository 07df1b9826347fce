@testable import SplatGPU

/// A minimal SPIR-V reader: names, struct member offsets, array strides, descriptor bindings and
/// the workgroup size, straight from the compiled shaders the renderer embeds.
struct SPIRVReflection {
    struct Block {
        var members: [(name: String, offset: Int, size: Int)]
        /// End of the last member: the bytes a push-constant range must cover.
        var size: Int { members.map { $0.offset + $0.size }.max() ?? 0 }
    }

    /// One descriptor binding as the shader declares it.
    struct Binding: Equatable {
        var set: Int
        var index: Int
        /// The GLSL block name (`buffer SplatMeans { … }` → "SplatMeans"), or an image's or texel
        /// buffer's variable name (`uniform samplerBuffer SplatMeans`).
        var name: String
        /// nil for a descriptor type the kernel table cannot express.
        var kind: DescriptorKind?
        var access: BindingAccess
    }

    private var names: [UInt32: String] = [:]
    private var memberNames: [UInt32: [Int: String]] = [:]
    private var memberOffsets: [UInt32: [Int: Int]] = [:]
    private var memberDecorations: [UInt32: [Int: Set<UInt32>]] = [:]
    private var decorations: [UInt32: [UInt32: UInt32]] = [:]  // id → decoration → first literal (or 0)
    private var arrayStrides: [UInt32: Int] = [:]
    private var structMembers: [UInt32: [UInt32]] = [:]
    private var runtimeArrays: [UInt32: UInt32] = [:]  // array → element
    private var scalarSizes: [UInt32: Int] = [:]
    private var pointers: [UInt32: (storageClass: UInt32, pointee: UInt32)] = [:]
    private var variables: [(id: UInt32, type: UInt32, storageClass: UInt32)] = []
    private var images: [UInt32: (sampledType: UInt32, dim: UInt32, sampled: UInt32)] = [:]
    private var sampledImages: [UInt32: UInt32] = [:]  // sampled image type → image type
    private var floatTypes: Set<UInt32> = []
    private(set) var localSize: (Int, Int, Int) = (0, 0, 0)

    init(_ words: [UInt32]) {
        precondition(words.count > 5 && words[0] == 0x0723_0203, "not SPIR-V")
        func string(_ from: ArraySlice<UInt32>) -> String {
            var bytes: [UInt8] = []
            for w in from { for k in 0..<4 { bytes.append(UInt8((w >> (8 * UInt32(k))) & 0xFF)) } }
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        var i = 5
        while i < words.count {
            let count = Int(words[i] >> 16), opcode = words[i] & 0xFFFF
            let op = words[(i + 1)..<(i + max(count, 1))]
            let a = Array(op)
            switch opcode {
            case 5: names[a[0]] = string(op.dropFirst())                                             // OpName
            case 6: memberNames[a[0], default: [:]][Int(a[1])] = string(op.dropFirst(2))             // OpMemberName
            case 16 where a[1] == 17: localSize = (Int(a[2]), Int(a[3]), Int(a[4]))                  // OpExecutionMode LocalSize
            case 21: scalarSizes[a[0]] = Int(a[1]) / 8                                                // OpTypeInt
            case 22: scalarSizes[a[0]] = Int(a[1]) / 8; floatTypes.insert(a[0])                       // OpTypeFloat
            case 23: scalarSizes[a[0]] = (scalarSizes[a[1]] ?? 0) * Int(a[2])                         // OpTypeVector
            case 25: images[a[0]] = (a[1], a[2], a[6])                                                // OpTypeImage
            case 27: sampledImages[a[0]] = a[1]                                                       // OpTypeSampledImage
            case 29: runtimeArrays[a[0]] = a[1]                                                       // OpTypeRuntimeArray
            case 30: structMembers[a[0]] = Array(a.dropFirst())                                       // OpTypeStruct
            case 32: pointers[a[0]] = (a[1], a[2])                                                    // OpTypePointer
            case 59: variables.append((a[1], a[0], a[2]))                                             // OpVariable
            case 71:                                                                                  // OpDecorate
                decorations[a[0], default: [:]][a[1]] = a.count > 2 ? a[2] : 0
                if a[1] == 6 { arrayStrides[a[0]] = Int(a[2]) }                                       // ArrayStride
            case 72:                                                                                  // OpMemberDecorate
                memberDecorations[a[0], default: [:]][Int(a[1]), default: []].insert(a[2])
                if a[2] == 35 { memberOffsets[a[0], default: [:]][Int(a[1])] = Int(a[3]) }           // Offset
            default: break
            }
            i += max(count, 1)
        }
    }

    /// The explicitly laid out struct named `name` (glslang also emits an undecorated copy for
    /// function-local variables; that one has no offsets).
    private func structID(_ name: String) -> UInt32? {
        structMembers.keys.sorted().first { names[$0] == name && memberOffsets[$0] != nil }
    }

    func block(_ name: String) -> Block? {
        guard let id = structID(name), let members = structMembers[id] else { return nil }
        return Block(members: members.indices.map { k in
            (memberNames[id]?[k] ?? "?", memberOffsets[id]?[k] ?? -1, scalarSizes[members[k]] ?? -1)
        })
    }

    /// Array stride of runtime arrays of the struct named `name`: its std430 size.
    func stride(ofArrayOf name: String) -> Int? {
        guard let id = structID(name) else { return nil }
        return runtimeArrays.first { $0.value == id }.flatMap { arrayStrides[$0.key] }
    }

    /// Whether a specialization constant carries SpecId `id`.
    func hasSpecID(_ id: UInt32) -> Bool { decorations.values.contains { $0[1] == id } }

    /// Every variable with a Binding decoration, by binding number.
    var bindings: [Binding] {
        let binding: UInt32 = 33, descriptorSet: UInt32 = 34, block: UInt32 = 2, bufferBlock: UInt32 = 3
        let nonWritable: UInt32 = 24, nonReadable: UInt32 = 25
        return variables.compactMap { variable -> Binding? in
            guard let index = decorations[variable.id]?[binding], let pointer = pointers[variable.type] else { return nil }
            let type = pointer.pointee
            let image = images[sampledImages[type] ?? type]
            let buffer: UInt32 = 5  // Dim Buffer
            let kind: DescriptorKind?
            switch variable.storageClass {
            case 12: kind = .storageBuffer                                                            // StorageBuffer
            case 2 where decorations[type]?[bufferBlock] != nil: kind = .storageBuffer                // Uniform + BufferBlock
            case 2 where decorations[type]?[block] != nil: kind = .uniformBuffer                      // Uniform + Block
            case 0 where image?.sampled == 2 && image?.dim != buffer: kind = .storageImage            // UniformConstant image
            case 0 where image?.sampled == 1 && image?.dim == buffer:                                 // samplerBuffer
                // SPIR-V gives the component type, not the count: a uint texel buffer reads as R32UI
                // (KernelTableTests compares the table's uint formats as R32UI).
                kind = .uniformTexelBuffer(floatTypes.contains(image!.sampledType) ? .rgba32Float : .r32Uint)
            default: kind = nil
            }
            // GLSL readonly / writeonly: on the variable, or on every member of the block.
            func has(_ decoration: UInt32) -> Bool {
                if decorations[variable.id]?[decoration] != nil { return true }
                guard let members = structMembers[type], !members.isEmpty else { return false }
                return members.indices.allSatisfy { memberDecorations[type]?[$0]?.contains(decoration) == true }
            }
            // A texel buffer is read-only by its type.
            let access: BindingAccess = has(nonWritable) || kind?.texelFormat != nil ? .read : has(nonReadable) ? .write : .readWrite
            return Binding(set: Int(decorations[variable.id]?[descriptorSet] ?? 0), index: Int(index),
                           name: image != nil ? names[variable.id] ?? "" : names[type] ?? "", kind: kind, access: access)
        }.sorted { $0.index < $1.index }
    }
}
