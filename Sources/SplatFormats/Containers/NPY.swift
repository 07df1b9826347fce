import Foundation
import SplatCore

/// A NumPy `.npy` array (format versions 1.0, 2.0 and 3.0) with its values converted to `Float`.
/// Floating-point (f2, f4, f8), signed and unsigned integer (1–8 bytes) and boolean element types
/// are read, in either byte order; arrays must be in C (row-major) order.
public struct NPYArray: Sendable, Equatable {
    /// Dimensions, outermost first; `[]` for a scalar.
    public var shape: [Int]
    /// Every element in C order, converted to Float (large integers and doubles round).
    public var values: [Float]
    /// The element type as the header wrote it, e.g. "<f4".
    public var descr: String

    public init(shape: [Int], values: [Float], descr: String) {
        self.shape = shape
        self.values = values
        self.descr = descr
    }

    public var count: Int { values.count }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// Longer headers are refused: NumPy's own reader stops at 10 000 bytes by default.
    static let maxHeaderLength = 1 << 20

    /// Parses the bytes of one `.npy` file; `name` (the npz member) and `path` (the file) label
    /// errors, which are one-line `SceneFileError`s.
    public static func parse(_ bytes: [UInt8], name: String, path: String) throws -> NPYArray {
        let layout = try Layout(bytes, name: name, path: path)
        let present = bytes.count - layout.dataStart
        guard layout.byteCount <= present else {
            throw layout.fail("holds \(present) bytes of data; shape \(layout.shapeText) of \(layout.descr) needs \(layout.byteCount)")
        }
        let values = bytes.withUnsafeBytes { raw in
            layout.type.convert(UnsafeRawBufferPointer(rebasing: raw[layout.dataStart..<(layout.dataStart + layout.byteCount)]),
                                count: layout.count)
        }
        return NPYArray(shape: layout.shape, values: values, descr: layout.descr)
    }

    /// What a `.npy` header says: element type, shape, where the data starts and how many bytes it
    /// takes, read from the file's first bytes (a reader of one slice at a time needs no more).
    struct Layout {
        let member: String
        let path: String
        let descr: String
        let type: ElementType
        let shape: [Int]
        /// Offset of the first element from the start of the `.npy` bytes.
        let dataStart: Int
        let count: Int
        let byteCount: Int

        func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: "\(member) \(problem)") }
        var shapeText: String { "(" + shape.map(String.init).joined(separator: ", ") + ")" }

        /// `bytes` holds at least the header (all of the file, or its start).
        init(_ bytes: [UInt8], name: String, path: String) throws {
            member = "npz member \(ZipArchive.quoted(name))"
            self.path = path
            let member = self.member
            func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: "\(member) \(problem)") }

            guard bytes.count >= 8, bytes.starts(with: magic) else { throw fail("is not a .npy array (bad magic)") }
            let major = Int(bytes[6]), minor = Int(bytes[7])
            let headerStart: Int
            let headerLength: Int
            switch major {
            case 1:
                guard bytes.count >= 10 else { throw fail("has a truncated header") }
                headerStart = 10
                headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            case 2, 3:
                guard bytes.count >= 12 else { throw fail("has a truncated header") }
                headerStart = 12
                headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            default:
                throw fail("has unsupported .npy version \(major).\(minor)")
            }
            guard headerLength <= maxHeaderLength else { throw fail("has a header of \(headerLength) bytes, too long") }
            guard bytes.count - headerStart >= headerLength else { throw fail("has a truncated header") }
            dataStart = headerStart + headerLength

            let header: Header
            do {
                header = try Header(bytes[headerStart..<dataStart])
            } catch let error as HeaderError {
                throw fail("has an unreadable header (\(error.reason))")
            }
            guard !header.fortranOrder else { throw fail("is stored in Fortran order, which is not supported") }
            guard let type = ElementType(descr: header.descr) else {
                throw fail("has unsupported element type '\(header.descr.prefix(40))'")
            }
            descr = header.descr
            self.type = type
            shape = header.shape

            // Element count and byte count, overflow-checked.
            var count = 1
            for dimension in header.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw fail("has a shape too large to address") }
                count = product
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.size)
            guard !overflow else { throw fail("has a shape too large to address") }
            self.count = count
            self.byteCount = byteCount
        }
    }
}

// MARK: - Element types

extension NPYArray {
    struct ElementType {
        enum Kind { case float, signed, unsigned, bool }
        var kind: Kind
        var size: Int
        var bigEndian: Bool

        init?(descr: String) {
            var text = Substring(descr)
            var order: Character = "="
            if let first = text.first, "<>|=".contains(first) {
                order = first
                text = text.dropFirst()
            }
            let digits = text.dropFirst()
            guard let letter = text.first, !digits.isEmpty, digits.count <= 2,
                  digits.allSatisfy({ ("0"..."9").contains($0) }), let size = Int(digits) else { return nil }
            switch (letter, size) {
            case ("f", 2), ("f", 4), ("f", 8): kind = .float
            case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
            case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
            case ("b", 1): kind = .bool
            default: return nil
            }
            // "|" (no byte order) only makes sense for single bytes.
            if order == "|" && size != 1 { return nil }
            self.size = size
            bigEndian = order == ">"
        }

        /// `count` elements from `raw` (exactly count × size bytes) as Float.
        func convert(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                switch (kind, size) {
                case (.float, 4):
                    for i in 0..<count { out[i] = Float(bitPattern: load(raw, i, UInt32.self)) }
                case (.float, 8):
                    for i in 0..<count { out[i] = Float(Double(bitPattern: load(raw, i, UInt64.self))) }
                case (.float, _):
                    for i in 0..<count { out[i] = HalfFloat.float(fromBits: load(raw, i, UInt16.self)) }
                case (.signed, 1):
                    for i in 0..<count { out[i] = Float(Int8(bitPattern: raw[i])) }
                case (.signed, 2):
                    for i in 0..<count { out[i] = Float(Int16(bitPattern: load(raw, i, UInt16.self))) }
                case (.signed, 4):
                    for i in 0..<count { out[i] = Float(Int32(bitPattern: load(raw, i, UInt32.self))) }
                case (.signed, _):
                    for i in 0..<count { out[i] = Float(Int64(bitPattern: load(raw, i, UInt64.self))) }
                case (.unsigned, 1):
                    for i in 0..<count { out[i] = Float(raw[i]) }
                case (.unsigned, 2):
                    for i in 0..<count { out[i] = Float(load(raw, i, UInt16.self)) }
                case (.unsigned, 4):
                    for i in 0..<count { out[i] = Float(load(raw, i, UInt32.self)) }
                case (.unsigned, _):
                    for i in 0..<count { out[i] = Float(load(raw, i, UInt64.self)) }
                case (.bool, _):
                    for i in 0..<count { out[i] = raw[i] != 0 ? 1 : 0 }
                }
                initialized = count
            }
        }

        @inline(__always)
        func load<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _ index: Int, _: T.Type) -> T {
            let value = raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self)
            return bigEndian ? T(bigEndian: value) : T(littleEndian: value)
        }
    }
}

// MARK: - Header

extension NPYArray {
    struct HeaderError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The header's Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
    struct Header {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]

        init(_ bytes: ArraySlice<UInt8>) throws {
            var parser = LiteralParser(bytes: Array(bytes))
            guard case .dict(let pairs) = try parser.value(depth: 0) else { throw HeaderError("not a dict") }
            parser.skipSpace()
            guard parser.atEnd else { throw HeaderError("text after the dict") }

            func field(_ key: String) throws -> Literal {
                let matches = pairs.filter { $0.key == .string(key) }
                guard let match = matches.first else { throw HeaderError("no '\(key)'") }
                guard matches.count == 1 else { throw HeaderError("'\(key)' given twice") }
                return match.value
            }
            switch try field("descr") {
            case .string(let text): descr = text
            case .list: throw HeaderError("structured arrays are not supported")
            default: throw HeaderError("'descr' is not a string")
            }
            guard case .bool(let fortran) = try field("fortran_order") else {
                throw HeaderError("'fortran_order' is not True or False")
            }
            fortranOrder = fortran
            guard case .tuple(let dimensions) = try field("shape") else { throw HeaderError("'shape' is not a tuple") }
            shape = try dimensions.map {
                guard case .int(let n) = $0, n >= 0 else { throw HeaderError("'shape' holds something other than a size") }
                return n
            }
        }
    }

    indirect enum Literal: Equatable {
        case string(String), int(Int), bool(Bool), none
        case tuple([Literal]), list([Literal]), dict([Pair])
        struct Pair: Equatable { var key: Literal; var value: Literal }
    }

    /// Just enough of Python's literal syntax for .npy headers: dicts, tuples, lists, strings,
    /// integers (a Python 2 "L" suffix allowed), True, False and None.
    struct LiteralParser {
        let bytes: [UInt8]
        var i = 0
        static let maxDepth = 16

        init(bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { i >= bytes.count }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func value(depth: Int) throws -> Literal {
            guard depth < Self.maxDepth else { throw HeaderError("nested too deeply") }
            skipSpace()
            guard i < bytes.count else { throw HeaderError("ends early") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var pairs: [Literal.Pair] = []
                while true {
                    skipSpace()
                    if try closes(UInt8(ascii: "}")) { return .dict(pairs) }
                    let key = try value(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw HeaderError("expected ':'") }
                    i += 1
                    pairs.append(.init(key: key, value: try value(depth: depth + 1)))
                    try separator(UInt8(ascii: "}"))
                }
            case UInt8(ascii: "("), UInt8(ascii: "["):
                let close = bytes[i] == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]")
                i += 1
                var items: [Literal] = []
                while true {
                    skipSpace()
                    if try closes(close) { return close == UInt8(ascii: ")") ? .tuple(items) : .list(items) }
                    items.append(try value(depth: depth + 1))
                    try separator(close)
                }
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .int(try integer())
            default:
                for (word, literal) in [("True", Literal.bool(true)), ("False", .bool(false)), ("None", .none)] {
                    let w = Array(word.utf8)
                    if bytes.count - i >= w.count && Array(bytes[i..<(i + w.count)]) == w {
                        i += w.count
                        return literal
                    }
                }
                throw HeaderError("unexpected character at offset \(i)")
            }
        }

        /// Consumes `close` if it comes next.
        mutating func closes(_ close: UInt8) throws -> Bool {
            guard i < bytes.count else { throw HeaderError("ends early") }
            if bytes[i] == close {
                i += 1
                return true
            }
            return false
        }

        /// After an item: a comma, or the closing bracket (left for `closes`).
        mutating func separator(_ close: UInt8) throws {
            skipSpace()
            guard i < bytes.count else { throw HeaderError("ends early") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
            } else if bytes[i] != close {
                throw HeaderError("expected ',' at offset \(i)")
            }
        }

        mutating func string() throws -> String {
            let quote = bytes[i]
            i += 1
            var text: [UInt8] = []
            while true {
                guard i < bytes.count else { throw HeaderError("unterminated string") }
                let c = bytes[i]
                i += 1
                if c == quote { break }
                if c == UInt8(ascii: "\\") {
                    guard i < bytes.count else { throw HeaderError("unterminated string") }
                    text.append(bytes[i])
                    i += 1
                } else {
                    text.append(c)
                }
            }
            return String(decoding: text, as: UTF8.self)
        }

        mutating func integer() throws -> Int {
            var negative = false
            if bytes[i] == UInt8(ascii: "-") {
                negative = true
                i += 1
            }
            var value = 0
            var digits = 0
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(bytes[i] - UInt8(ascii: "0")))
                guard !o1 && !o2 else { throw HeaderError("number too large") }
                value = sum
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw HeaderError("expected a number at offset \(i)") }
            if i < bytes.count, bytes[i] == UInt8(ascii: "L") || bytes[i] == UInt8(ascii: "l") { i += 1 }
            return negative ? -value : value
        }
    }
}
