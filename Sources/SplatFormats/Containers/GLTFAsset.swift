import Foundation
import SplatCore

/// A glTF 2.0 asset's JSON and buffers, from a .glb (12-byte header "glTF", version 2, total
/// length; then a JSON chunk and an optional BIN chunk, each length, type, data: glTF 2.0 §4.4) or
/// a .gltf whose buffers are data URIs or files beside it. Accessors are read with every range
/// checked against its buffer view and buffer (glTF 2.0 §3.6).
struct GLTFAsset {
    let json: [String: Any]
    private let path: String
    private let folder: String
    private let binChunk: Data?
    private var buffers: [Int: Data] = [:]
    private let fail: (String) -> SceneFileError

    static let glbMagic: [UInt8] = Array("glTF".utf8)
    static let jsonChunk: UInt32 = 0x4E4F_534A  // "JSON"
    static let binaryChunk: UInt32 = 0x004E_4942  // "BIN\0"

    init(data: Data, path: String) throws {
        let fail = OpeningChecks(path: path).fail
        self.fail = fail
        self.path = path
        folder = (path as NSString).deletingLastPathComponent
        var jsonBytes = data
        var bin: Data?
        if data.starts(with: Self.glbMagic) {
            let bytes = [UInt8](data)
            func u32(_ at: Int) -> UInt32 { UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24 }
            guard bytes.count >= 20 else { throw fail("truncated GLB: \(bytes.count) bytes, less than a header and a chunk") }
            let version = u32(4)
            guard version == 2 else { throw fail("GLB version \(version) is not supported (this reader takes glTF 2.0)") }
            let total = Int(u32(8))
            guard total <= bytes.count else { throw fail("truncated GLB: the header declares \(total) bytes, the file holds \(bytes.count)") }
            var offset = 12
            var chunks: [(type: UInt32, data: Data)] = []
            while offset + 8 <= total {
                let length = Int(u32(offset)), type = u32(offset + 4)
                guard length <= total - offset - 8 else { throw fail("GLB chunk at byte \(offset) declares \(length) bytes past the end of the file") }
                chunks.append((type, Data(bytes[(offset + 8)..<(offset + 8 + length)])))
                offset += 8 + (length + 3) / 4 * 4
            }
            guard let first = chunks.first, first.type == Self.jsonChunk else { throw fail("GLB does not start with a JSON chunk") }
            jsonBytes = first.data
            bin = chunks.dropFirst().first { $0.type == Self.binaryChunk }?.data
        }
        guard let root = JSONValues.parse(jsonBytes) as? [String: Any] else { throw fail("the glTF JSON does not parse to an object") }
        json = root
        binChunk = bin
    }

    // MARK: JSON access

    func array(_ key: String) -> [[String: Any]] { (json[key] as? [Any])?.compactMap { $0 as? [String: Any] } ?? [] }

    func item(_ key: String, _ index: Int, of what: String) throws -> [String: Any] {
        let list = (json[key] as? [Any]) ?? []
        guard index >= 0, index < list.count, let object = list[index] as? [String: Any] else {
            throw fail("\(what) refers to \(key)[\(index)], which does not exist (\(list.count) \(key))")
        }
        return object
    }

    func index(_ value: Any?, key: String) throws -> Int? {
        try JSONValues.wholeNumber(value, key: key, fail: fail).map { Int($0) }
    }

    // MARK: buffers

    /// The bytes of buffer `index`: the GLB's BIN chunk, a base64 data URI, or a file in the asset's folder.
    mutating func buffer(_ index: Int) throws -> Data {
        if let cached = buffers[index] { return cached }
        let buffer = try item("buffers", index, of: "a buffer view")
        guard let declared = try self.index(buffer["byteLength"], key: "buffers[\(index)].byteLength") else {
            throw fail("buffers[\(index)] has no byteLength")
        }
        let data: Data
        if let uri = buffer["uri"] as? String {
            data = try resolve(uri: uri, buffer: index)
        } else if index == 0, let binChunk {
            data = binChunk
        } else {
            throw fail("buffers[\(index)] has no uri and the file has no GLB binary chunk")
        }
        guard data.count >= declared else {
            throw fail("buffers[\(index)] declares \(declared) bytes but holds \(data.count)")
        }
        buffers[index] = data
        return data
    }

    private func resolve(uri: String, buffer index: Int) throws -> Data {
        if uri.hasPrefix("data:") {
            guard let comma = uri.firstIndex(of: ","), uri[..<comma].hasSuffix(";base64"),
                  let data = Data(base64Encoded: String(uri[uri.index(after: comma)...])) else {
                throw fail("buffers[\(index)]: the data URI is not base64 data")
            }
            return data
        }
        // A relative reference inside the asset's folder (RFC 3986 path, percent-encoded); never absolute or upward.
        guard let name = uri.removingPercentEncoding, !name.hasPrefix("/"), !name.contains("://"),
              !name.split(separator: "/").contains("..") else {
            throw fail("buffers[\(index)]: uri '\(uri)' is not a relative file in the asset's folder")
        }
        let file = folder.isEmpty ? name : folder + "/" + name
        do {
            return try OpeningChecks(path: file).readFile()
        } catch let error as SplatError {
            throw fail("buffers[\(index)]: cannot read '\(uri)' (\(error))")
        }
    }

    // MARK: accessors

    /// Accessor `index` as floats, `components` per element (SCALAR 1, VEC3 3, VEC4 4), with the
    /// glTF normalisation of integer types where `normalized` (§3.11: max(c/127, −1), c/255,
    /// max(c/32767, −1), c/65535). `allowed` lists the component types this attribute may use.
    mutating func floats(accessor index: Int, name: String, type: String, allowed: Set<Int>, maxCount: Int) throws -> (count: Int, values: [Float]) {
        let accessor = try item("accessors", index, of: name)
        let label = "accessor \(index) (\(name))"
        if accessor["sparse"] != nil { throw fail("\(label) is a sparse accessor, which this reader does not support") }
        guard (accessor["type"] as? String) == type else {
            throw fail("\(label) has type \(accessor["type"] as? String ?? "?"), expected \(type)")
        }
        let components = ["SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4][type]!
        guard let componentType = try self.index(accessor["componentType"], key: "\(label).componentType"),
              let size = [5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4][componentType] else {
            throw fail("\(label) has no valid componentType")
        }
        let normalized = (accessor["normalized"] as? Bool) ?? false
        // The attribute's allowed types: 5126 float; negative: the integer type, normalised.
        guard allowed.contains(componentType == 5126 ? 5126 : (normalized ? -componentType : componentType)) else {
            throw fail("\(label): component type \(componentType)\(normalized ? " normalized" : "") is not allowed for \(name)")
        }
        guard let count = try self.index(accessor["count"], key: "\(label).count"), count >= 1 else { throw fail("\(label) has no count") }
        guard count <= maxCount else { throw fail("\(label) declares \(count) elements, more than the memory budget allows") }
        guard let viewIndex = try self.index(accessor["bufferView"], key: "\(label).bufferView") else {
            return (count, [Float](repeating: 0, count: count * components))  // no buffer view: all zeros (§3.6.2.1)
        }
        let view = try item("bufferViews", viewIndex, of: label)
        let buffer = try self.buffer(try self.index(view["buffer"], key: "bufferViews[\(viewIndex)].buffer") ?? -1)
        let viewOffset = try self.index(view["byteOffset"], key: "bufferViews[\(viewIndex)].byteOffset") ?? 0
        guard let viewLength = try self.index(view["byteLength"], key: "bufferViews[\(viewIndex)].byteLength"),
              viewOffset <= buffer.count, viewLength <= buffer.count - viewOffset else {
            throw fail("bufferViews[\(viewIndex)] lies outside its buffer (\(buffer.count) bytes)")
        }
        let elementSize = size * components
        let stride = try self.index(view["byteStride"], key: "bufferViews[\(viewIndex)].byteStride") ?? elementSize
        guard stride >= elementSize, stride <= 252 else { throw fail("bufferViews[\(viewIndex)] has byteStride \(stride), less than the \(elementSize)-byte element or over 252") }
        let offset = try self.index(accessor["byteOffset"], key: "\(label).byteOffset") ?? 0
        let (span, overflow) = stride.multipliedReportingOverflow(by: count - 1)
        guard !overflow, offset <= viewLength, span <= viewLength - offset, elementSize <= viewLength - offset - span else {
            throw fail("\(label): \(count) elements of \(elementSize) bytes every \(stride) from byte \(offset) overrun its \(viewLength)-byte buffer view")
        }
        var out = [Float](repeating: 0, count: count * components)
        buffer.withUnsafeBytes { raw in
            let base = viewOffset + offset
            for i in 0..<count {
                for c in 0..<components {
                    let at = base + i * stride + c * size
                    out[i * components + c] = Self.component(raw, at: at, type: componentType, normalized: normalized)
                }
            }
        }
        return (count, out)
    }

    private static func component(_ raw: UnsafeRawBufferPointer, at: Int, type: Int, normalized: Bool) -> Float {
        switch type {
        case 5120:
            let v = Float(raw.loadUnaligned(fromByteOffset: at, as: Int8.self))
            return normalized ? max(v / 127, -1) : v
        case 5121:
            let v = Float(raw[at])
            return normalized ? v / 255 : v
        case 5122:
            let v = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
            return normalized ? max(v / 32767, -1) : v
        case 5123:
            let v = Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            return normalized ? v / 65535 : v
        case 5125:
            return Float(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        default:
            return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        }
    }
}
