/// The element types of tensors that `TorchCheckpoint` reads, by the storage class the pickle
/// names (torch/storage.py: the typed storage classes `torch.save` still writes for compatibility).
public enum TorchDType: String, Sendable, Hashable, CaseIterable {
    case float32, float16, bfloat16, int64, int32, bool

    public var itemSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        case .int64: return 8
        case .bool: return 1
        }
    }

    public var isFloatingPoint: Bool { self == .float32 || self == .float16 || self == .bfloat16 }

    /// The GLOBAL that names the storage class in a pickle ("torch FloatStorage").
    public var storageClass: String {
        switch self {
        case .float32: return "torch FloatStorage"
        case .float16: return "torch HalfStorage"
        case .bfloat16: return "torch BFloat16Storage"
        case .int64: return "torch LongStorage"
        case .int32: return "torch IntStorage"
        case .bool: return "torch BoolStorage"
        }
    }

    public init?(storageClass: String) {
        guard let match = Self.allCases.first(where: { $0.storageClass == storageClass }) else { return nil }
        self = match
    }
}

/// A tensor as `torch._utils._rebuild_tensor_v2` describes it: a view (offset, shape, strides in
/// elements) of one storage of the archive (`<archive>/data/<key>`, `storageCount` elements).
public struct TorchTensor: Sendable, Hashable {
    public var dtype: TorchDType
    public var shape: [Int]
    public var strides: [Int]
    public var storageOffset: Int
    public var storageKey: String
    public var storageCount: Int
    public var requiresGrad: Bool

    /// Elements in the tensor (the product of the shape; 1 for a 0-dimensional tensor).
    public var count: Int { shape.reduce(1, *) }

    /// Whether the elements lie in row-major order without gaps (strides of a fresh tensor).
    public var isContiguous: Bool {
        var expected = 1
        for axis in shape.indices.reversed() where shape[axis] != 1 {
            guard strides[axis] == expected else { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Checks what a hostile pickle could get wrong; `count` and the element offsets are then
    /// safe to compute. Returns the problem, or nil.
    static func problem(shape: [Int], strides: [Int], offset: Int, storageCount: Int) -> String? {
        guard shape.count == strides.count else { return "has \(shape.count) sizes but \(strides.count) strides" }
        guard shape.count <= 16 else { return "has \(shape.count) dimensions (at most 16 are supported)" }
        guard shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }), offset >= 0 else {
            return "has a negative size, stride or offset"
        }
        var count = 1, last = offset
        for (size, stride) in zip(shape, strides) {
            let (c, o1) = count.multipliedReportingOverflow(by: size)
            let (reach, o2) = max(size - 1, 0).multipliedReportingOverflow(by: stride)
            let (l, o3) = last.addingReportingOverflow(reach)
            guard !o1 && !o2 && !o3 else { return "declares an impossible size" }
            count = c
            last = l
        }
        if count > 0 && last >= storageCount {
            return "reaches element \(last) of a storage of \(storageCount) elements"
        }
        return nil
    }
}

/// A storage named by a pickle's persistent id: ('storage', class, key, location, count).
struct TorchStorageRef: Hashable {
    var dtype: TorchDType
    var key: String
    var count: Int
}
