import Foundation
import SplatCore

/// A glTF 2.0 asset (facts from the Khronos glTF 2.0 specification): the JSON document and its
/// buffers, from a `.glb` (12-byte header "glTF", version 2, length; a JSON chunk, then an optional
/// BIN chunk that buffer 0 without a `uri` refers to) or a `.gltf` (JSON; buffers in files beside it
/// or in base64 data URIs). Accessors are read as floats with every range checked against its
/// buffer view and buffer before any value is read.
struct GLTFDocument {
    let path: String
    let json: [String: Any]
    let buffers: [Data]
    let fail: (String) -> SceneFileError

    static let glbMagic: [UInt8] = Array("glTF".utf8)
    static let jsonChunk: UInt32 = 0x4E4F_534A  // "JSON"
    static let binChunk: UInt32 = 0x004E_4942   // "BIN\0"

    init(data: Data, path: String) throws {
        self.path = path
        let checks = OpeningChecks(path: path)
        fail = checks.fail
        try checks.nonEmpty(data)
        var jsonBytes = data, bin: Data?
        if data.starts(with: Self.glbMagic) {
            (jsonBytes, bin) = try Self.glbChunks(data, fail: checks.fail)
        }
        guard let object = JSONValues.parse(jsonBytes) as? [String: Any] else { throw checks.fail("not a glTF file (the JSON does not parse to an object)") }
        guard let asset = object["asset"] as? [String: Any], let version = asset["version"] as? String else {
            throw checks.fail("not a glTF file (no asset.version)")
        }
        guard version.hasPrefix("2.") else { throw checks.fail("glTF version \(version) is not supported (this reader takes 2.x)") }
        json = object
        buffers = try Self.loadBuffers(object, bin: bin, path: path, fail: checks.fail)
    }

    /// The JSON chunk and the BIN chunk (when present) of a GLB.
    private static func glbChunks(_ data: Data, fail: (String) -> SceneFileError) throws -> (Data, Data?) {
        guard data.count >= 20 else { throw fail("truncated GLB: \(data.count) bytes, the header and a chunk header need 20") }
        return try data.withUnsafeBytes { raw in
            let version = raw.uint32(4), length = Int(raw.uint32(8))
            guard version == 2 else { throw fail("GLB version \(version) is not supported (this reader takes version 2)") }
            guard length <= data.count else { throw fail("truncated GLB: the header declares \(length) bytes, the file holds \(data.count)") }
            var offset = 12
            var chunks: [(UInt32, Data)] = []
            while offset + 8 <= length {
                let size = Int(raw.uint32(offset)), type = raw.uint32(offset + 4)
                guard size <= length - offset - 8 else { throw fail("truncated GLB: a chunk of \(size) bytes runs past the end") }
                chunks.append((type, data.subdata(in: (data.startIndex + offset + 8)..<(data.startIndex + offset + 8 + size))))
                offset += 8 + size
            }
            guard let first = chunks.first, first.0 == jsonChunk else { throw fail("damaged GLB: the first chunk is not JSON") }
            return (first.1, chunks.dropFirst().first { $0.0 == binChunk }?.1)
        }
    }

    private static func loadBuffers(_ object: [String: Any], bin: Data?, path: String, fail: (String) -> SceneFileError) throws -> [Data] {
        guard let list = object["buffers"] else { return [] }
        guard let buffers = list as? [[String: Any]] else { throw fail("'buffers' must be a list of objects") }
        return try buffers.enumerated().map { index, buffer in
            let declared = try JSONValues.wholeNumber(buffer["byteLength"], key: "buffers[\(index)].byteLength", fail: fail) ?? 0
            let bytes: Data
            if let uri = buffer["uri"] as? String {
                bytes = try resolve(uri: uri, index: index, path: path, fail: fail)
            } else if index == 0, let bin {
                bytes = bin
            } else {
                throw fail("buffers[\(index)] has no uri and is not the GLB's BIN chunk")
            }
            guard bytes.count >= declared else {
                throw fail("buffers[\(index)] declares \(declared) bytes but holds \(bytes.count)")
            }
            return bytes
        }
    }

    /// A buffer's bytes: a base64 data URI, or a file named relative to the glTF's folder.
    private static func resolve(uri: String, index: Int, path: String, fail: (String) -> SceneFileError) throws -> Data {
        if uri.hasPrefix("data:") {
            guard let comma = uri.firstIndex(of: ","), uri[..<comma].hasSuffix(";base64"),
                  let bytes = Data(base64Encoded: String(uri[uri.index(after: comma)...])) else {
                throw fail("buffers[\(index)]: a data URI that is not base64")
            }
            return bytes
        }
        guard !uri.contains("://") else { throw fail("buffers[\(index)]: '\(uri)' is not a local file (only files beside the glTF and data URIs are read)") }
        let name = uri.removingPercentEncoding ?? uri
        let file = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        do {
            return try OpeningChecks(path: file).readFile()
        } catch let error as SceneFileError {
            throw fail("buffers[\(index)]: \(error)")
        }
    }

    // MARK: - Objects

    func list(_ key: String) throws -> [[String: Any]] {
        guard let value = json[key] else { return [] }
        guard let list = value as? [[String: Any]] else { throw fail("'\(key)' must be a list of objects") }
        return list
    }

    func object(_ key: String, _ index: Int) throws -> [String: Any] {
        let all = try list(key)
        guard all.indices.contains(index) else { throw fail("\(key)[\(index)] does not exist (\(all.count) defined)") }
        return all[index]
    }

    func index(_ value: Any?, key: String) throws -> Int? {
        try JSONValues.wholeNumber(value, key: key, fail: fail)
    }

    /// The bytes of a buffer view.
    func bufferView(_ index: Int) throws -> (bytes: Data, stride: Int?) {
        let view = try object("bufferViews", index)
        let key = "bufferViews[\(index)]"
        let buffer = try self.index(view["buffer"], key: key + ".buffer") ?? -1
        guard buffers.indices.contains(buffer) else { throw fail("\(key).buffer \(buffer) does not exist (\(buffers.count) buffers)") }
        let offset = try self.index(view["byteOffset"], key: key + ".byteOffset") ?? 0
        guard let length = try self.index(view["byteLength"], key: key + ".byteLength") else { throw fail("\(key) has no byteLength") }
        let data = buffers[buffer]
        guard offset <= data.count, length <= data.count - offset else {
            throw fail("\(key) (bytes \(offset)..<\(offset + length)) lies outside buffers[\(buffer)] (\(data.count) bytes)")
        }
        let stride = try self.index(view["byteStride"], key: key + ".byteStride")
        return (data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + length)), stride)
    }

    // MARK: - Accessors

    /// glTF component types: code → (bytes, normalised divisor when signed/unsigned).
    static let componentTypes: [Int: (name: String, bytes: Int)] = [
        5120: ("signed byte", 1), 5121: ("unsigned byte", 1), 5122: ("signed short", 2),
        5123: ("unsigned short", 2), 5125: ("unsigned int", 4), 5126: ("float", 4),
    ]
    static let typeComponents = ["SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16]

    /// An accessor's values as floats, row-major (count × components), normalised integers mapped
    /// to [0, 1] / [−1, 1] as the glTF specification defines. `allowed` lists the component type
    /// codes the attribute may use; `name` is the attribute for messages.
    func floats(accessor index: Int, type: String, allowed: Set<Int>, name: String) throws -> (count: Int, values: [Float]) {
        let accessor = try object("accessors", index)
        let key = "accessors[\(index)] (\(name))"
        guard accessor["sparse"] == nil else { throw fail("\(key) is a sparse accessor, which this reader does not support") }
        guard let actualType = accessor["type"] as? String, actualType == type else {
            throw fail("\(key) has type \(accessor["type"] ?? "none"), \(type) expected")
        }
        let code = try self.index(accessor["componentType"], key: key + ".componentType") ?? -1
        guard let component = Self.componentTypes[code], allowed.contains(code) else {
            throw fail("\(key) has component type \(code), which \(name) may not use")
        }
        let normalized = accessor["normalized"] as? Bool ?? false
        guard code == 5126 || normalized else { throw fail("\(key) stores \(component.name)s that are not normalized") }
        guard let count = try self.index(accessor["count"], key: key + ".count") else { throw fail("\(key) has no count") }
        guard let viewIndex = try self.index(accessor["bufferView"], key: key + ".bufferView") else {
            throw fail("\(key) has no bufferView (its data would come from an extension this primitive does not use)")
        }
        let (bytes, stride) = try bufferView(viewIndex)
        let components = Self.typeComponents[type]!
        let elementSize = components * component.bytes
        let step = stride ?? elementSize
        guard step >= elementSize else { throw fail("\(key): byteStride \(step) is smaller than an element (\(elementSize) bytes)") }
        let offset = try self.index(accessor["byteOffset"], key: key + ".byteOffset") ?? 0
        guard count == 0 || (offset <= bytes.count && OpeningChecks.recordsFit(count - 1, each: step, in: bytes.count - offset - elementSize)
                             && bytes.count - offset >= elementSize) else {
            throw fail("\(key): \(count) elements of \(elementSize) bytes every \(step) from byte \(offset) overrun bufferViews[\(viewIndex)] (\(bytes.count) bytes)")
        }
        var values = [Float](repeating: 0, count: count * components)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                for c in 0..<components {
                    let at = offset + i * step + c * component.bytes
                    values[i * components + c] = Self.value(raw, at: at, code: code)
                }
            }
        }
        return (count, values)
    }

    /// One component, normalised as glTF 2.0 §3.11 defines (signed: max(c / (2^(b−1) − 1), −1)).
    private static func value(_ raw: UnsafeRawBufferPointer, at offset: Int, code: Int) -> Float {
        switch code {
        case 5120: return max(Float(Int8(bitPattern: raw[offset])) / 127, -1)
        case 5121: return Float(raw[offset]) / 255
        case 5122: return max(Float(Int16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))) / 32767, -1)
        case 5123: return Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) / 65535
        default: return raw.float(offset)
        }
    }
}
