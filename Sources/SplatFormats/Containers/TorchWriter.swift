import Foundation
import SplatCore

/// Writes `torch.save`-layout files (a protocol-2 pickle and raw little-endian storages in a
/// stored ZIP) for the fuzz seeds and tests. Tensors are written contiguous, each on the storage
/// its `storageKey` names; `storages` holds those storages' bytes. The real files in the tests
/// come from PyTorch itself (tools/torch_fixtures.py).
enum TorchWriter {
    static func archive(name: String, root: PickleValue, storages: [String: [UInt8]]) -> Data {
        var pickle: [UInt8] = [0x80, 0x02]
        write(root, into: &pickle)
        pickle.append(0x2E)  // STOP
        var members: [(name: String, bytes: [UInt8])] = [("\(name)/data.pkl", pickle), ("\(name)/byteorder", Array("little".utf8))]
        for key in storages.keys.sorted() { members.append(("\(name)/data/\(key)", storages[key]!)) }
        members.append(("\(name)/version", Array("3\n".utf8)))
        return ZipWriter.stored(members)
    }

    /// A float32 tensor of `shape` on storage `key` (its bytes appended to `storages`).
    static func float32(_ values: [Float], shape: [Int], key: String, storages: inout [String: [UInt8]],
                        parameter: Bool = true) -> PickleValue {
        storages[key] = values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
        return .tensor(TorchTensor(dtype: .float32, shape: shape, strides: contiguousStrides(shape), storageOffset: 0,
                                   storageKey: key, storageCount: values.count, requiresGrad: parameter))
    }

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.dropLast().reversed() { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }

    static func write(_ value: PickleValue, into out: inout [UInt8]) {
        func u32(_ v: Int) { out += withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian, Array.init) }
        func global(_ name: String) { out += [0x63] + Array(name.replacingOccurrences(of: " ", with: "\n").utf8) + [0x0A] }
        func string(_ s: String) { out.append(0x58); u32(s.utf8.count); out += Array(s.utf8) }
        func int(_ v: Int) {
            if let small = Int32(exactly: v) { out.append(0x4A); out += withUnsafeBytes(of: small.littleEndian, Array.init) }
            else { out += [0x8A, 8]; out += withUnsafeBytes(of: Int64(v).littleEndian, Array.init) }
        }
        func ints(_ values: [Int]) { out.append(0x28); values.forEach(int); out.append(0x74) }
        func emptyOrderedDict() { global("collections OrderedDict"); out += [0x29, 0x52] }
        switch value {
        case .none: out.append(0x4E)
        case .bool(let b): out.append(b ? 0x88 : 0x89)
        case .int(let v): int(v)
        case .float(let v): out.append(0x47); out += withUnsafeBytes(of: v.bitPattern.bigEndian, Array.init)
        case .string(let s): string(s)
        case .bytes(let b): out.append(0x42); u32(b.count); out += b
        case .tuple(let items): out.append(0x28); items.forEach { write($0, into: &out) }; out.append(0x74)
        case .list(let items): out += [0x5D, 0x28]; items.forEach { write($0, into: &out) }; out.append(0x65)
        case .dict(let entries, let ordered):
            if ordered { emptyOrderedDict() } else { out.append(0x7D) }
            out.append(0x28)
            for e in entries { write(e.key, into: &out); write(e.value, into: &out) }
            out.append(0x75)
        case .tensor(let t):
            if t.requiresGrad { global("torch._utils _rebuild_parameter"); out.append(0x28) }
            global("torch._utils _rebuild_tensor_v2")
            out += [0x28, 0x28]
            string("storage"); global(t.dtype.storageClass); string(t.storageKey); string("cpu"); int(t.storageCount)
            out += [0x74, 0x51]  // TUPLE, BINPERSID
            int(t.storageOffset); ints(t.shape); ints(t.strides); out.append(0x89); emptyOrderedDict()
            out += [0x74, 0x52]
            if t.requiresGrad { out.append(0x88); emptyOrderedDict(); out += [0x74, 0x52] }
        }
    }

    /// A small state dict: a tensor of every dtype, a transposed view, nested containers.
    static func seedStateDict() -> Data {
        var storages: [String: [UInt8]] = [:]
        let matrix = float32([1, 2, 3, 4, 5, 6], shape: [2, 3], key: "0", storages: &storages, parameter: false)
        var transposed = matrix.tensor!
        transposed.shape = [3, 2]
        transposed.strides = [1, 3]
        storages["1"] = [0x00, 0x3C, 0x00, 0xC0]  // float16 1, −2
        storages["2"] = [0xC0, 0x3F, 0x00, 0xC0]  // bfloat16 1.5, −2
        storages["3"] = withUnsafeBytes(of: Int64(-5).littleEndian, Array.init)
        storages["4"] = withUnsafeBytes(of: Int32(7).littleEndian, Array.init)
        storages["5"] = [1, 0]
        func tensor(_ dtype: TorchDType, _ key: String, _ count: Int) -> PickleValue {
            .tensor(TorchTensor(dtype: dtype, shape: [count], strides: [1], storageOffset: 0, storageKey: key,
                                storageCount: count, requiresGrad: false))
        }
        let root = PickleValue.dict([
            PickleEntry(.string("matrix"), matrix), PickleEntry(.string("transposed"), .tensor(transposed)),
            PickleEntry(.string("half"), tensor(.float16, "1", 2)), PickleEntry(.string("bf16"), tensor(.bfloat16, "2", 2)),
            PickleEntry(.string("long"), tensor(.int64, "3", 1)), PickleEntry(.string("int"), tensor(.int32, "4", 1)),
            PickleEntry(.string("mask"), tensor(.bool, "5", 2)),
            PickleEntry(.string("nested"), .tuple([.int(1 << 40), .float(0.5), .none, .list([.bool(true), .string("x")]),
                                                   .dict([PickleEntry(.int(0), .string("y"))], ordered: false)])),
        ], ordered: true)
        return archive(name: "state", root: root, storages: storages)
    }

    static func seed4DGS() -> Data {
        let raw = SeedScenes.native4D()
        return Gaussian4DCheckpoint.write(raw.gaussians, opacities: raw.opacities, shDegree: 1, sh: raw.sh)
    }
}
