import Foundation
import SplatCore

/// Reads the pickle `torch.save` writes (`data.pkl`, protocol 2; the few protocol 3–4 opcodes
/// too) into `PickleValue`s. It executes nothing: GLOBAL may name only the constructors in
/// `Unpickler.allowed`, which are interpreted here as data (an OrderedDict, a tensor view, a numpy
/// scalar); any other name is refused with that name. Opcodes as in CPython's Lib/pickletools.py.
///
/// Hostile pickles fail with one line: nesting deeper than `maxDepth`, more values than
/// `maxValues` produced (shared references expanded: "billion laughs"), unknown opcodes, memo
/// slots never filled, truncation.
struct Unpickler {
    /// The allow-list, by the "module name" string GLOBAL carries.
    enum Callable: Sendable {
        case orderedDict
        case rebuildTensor
        case rebuildParameter
        case rebuildParameterWithState
        case storage(TorchDType)
        case numpyScalar
        case numpyDType
        case codecsEncode
    }

    static let allowed: [String: Callable] = {
        var table: [String: Callable] = [
            "collections OrderedDict": .orderedDict,
            "torch._utils _rebuild_tensor_v2": .rebuildTensor,
            "torch._utils _rebuild_parameter": .rebuildParameter,
            "torch._utils _rebuild_parameter_with_state": .rebuildParameterWithState,
            // A numpy scalar (the trainers' spatial_lr_scale is one): numpy 1.x and 2.x module names.
            "numpy.core.multiarray scalar": .numpyScalar,
            "numpy._core.multiarray scalar": .numpyScalar,
            "numpy dtype": .numpyDType,
            // Protocol 2 has no bytes opcode: bytes travel as _codecs.encode(text, 'latin1').
            "_codecs encode": .codecsEncode,
        ]
        for dtype in TorchDType.allCases { table[dtype.storageClass] = .storage(dtype) }
        return table
    }()

    static let maxDepth = 64

    final class ListBox { var items: [Node] = [] }
    final class DictBox {
        var keys: [PickleValue] = []
        var values: [Node] = []
        var index: [PickleValue: Int] = [:]
        let ordered: Bool
        init(ordered: Bool) { self.ordered = ordered }
    }
    /// A numpy dtype: its type code ("f8") and byte order ("<", ">", "|", "=").
    struct NumpyDType { var code: String; var byteOrder = "=" }

    indirect enum Node {
        case value(PickleValue)
        case tuple([Node])
        case list(ListBox)
        case dict(DictBox)
        case callable(Callable, name: String)
        case storage(TorchStorageRef)
        case numpyDType(NumpyDType)
    }

    let bytes: [UInt8]
    let fail: (String) -> SceneFileError
    let maxValues: Int
    var position = 0
    var stack: [Node] = []
    var marks: [Int] = []
    var memo: [Int: Node] = [:]
    var produced = 0
    /// Every storage a tensor refers to, for the reader to check against the archive.
    var storages: [String: TorchStorageRef] = [:]

    init(bytes: [UInt8], fail: @escaping (String) -> SceneFileError) {
        self.bytes = bytes
        self.fail = fail
        maxValues = max(1 << 20, 16 * bytes.count)
    }

    /// The value the pickle builds, and the storages it names.
    static func read(_ bytes: [UInt8], fail: @escaping (String) -> SceneFileError) throws -> (PickleValue, [String: TorchStorageRef]) {
        var unpickler = Unpickler(bytes: bytes, fail: fail)
        let node = try unpickler.run()
        let value = try unpickler.value(node, depth: 0)
        return (value, unpickler.storages)
    }

    // MARK: - Reading bytes

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count - position >= n else { throw fail("pickle is truncated at byte \(position)") }
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    mutating func uint(_ n: Int) throws -> UInt64 {
        try take(n).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A), end - position <= 256 else {
            throw fail("pickle has an unterminated GLOBAL name at byte \(position)")
        }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    mutating func text(length: UInt64) throws -> String {
        guard length <= UInt64(bytes.count) else { throw fail("pickle is truncated at byte \(position)") }
        let raw = try take(Int(length))
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("pickle has a string that is not UTF-8 at byte \(position)") }
        return s
    }

    // MARK: - The stack

    mutating func pop() throws -> Node {
        guard stack.count > (marks.last ?? 0), let top = stack.popLast() else {
            throw fail("pickle pops an empty stack at byte \(position)")
        }
        return top
    }

    mutating func popMark() throws -> [Node] {
        guard let mark = marks.popLast() else { throw fail("pickle has no MARK for the opcode at byte \(position - 1)") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    mutating func top() throws -> Node {
        guard let top = stack.last, stack.count > (marks.last ?? 0) else { throw fail("pickle uses an empty stack at byte \(position)") }
        return top
    }

    // MARK: - Opcodes

    mutating func run() throws -> Node {
        while true {
            let at = position
            let op = try take(1).first!
            switch op {
            case 0x80: // PROTO
                let version = try uint(1)
                guard version >= 2 && version <= 5 else { throw fail("pickle protocol \(version) is not supported (torch.save writes 2)") }
            case 0x95: _ = try take(8)  // FRAME: a length hint only
            case 0x2E: // STOP
                let result = try pop()
                guard stack.isEmpty, marks.isEmpty else { throw fail("pickle stops with values left on its stack") }
                return result
            case 0x28: marks.append(stack.count)  // MARK
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x4E: stack.append(.value(.none))  // NONE
            case 0x88: stack.append(.value(.bool(true)))  // NEWTRUE
            case 0x89: stack.append(.value(.bool(false)))  // NEWFALSE
            case 0x4B: stack.append(.value(.int(Int(try uint(1)))))  // BININT1
            case 0x4D: stack.append(.value(.int(Int(try uint(2)))))  // BININT2
            case 0x4A: stack.append(.value(.int(Int(Int32(bitPattern: UInt32(try uint(4)))))))  // BININT
            case 0x8A: // LONG1: little-endian two's complement of n bytes
                let n = Int(try uint(1))
                guard n <= 8 else { throw fail("pickle has an integer of \(n) bytes at byte \(at) (at most 8 are supported)") }
                let raw = try uint(n)
                let shift = UInt64(64 - 8 * n)
                stack.append(.value(.int(n == 0 ? 0 : Int(Int64(bitPattern: raw << shift) >> Int64(shift)))))
            case 0x8B: throw fail("pickle has an integer longer than 8 bytes at byte \(at)")  // LONG4
            case 0x47: stack.append(.value(.float(Double(bitPattern: try Self.bigEndian(take(8))))))  // BINFLOAT
            case 0x58: stack.append(.value(.string(try text(length: uint(4)))))  // BINUNICODE
            case 0x8C: stack.append(.value(.string(try text(length: uint(1)))))  // SHORT_BINUNICODE
            case 0x8D: stack.append(.value(.string(try text(length: uint(8)))))  // BINUNICODE8
            case 0x43: stack.append(.value(.bytes(Array(try take(Int(uint(1)))))))  // SHORT_BINBYTES
            case 0x42: // BINBYTES
                let n = try uint(4)
                guard n <= UInt64(bytes.count) else { throw fail("pickle is truncated at byte \(position)") }
                stack.append(.value(.bytes(Array(try take(Int(n))))))
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))  // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))  // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))  // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x5D: stack.append(.list(ListBox()))  // EMPTY_LIST
            case 0x6C: let box = ListBox(); box.items = try popMark(); stack.append(.list(box))  // LIST
            case 0x61: let item = try pop(); try append([item])  // APPEND
            case 0x65: let items = try popMark(); try append(items)  // APPENDS
            case 0x7D: stack.append(.dict(DictBox(ordered: false)))  // EMPTY_DICT
            case 0x64: // DICT
                let items = try popMark()
                let box = DictBox(ordered: false)
                stack.append(.dict(box))
                try setItems(items)
            case 0x73: let v = try pop(), k = try pop(); try setItems([k, v])  // SETITEM
            case 0x75: let items = try popMark(); try setItems(items)  // SETITEMS
            case 0x68: try get(Int(uint(1)))  // BINGET
            case 0x6A: try get(Int(uint(4)))  // LONG_BINGET
            case 0x71: memo[Int(try uint(1))] = try top()  // BINPUT
            case 0x72: memo[Int(try uint(4))] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x63: // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                stack.append(try callable("\(module) \(name)"))
            case 0x93: // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard case .value(.string(let n)) = name, case .value(.string(let m)) = module else {
                    throw fail("pickle has a STACK_GLOBAL without names at byte \(at)")
                }
                stack.append(try callable("\(m) \(n)"))
            case 0x52: let args = try pop(), function = try pop(); stack.append(try reduce(function, args))  // REDUCE
            case 0x62: let state = try pop(); try build(state)  // BUILD
            case 0x51: stack.append(try persistent(pop()))  // BINPERSID
            default:
                throw fail("pickle has opcode 0x\(String(op, radix: 16)) at byte \(at), which torch.save does not write")
            }
        }
    }

    static func bigEndian(_ b: ArraySlice<UInt8>) -> UInt64 { b.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }

    mutating func get(_ index: Int) throws {
        guard let node = memo[index] else { throw fail("pickle reads memo slot \(index), which was never written") }
        stack.append(node)
    }

    mutating func append(_ items: [Node]) throws {
        guard case .list(let box) = try top() else { throw fail("pickle appends to something that is not a list") }
        box.items += items
    }

    mutating func setItems(_ items: [Node]) throws {
        guard items.count % 2 == 0 else { throw fail("pickle sets a dict item without a value") }
        guard case .dict(let box) = try top() else { throw fail("pickle sets an item of something that is not a dict") }
        for i in stride(from: 0, to: items.count, by: 2) {
            let key = try value(items[i], depth: 1)
            if let existing = box.index[key] {
                box.values[existing] = items[i + 1]
            } else {
                box.index[key] = box.keys.count
                box.keys.append(key)
                box.values.append(items[i + 1])
            }
        }
    }

    func callable(_ name: String) throws -> Node {
        guard let known = Self.allowed[name] else {
            let shown = String(name.unicodeScalars.prefix(120).map { $0.properties.generalCategory == .control ? "?" : Character($0) })
            throw fail("pickle refers to '\(shown.replacingOccurrences(of: " ", with: "."))', which a checkpoint reader does not "
                       + "run (allowed: tensors, storages, OrderedDict, numpy scalars)")
        }
        return .callable(known, name: name)
    }

    /// ('storage', storage class, key, location, element count): torch/serialization.py's persistent_id.
    func persistent(_ pid: Node) throws -> Node {
        guard case .tuple(let parts) = pid, parts.count == 5, case .value(.string("storage")) = parts[0],
              case .callable(.storage(let dtype), _) = parts[1], case .value(.string(let key)) = parts[2],
              case .value(.string) = parts[3], case .value(.int(let count)) = parts[4] else {
            throw fail("pickle has a persistent id that is not a torch storage")
        }
        guard count >= 0, OpeningChecks.byteCount(count, each: dtype.itemSize) != nil else {
            throw fail("storage '\(key)' declares an impossible size")
        }
        return .storage(TorchStorageRef(dtype: dtype, key: key, count: count))
    }

    mutating func reduce(_ function: Node, _ args: Node) throws -> Node {
        guard case .callable(let callable, let name) = function else { throw fail("pickle calls something that is not a function") }
        guard case .tuple(let a) = args else { throw fail("pickle calls \(name) without an argument tuple") }
        func bad() -> SceneFileError { fail("pickle calls \(name.replacingOccurrences(of: " ", with: ".")) with unexpected arguments") }
        switch callable {
        case .orderedDict:
            guard a.isEmpty else { throw bad() }
            return .dict(DictBox(ordered: true))
        case .rebuildTensor:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard a.count == 6 || a.count == 7, case .storage(let storage) = a[0], case .value(.int(let offset)) = a[1],
                  let shape = ints(a[2]), let strides = ints(a[3]), case .value(.bool(let grad)) = a[4] else { throw bad() }
            if let problem = TorchTensor.problem(shape: shape, strides: strides, offset: offset, storageCount: storage.count) {
                throw fail("a tensor on storage '\(storage.key)' \(problem)")
            }
            if let known = storages[storage.key], known != storage {
                throw fail("storage '\(storage.key)' is declared twice with different types or sizes")
            }
            storages[storage.key] = storage
            return .value(.tensor(TorchTensor(dtype: storage.dtype, shape: shape, strides: strides, storageOffset: offset,
                                              storageKey: storage.key, storageCount: storage.count, requiresGrad: grad)))
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state]): torch/_utils.py
            let arity = if case .rebuildParameter = callable { 3 } else { 4 }
            guard a.count == arity, case .value(.tensor(var tensor)) = a[0], case .value(.bool(let grad)) = a[1] else { throw bad() }
            tensor.requiresGrad = grad
            return .value(.tensor(tensor))
        case .numpyDType:
            guard a.count == 3, case .value(.string(let code)) = a[0] else { throw bad() }
            return .numpyDType(NumpyDType(code: code))
        case .numpyScalar:
            guard a.count == 2, case .numpyDType(let dtype) = a[0], case .value(.bytes(let raw)) = a[1] else { throw bad() }
            return .value(try numpyScalar(dtype, raw))
        case .codecsEncode:
            guard a.count == 2, case .value(.string(let text)) = a[0], case .value(.string(let encoding)) = a[1],
                  encoding == "latin1" || encoding == "latin-1" else { throw bad() }
            var out: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value <= 0xFF else { throw bad() }
                out.append(UInt8(scalar.value))
            }
            return .value(.bytes(out))
        case .storage:
            throw fail("pickle builds a storage outside a tensor")
        }
    }

    /// BUILD sets an object's state: a numpy dtype's, whose second field is the byte order, or an
    /// OrderedDict's instance attributes (nn.Module.state_dict() carries `_metadata`, the modules'
    /// versions), which are dropped: the entries are the state dict.
    mutating func build(_ state: Node) throws {
        if case .dict(let box) = try top(), box.ordered {
            guard case .dict = state else { throw fail("pickle sets an OrderedDict's state in an unknown form") }
            return
        }
        guard case .numpyDType(var dtype) = try top() else { throw fail("pickle sets the state of an object it may not build") }
        guard case .tuple(let fields) = state, fields.count >= 2, case .value(.string(let order)) = fields[1] else {
            throw fail("pickle sets a numpy dtype's state in an unknown form")
        }
        dtype.byteOrder = order
        stack[stack.count - 1] = .numpyDType(dtype)
    }

    func numpyScalar(_ dtype: NumpyDType, _ raw: [UInt8]) throws -> PickleValue {
        let kind = dtype.code.first, size = Int(dtype.code.dropFirst()) ?? 0
        guard raw.count == size, [1, 2, 4, 8].contains(size) else { throw fail("pickle has a numpy scalar '\(dtype.code)' of \(raw.count) bytes") }
        let little = dtype.byteOrder != ">"
        let bits = (little ? raw.reversed() : raw).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        switch (kind, size) {
        case ("f", 8): return .float(Double(bitPattern: bits))
        case ("f", 4): return .float(Double(Float(bitPattern: UInt32(bits))))
        case ("f", 2): return .float(Double(HalfFloat.float(fromBits: UInt16(bits))))
        case ("i", _):
            let shift = UInt64(64 - 8 * size)
            return .int(Int(Int64(bitPattern: bits << shift) >> Int64(shift)))
        case ("u", _):
            guard bits <= UInt64(Int.max) else { throw fail("pickle has a numpy integer beyond 2^63") }
            return .int(Int(bits))
        case ("b", 1): return .bool(bits != 0)
        default: throw fail("pickle has a numpy scalar of type '\(dtype.code)', which is not supported")
        }
    }

    func ints(_ node: Node) -> [Int]? {
        guard case .tuple(let items) = node else { return nil }
        var out: [Int] = []
        for item in items {
            guard case .value(.int(let v)) = item else { return nil }
            out.append(v)
        }
        return out
    }

    // MARK: - Values

    /// The node as a value; shared references are expanded, so their total is bounded.
    mutating func value(_ node: Node, depth: Int) throws -> PickleValue {
        guard depth <= Self.maxDepth else { throw fail("pickle nests deeper than \(Self.maxDepth) levels") }
        produced += 1
        guard produced <= maxValues else { throw fail("pickle expands to more than \(maxValues) values (shared references)") }
        switch node {
        case .value(let v): return v
        case .tuple(let items): return .tuple(try items.map { try value($0, depth: depth + 1) })
        case .list(let box): return .list(try box.items.map { try value($0, depth: depth + 1) })
        case .dict(let box):
            var entries: [PickleEntry] = []
            entries.reserveCapacity(box.keys.count)
            for (k, v) in zip(box.keys, box.values) { entries.append(PickleEntry(k, try value(v, depth: depth + 1))) }
            return .dict(entries, ordered: box.ordered)
        case .callable(_, let name): throw fail("pickle returns the function \(name.replacingOccurrences(of: " ", with: ".")) as a value")
        case .storage(let s): throw fail("pickle returns storage '\(s.key)' outside a tensor")
        case .numpyDType: throw fail("pickle returns a numpy dtype as a value")
        }
    }
}
