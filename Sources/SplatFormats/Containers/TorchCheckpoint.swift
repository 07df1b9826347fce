import Foundation
import SplatCore

/// A `torch.save` file read without PyTorch (torch/serialization.py, the zip format of PyTorch
/// ≥ 1.6): a ZIP whose members sit under one folder named after the file, `<archive>/data.pkl` (the
/// pickled object, read by `Unpickler`), `<archive>/data/<key>` (each storage's raw elements),
/// `<archive>/byteorder` ("little"; absent in files before PyTorch 1.10, which were little-endian)
/// and `<archive>/version`. Tensors are described by `root`; `floats`/`integers` read their
/// elements, checked against the storage member's size and the memory budget.
public struct TorchCheckpoint: Sendable {
    public let path: String
    /// The pickled object.
    public let root: PickleValue
    /// The folder every member sits in ("chkpnt7000").
    public let archiveName: String
    let archive: ZipArchive
    let storages: [String: TorchStorageRef]

    /// The legacy format (PyTorch < 1.6, or `_use_new_zipfile_serialization=False`) starts with a
    /// protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c (a LONG1 of 10 bytes).
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    public static func isLegacy(_ data: Data) -> Bool { data.starts(with: legacyMagic) }

    /// A ZIP with a top-level folder holding data.pkl, or the legacy format (which `init` refuses
    /// with a message naming it).
    public static func matches(_ data: Data) -> Bool {
        if isLegacy(data) { return true }
        guard ZipArchive.hasZipMagic(data), let zip = try? ZipArchive(data: data, path: "") else { return false }
        return pickleEntry(zip) != nil
    }

    static func pickleEntry(_ zip: ZipArchive) -> ZipArchive.Entry? {
        zip.entries.first { $0.name.hasSuffix("/data.pkl") && $0.name.split(separator: "/", omittingEmptySubsequences: false).count == 2 }
    }

    public init(data: Data, path: String) throws {
        let checks = OpeningChecks(path: path)
        try checks.nonEmpty(data)
        guard !Self.isLegacy(data) else {
            throw checks.fail("is a legacy (non-zip) PyTorch file, written before PyTorch 1.6 or with "
                              + "_use_new_zipfile_serialization=False; load it in PyTorch and torch.save it again")
        }
        guard ZipArchive.hasZipMagic(data) else { throw checks.fail("not a PyTorch checkpoint (neither a ZIP nor the legacy format)") }
        let zip = try ZipArchive(data: data, path: path, kind: "PyTorch checkpoint")
        guard let pickle = Self.pickleEntry(zip) else {
            if zip.entries.contains(where: { $0.name.hasSuffix("/constants.pkl") }) {
                throw checks.fail("is a TorchScript archive (torch.jit.save), not a torch.save checkpoint")
            }
            throw checks.fail("is a ZIP without <archive>/data.pkl: not a torch.save checkpoint")
        }
        archiveName = String(pickle.name.dropLast("/data.pkl".count))
        if let order = zip.entry(named: "\(archiveName)/byteorder") {
            let text = String(decoding: try zip.read(order, limit: 16), as: UTF8.self)
            guard text == "little" else { throw checks.fail("stores its tensors \(text)-endian; only little-endian checkpoints are supported") }
        }
        let pickleBytes = try zip.read(pickle, limit: min(Int(clamping: MemoryBudget.bytes), 256 << 20))
        (root, storages) = try Unpickler.read(pickleBytes) { checks.fail("data.pkl: \($0)") }
        // Every storage a tensor names is a member with at least the elements it declares.
        for storage in storages.values.sorted(by: { $0.key < $1.key }) {
            guard let entry = zip.entry(named: "\(archiveName)/data/\(storage.key)") else {
                throw checks.fail("storage '\(storage.key)' is missing (no member \(archiveName)/data/\(storage.key))")
            }
            let needed = storage.count * storage.dtype.itemSize  // checked not to overflow when unpickled
            guard entry.uncompressedSize >= needed else {
                throw checks.fail("storage '\(storage.key)' is truncated: \(entry.uncompressedSize) bytes for \(storage.count) "
                                  + "\(storage.dtype.rawValue) elements (\(needed) bytes)")
            }
        }
        self.path = path
        archive = zip
    }

    /// The elements of a floating-point, integer or bool tensor as Float, in row-major order of its
    /// shape (strides honoured). Integers beyond 2^24 round.
    public func floats(_ tensor: TorchTensor, name: String) throws -> [Float] {
        switch tensor.dtype {
        case .float32: return try elements(tensor, name: name) { Float(bitPattern: UInt32($0)) }
        case .float16: return try elements(tensor, name: name) { HalfFloat.float(fromBits: UInt16($0)) }
        case .bfloat16: return try elements(tensor, name: name) { Float(bitPattern: UInt32($0) << 16) }  // the top half of a float32
        case .int64: return try elements(tensor, name: name) { Float(Int64(bitPattern: $0)) }
        case .int32: return try elements(tensor, name: name) { Float(Int32(truncatingIfNeeded: $0)) }
        case .bool: return try elements(tensor, name: name) { $0 == 0 ? 0 : 1 }
        }
    }

    /// The elements of an integer or bool tensor, in row-major order (strides honoured).
    public func integers(_ tensor: TorchTensor, name: String) throws -> [Int64] {
        switch tensor.dtype {
        case .int64: return try elements(tensor, name: name) { Int64(bitPattern: $0) }
        case .int32: return try elements(tensor, name: name) { Int64(Int32(truncatingIfNeeded: $0)) }
        case .bool: return try elements(tensor, name: name) { $0 == 0 ? 0 : 1 }
        case .float32, .float16, .bfloat16:
            throw OpeningChecks(path: path).fail("tensor '\(name)' holds \(tensor.dtype.rawValue) values, not integers")
        }
    }

    /// Reads the tensor's storage and maps each element's little-endian bits through `convert`.
    func elements<T>(_ tensor: TorchTensor, name: String, _ convert: (UInt64) -> T) throws -> [T] {
        let checks = OpeningChecks(path: path)
        guard let storage = storages[tensor.storageKey], storage.dtype == tensor.dtype, storage.count == tensor.storageCount,
              TorchTensor.problem(shape: tensor.shape, strides: tensor.strides, offset: tensor.storageOffset,
                                  storageCount: storage.count) == nil else {
            throw checks.fail("tensor '\(name)' does not describe a view of this checkpoint's storages")
        }
        let count = tensor.count, size = tensor.dtype.itemSize
        let member = try archive.entry(named: "\(archiveName)/data/\(storage.key)")
            .orThrow(checks.fail("storage '\(storage.key)' is missing"))
        // The elements (a stride-0 view may declare many) and the storage's bytes, within the budget.
        let (outBytes, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(MemoryLayout<T>.stride))
        guard !overflow, outBytes <= MemoryBudget.bytes, UInt64(member.uncompressedSize) <= MemoryBudget.bytes - outBytes else {
            throw checks.fail("tensor '\(name)' of \(count) elements does not fit the memory budget")
        }
        let bytes = try archive.read(member, limit: member.uncompressedSize)
        var out = [T]()
        out.reserveCapacity(count)
        guard count > 0 else { return out }
        bytes.withUnsafeBytes { raw in
            func bits(_ element: Int) -> UInt64 {
                let at = element * size
                switch size {
                case 1: return UInt64(raw[at])
                case 2: return UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
                case 4: return UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                default: return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                }
            }
            if tensor.isContiguous {
                for e in tensor.storageOffset..<(tensor.storageOffset + count) { out.append(convert(bits(e))) }
                return
            }
            // Odometer over the shape, last axis fastest.
            var index = [Int](repeating: 0, count: tensor.shape.count)
            var element = tensor.storageOffset
            for _ in 0..<count {
                out.append(convert(bits(element)))
                var axis = tensor.shape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    element += tensor.strides[axis]
                    if index[axis] < tensor.shape[axis] { break }
                    element -= tensor.strides[axis] * index[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return out
    }
}

/// The checkpoint reader on its own, for the fuzz harness: opens any `torch.save` file and reads
/// every tensor it holds.
public struct TorchCheckpointFile: FuzzedReader {
    public init() {}
    public var name: String { "torch-pth" }

    public func fuzzSeeds() throws -> [FuzzSeed] {
        [FuzzSeed("state.pth", TorchWriter.seedStateDict()), FuzzSeed("4dgs.pth", TorchWriter.seed4DGS())]
    }

    public func fuzz(_ data: Data) throws {
        let checkpoint = try TorchCheckpoint(data: data, path: "fuzz.pth")
        var pending = [checkpoint.root]
        while let value = pending.popLast() {
            switch value {
            // Stride-0 views may declare any size within the memory budget: read the small ones.
            case .tensor(let t) where t.count <= 1 << 20: _ = try checkpoint.floats(t, name: "fuzz")
            case .tuple(let items), .list(let items): pending += items
            case .dict(let entries, _): pending += entries.map(\.value)
            default: break
            }
        }
    }
}

extension Optional {
    fileprivate func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
