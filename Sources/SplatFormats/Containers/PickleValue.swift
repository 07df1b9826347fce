/// A value read from a `torch.save` pickle: the plain Python data a checkpoint holds, and tensors
/// (described, not yet read: `TorchCheckpoint` reads their storages on request).
public indirect enum PickleValue: Sendable, Hashable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    /// A dict or an OrderedDict: entries in insertion order; a later key equal to an earlier one
    /// replaced its value in place, as in Python.
    case dict([PickleEntry], ordered: Bool)
    case tensor(TorchTensor)

    /// The items of a tuple or a list.
    public var items: [PickleValue]? {
        switch self {
        case .tuple(let items), .list(let items): return items
        default: return nil
        }
    }

    /// The value under a string key of a dict.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let entries, _) = self else { return nil }
        return entries.first { $0.key == .string(key) }?.value
    }

    public var tensor: TorchTensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    /// An int, or a bool as Python counts it (True is 1).
    public var int: Int? {
        switch self {
        case .int(let v): return v
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .float(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }

    public var bool: Bool? {
        switch self {
        case .bool(let b): return b
        case .int(let v): return v != 0
        default: return nil
        }
    }

    /// A short name of the value's type, for messages ("a tuple of 2", "a tensor").
    public var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .tuple(let items): return "a tuple of \(items.count)"
        case .list(let items): return "a list of \(items.count)"
        case .dict(let entries, let ordered): return "\(ordered ? "an OrderedDict" : "a dict") of \(entries.count)"
        case .tensor: return "a tensor"
        }
    }
}

public struct PickleEntry: Sendable, Hashable {
    public var key: PickleValue
    public var value: PickleValue
    public init(_ key: PickleValue, _ value: PickleValue) {
        self.key = key
        self.value = value
    }
}
