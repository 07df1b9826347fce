import Foundation
import SplatCore

// A generic PLY reader. It knows nothing about Gaussians: format readers (3DGS, Spacetime Gaussians,
// 4DGS, ...) ask it for the scalar columns they need by name, and read metadata from the comments.

/// How a PLY body is stored.
public enum PLYEncoding: String, Sendable, CaseIterable {
    case ascii
    case binaryLittleEndian = "binary_little_endian"
    case binaryBigEndian = "binary_big_endian"
}

/// The scalar types a PLY property can have.
public enum PLYScalarType: String, Sendable, CaseIterable {
    case int8, uint8, int16, uint16, int32, uint32, float32, float64

    /// Accepts both the original names (char, uchar, ...) and the sized ones (int8, uint8, ...).
    public init?(plyName: String) {
        switch plyName {
        case "char", "int8": self = .int8
        case "uchar", "uint8": self = .uint8
        case "short", "int16": self = .int16
        case "ushort", "uint16": self = .uint16
        case "int", "int32": self = .int32
        case "uint", "uint32": self = .uint32
        case "float", "float32": self = .float32
        case "double", "float64": self = .float64
        default: return nil
        }
    }

    public var byteSize: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .float64: 8
        }
    }

    public var isInteger: Bool { self != .float32 && self != .float64 }
}

public enum PLYPropertyKind: Sendable, Equatable {
    case scalar(PLYScalarType)
    /// A length of type `count` followed by that many values of type `item`.
    case list(count: PLYScalarType, item: PLYScalarType)
}

public struct PLYProperty: Sendable, Equatable {
    public var name: String
    public var kind: PLYPropertyKind

    public init(name: String, kind: PLYPropertyKind) {
        self.name = name
        self.kind = kind
    }
}

public struct PLYElement: Sendable, Equatable {
    public var name: String
    public var count: Int
    public var properties: [PLYProperty]

    public init(name: String, count: Int, properties: [PLYProperty] = []) {
        self.name = name
        self.count = count
        self.properties = properties
    }

    public func property(named name: String) -> PLYProperty? {
        properties.first { $0.name == name }
    }

    /// Bytes of one binary record when every property is a scalar; nil when lists make it vary.
    public var fixedByteSize: Int? {
        var size = 0
        for p in properties {
            guard case .scalar(let t) = p.kind else { return nil }
            size += t.byteSize
        }
        return size
    }

    /// The fewest bytes one binary record can take (every list empty).
    var minimumByteSize: Int {
        properties.reduce(0) { sum, p in
            switch p.kind {
            case .scalar(let t): sum + t.byteSize
            case .list(let c, _): sum + c.byteSize
            }
        }
    }

    /// "3 vertices", "1 vertex", "5 face elements": how errors count records.
    func describeCount(_ n: Int) -> String {
        if name == "vertex" { return n == 1 ? "1 vertex" : "\(n) vertices" }
        return n == 1 ? "1 \(name) element" : "\(n) \(name) elements"
    }
}

/// A parsed PLY header.
public struct PLYHeader: Sendable, Equatable {
    /// Larger headers are rejected: real ones are a few KiB, and the limit bounds the work on garbage.
    public static let maximumByteCount = 64 * 1024

    public var encoding: PLYEncoding
    /// `comment` lines in order, without the keyword (later formats keep metadata here).
    public var comments: [String]
    /// `obj_info` lines in order, without the keyword.
    public var objInfo: [String]
    public var elements: [PLYElement]
    /// Length of the header including the `end_header` line: the body starts here.
    public var byteCount: Int

    public func element(named name: String) -> PLYElement? {
        elements.first { $0.name == name }
    }

    /// Whether the bytes start like a PLY file ("ply" and a line end).
    public static func hasMagic(_ data: Data) -> Bool {
        data.starts(with: Array("ply\n".utf8)) || data.starts(with: Array("ply\r\n".utf8))
    }

    public static func parse(_ data: Data, path: String) throws -> PLYHeader {
        var parser = PLYHeaderParser(path: path)
        return try data.withUnsafeBytes { try parser.parse($0) }
    }
}

/// Line-by-line state machine over the header bytes.
private struct PLYHeaderParser {
    let path: String
    var encoding: PLYEncoding?
    var comments: [String] = []
    var objInfo: [String] = []
    var elements: [PLYElement] = []

    init(path: String) { self.path = path }

    func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: problem) }

    mutating func parse(_ raw: UnsafeRawBufferPointer) throws -> PLYHeader {
        let limit = Swift.min(raw.count, PLYHeader.maximumByteCount)
        var start = 0
        var lineNumber = 0
        while start < raw.count {
            var end = start
            while end < limit && raw[end] != 0x0A { end += 1 }
            if end == limit && limit < raw.count {
                throw fail("PLY header is longer than 64 KiB or has no 'end_header' line")
            }
            let next = end < raw.count ? end + 1 : end
            var lineEnd = end
            if lineEnd > start && raw[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            lineNumber += 1
            let line = String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<lineEnd]), as: UTF8.self)
            if try handle(line, number: lineNumber) {
                guard let encoding else { throw fail("PLY header has no 'format' line") }
                return PLYHeader(encoding: encoding, comments: comments, objInfo: objInfo,
                                 elements: elements, byteCount: next)
            }
            start = next
        }
        throw fail("PLY header has no 'end_header' line")
    }

    /// Handles one header line; returns true at `end_header`.
    mutating func handle(_ line: String, number: Int) throws -> Bool {
        let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if number == 1 {
            guard tokens == ["ply"] else { throw fail("not a PLY file (first line is not 'ply')") }
            return false
        }
        guard let keyword = tokens.first else { return false }  // blank lines are harmless
        switch keyword {
        case "format":
            try parseFormat(tokens)
        case "comment":
            comments.append(Self.text(after: keyword, in: line))
        case "obj_info":
            objInfo.append(Self.text(after: keyword, in: line))
        case "element":
            try parseElement(tokens, line: line, number: number)
        case "property":
            try parseProperty(tokens, line: line, number: number)
        case "end_header":
            return true
        default:
            throw fail("unexpected line \(number) in PLY header: '\(Self.excerpt(line))'")
        }
        return false
    }

    mutating func parseFormat(_ tokens: [String]) throws {
        guard encoding == nil else { throw fail("PLY header has more than one 'format' line") }
        guard tokens.count == 3, let e = PLYEncoding(rawValue: tokens[1]) else {
            throw fail("unsupported PLY format '\(Self.excerpt(tokens.dropFirst().joined(separator: " ")))'")
        }
        guard tokens[2] == "1.0" else { throw fail("unsupported PLY version '\(Self.excerpt(tokens[2]))'") }
        encoding = e
    }

    mutating func parseElement(_ tokens: [String], line: String, number: Int) throws {
        guard tokens.count == 3 else {
            throw fail("bad element line \(number) in PLY header: '\(Self.excerpt(line))'")
        }
        guard let count = Int(tokens[2]), count >= 0 else {
            throw fail("bad count '\(Self.excerpt(tokens[2]))' for element '\(Self.excerpt(tokens[1]))' in PLY header")
        }
        guard !elements.contains(where: { $0.name == tokens[1] }) else {
            throw fail("PLY header declares element '\(Self.excerpt(tokens[1]))' twice")
        }
        elements.append(PLYElement(name: tokens[1], count: count))
    }

    mutating func parseProperty(_ tokens: [String], line: String, number: Int) throws {
        guard !elements.isEmpty else {
            throw fail("property on line \(number) of the PLY header comes before any element")
        }
        let property: PLYProperty
        if tokens.count == 5 && tokens[1] == "list" {
            guard let c = PLYScalarType(plyName: tokens[2]), c.isInteger else {
                throw fail("bad list length type '\(Self.excerpt(tokens[2]))' for property '\(Self.excerpt(tokens[4]))'")
            }
            guard let item = PLYScalarType(plyName: tokens[3]) else {
                throw fail("unknown PLY type '\(Self.excerpt(tokens[3]))' for property '\(Self.excerpt(tokens[4]))'")
            }
            property = PLYProperty(name: tokens[4], kind: .list(count: c, item: item))
        } else if tokens.count == 3 {
            guard let t = PLYScalarType(plyName: tokens[1]) else {
                throw fail("unknown PLY type '\(Self.excerpt(tokens[1]))' for property '\(Self.excerpt(tokens[2]))'")
            }
            property = PLYProperty(name: tokens[2], kind: .scalar(t))
        } else {
            throw fail("bad property line \(number) in PLY header: '\(Self.excerpt(line))'")
        }
        let last = elements.count - 1
        guard elements[last].property(named: property.name) == nil else {
            throw fail("duplicate property '\(Self.excerpt(property.name))' in element '\(elements[last].name)'")
        }
        elements[last].properties.append(property)
    }

    static func text(after keyword: String, in line: String) -> String {
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        return String(trimmed.dropFirst(keyword.count).drop(while: { $0 == " " || $0 == "\t" }))
    }

    static func excerpt(_ s: String) -> String { plyExcerpt(s) }
}

/// A short, printable version of untrusted text for a one-line error message.
func plyExcerpt(_ s: String) -> String {
    let printable = s.unicodeScalars.prefix(48).map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }
    return String(printable) + (s.unicodeScalars.count > 48 ? "..." : "")
}

/// One element's scalar columns, converted to Float, row-major.
public struct PLYTable: Sendable, Equatable {
    public let element: String
    public let rowCount: Int
    public let columnNames: [String]
    /// `values[row * columnCount + column]`.
    public let values: [Float]

    public init(element: String, rowCount: Int, columnNames: [String], values: [Float]) {
        self.element = element
        self.rowCount = rowCount
        self.columnNames = columnNames
        self.values = values
    }

    public var columnCount: Int { columnNames.count }

    public func columnIndex(_ name: String) -> Int? { columnNames.firstIndex(of: name) }

    public func column(_ name: String) -> [Float]? {
        guard let c = columnIndex(name) else { return nil }
        return (0..<rowCount).map { values[$0 * columnCount + c] }
    }

    public subscript(row: Int, column: Int) -> Float { values[row * columnCount + column] }
}

/// A PLY file held in memory: its header, and scalar columns read on demand.
public struct PLYFile: Sendable {
    public let path: String
    public let header: PLYHeader
    public let data: Data

    /// Parses the header and checks that the declared element counts can fit in the file,
    /// so that no later step allocates for counts the file cannot hold.
    public init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        self.header = try PLYHeader.parse(data, path: path)
        try checkCountsFit()
    }

    public var encoding: PLYEncoding { header.encoding }

    func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: problem) }

    private func checkCountsFit() throws {
        var remaining = data.count - header.byteCount
        for element in header.elements {
            // Records without properties take no bytes, so nothing would bound their count.
            guard !element.properties.isEmpty else {
                if element.count > 0 { throw fail("PLY element '\(element.name)' has records but no properties") }
                continue
            }
            // An ascii record has at least one token per property, each a character and a separator.
            let perRecord = header.encoding == .ascii ? 2 * element.properties.count : element.minimumByteSize
            // An ascii body may lack its final newline.
            let slack = header.encoding == .ascii && element.count > 0 ? 1 : 0
            guard let need = OpeningChecks.byteCount(element.count, each: perRecord), need - slack <= remaining else {
                throw fail(truncatedMessage(element, available: remaining))
            }
            remaining -= Swift.min(need, remaining)
        }
    }

    private func truncatedMessage(_ element: PLYElement, available: Int) -> String {
        let declared = "truncated PLY body: header declares \(element.describeCount(element.count))"
        if header.encoding == .ascii {
            return "\(declared) but only \(available) bytes of text follow"
        }
        let size = element.fixedByteSize.map { "\($0) bytes each" }
            ?? "at least \(element.minimumByteSize) bytes each"
        return "\(declared) (\(size)) but only \(available) bytes follow"
    }

    /// Reads the named scalar properties of one element as Float columns (integers and doubles are
    /// converted). Properties not asked for, including lists, are skipped.
    public func readElement(_ name: String, properties names: [String]) throws -> PLYTable {
        var values: [Float] = []
        // The count was checked against the file size, so this reservation is bounded by it.
        values.reserveCapacity(names.count * (header.element(named: name)?.count ?? 0))
        var rows = 0
        try forEachRow(of: name, properties: names) { _, row in
            values.append(contentsOf: row)
            rows += 1
        }
        return PLYTable(element: name, rowCount: rows, columnNames: names, values: values)
    }

    /// Where the named float32 properties of `name` lie when the file allows reading them by plain
    /// offsets (see `PLYHeader.floatRecords`). Nil when it does not (the general reader handles those).
    func floatRecords(of name: String, properties names: [String]) -> PLYFloatRecords? {
        header.floatRecords(of: name, properties: names, fileSize: data.count)
    }

    /// Calls `body` once per record of the element, in order, with the named scalar properties
    /// converted to Float (in `names` order). The buffer is only valid during the call. Readers of
    /// large files use this to fill their own arrays without an intermediate table.
    public func forEachRow(of name: String, properties names: [String],
                           _ body: (_ row: Int, _ values: UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard let index = header.elements.firstIndex(where: { $0.name == name }) else {
            throw fail("PLY file has no '\(name)' element")
        }
        let element = header.elements[index]
        var columns: [PLYColumn] = []
        for n in names {
            guard let p = element.properties.firstIndex(where: { $0.name == n }) else {
                throw fail("missing required property '\(n)'")
            }
            guard case .scalar(let t) = element.properties[p].kind else {
                throw fail("property '\(n)' of element '\(name)' is a list, not a scalar")
            }
            columns.append(PLYColumn(property: p, type: t))
        }
        let preceding = header.elements[..<index]
        try data.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[header.byteCount...])
            try withUnsafeTemporaryAllocation(of: Float.self, capacity: Swift.max(columns.count, 1)) { scratch in
                let row = UnsafeMutableBufferPointer(rebasing: scratch[..<columns.count])
                if header.encoding == .ascii {
                    var reader = PLYAsciiReader(file: self, body: bytes)
                    for e in preceding { try reader.skip(e) }
                    try reader.forEachRow(element, columns: columns, row: row, body)
                } else {
                    let reader = PLYBinaryReader(file: self, body: bytes,
                                                 bigEndian: header.encoding == .binaryBigEndian)
                    var offset = 0
                    for e in preceding { offset = try reader.skip(e, from: offset) }
                    try reader.forEachRow(element, columns: columns, from: offset, row: row, body)
                }
            }
        }
    }
}

/// Fixed-size little-endian records holding the requested float32 properties at known offsets.
struct PLYFloatRecords {
    /// Byte offset of the first record in the file.
    var start: Int
    /// Bytes per record.
    var stride: Int
    var count: Int
    /// Byte offset of each requested property inside a record, in request order.
    var offsets: [Int]
}

/// A requested scalar property: its index in the element and its stored type.
struct PLYColumn {
    var property: Int
    var type: PLYScalarType
}

/// Reads binary bodies. Every read is bounds-checked against the body before it happens.
private struct PLYBinaryReader {
    let file: PLYFile
    let body: UnsafeRawBufferPointer
    let bigEndian: Bool

    @inline(__always) func u16(_ o: Int) -> UInt16 {
        let v = body.loadUnaligned(fromByteOffset: o, as: UInt16.self)
        return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    @inline(__always) func u32(_ o: Int) -> UInt32 {
        let v = body.loadUnaligned(fromByteOffset: o, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    @inline(__always) func u64(_ o: Int) -> UInt64 {
        let v = body.loadUnaligned(fromByteOffset: o, as: UInt64.self)
        return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
    }

    @inline(__always) func value(_ o: Int, _ t: PLYScalarType) -> Float {
        switch t {
        case .int8: Float(Int8(bitPattern: body[o]))
        case .uint8: Float(body[o])
        case .int16: Float(Int16(bitPattern: u16(o)))
        case .uint16: Float(u16(o))
        case .int32: Float(Int32(bitPattern: u32(o)))
        case .uint32: Float(u32(o))
        case .float32: Float(bitPattern: u32(o))
        case .float64: Float(Double(bitPattern: u64(o)))
        }
    }

    /// A list length; nil when negative.
    func listLength(_ o: Int, _ t: PLYScalarType) -> Int? {
        let n: Int
        switch t {
        case .int8: n = Int(Int8(bitPattern: body[o]))
        case .uint8: n = Int(body[o])
        case .int16: n = Int(Int16(bitPattern: u16(o)))
        case .uint16: n = Int(u16(o))
        case .int32: n = Int(Int32(bitPattern: u32(o)))
        case .uint32: n = Int(u32(o))
        case .float32, .float64: return nil  // the header parser only allows integer length types
        }
        return n >= 0 ? n : nil
    }

    func truncated(_ element: PLYElement, record: Int) -> SceneFileError {
        file.fail("truncated PLY body: \(element.name) \(record) runs past the end of the file")
    }

    /// Byte offsets of each property in the record at `start`, and the record's end.
    func walkRecord(_ element: PLYElement, at start: Int, record: Int,
                    offsets: inout [Int]) throws -> Int {
        var cursor = start
        for (p, property) in element.properties.enumerated() {
            offsets[p] = cursor
            switch property.kind {
            case .scalar(let t):
                cursor += t.byteSize
            case .list(let c, let item):
                guard c.byteSize <= body.count - cursor else { throw truncated(element, record: record) }
                guard let n = listLength(cursor, c) else {
                    throw file.fail("negative list length in property '\(property.name)' of \(element.name) \(record)")
                }
                cursor += c.byteSize
                let (bytes, overflow) = n.multipliedReportingOverflow(by: item.byteSize)
                guard !overflow, bytes <= body.count - cursor else { throw truncated(element, record: record) }
                cursor += bytes
            }
            guard cursor <= body.count else { throw truncated(element, record: record) }
        }
        return cursor
    }

    /// Checks that `count` fixed-size records starting at `offset` lie inside the body.
    func checkFixedFits(_ element: PLYElement, size: Int, from offset: Int) throws {
        let available = body.count - offset
        guard OpeningChecks.recordsFit(element.count, each: size, in: available) else {
            throw file.fail("truncated PLY body: header declares \(element.describeCount(element.count)) "
                            + "(\(size) bytes each) but only \(available) bytes follow")
        }
    }

    /// The offset just after `element`'s records.
    func skip(_ element: PLYElement, from offset: Int) throws -> Int {
        if let size = element.fixedByteSize {
            try checkFixedFits(element, size: size, from: offset)
            return offset + element.count * size
        }
        var offsets = [Int](repeating: 0, count: element.properties.count)
        var cursor = offset
        for r in 0..<element.count {
            cursor = try walkRecord(element, at: cursor, record: r, offsets: &offsets)
        }
        return cursor
    }

    func forEachRow(_ element: PLYElement, columns: [PLYColumn], from offset: Int,
                    row: UnsafeMutableBufferPointer<Float>,
                    _ body: (Int, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let values = UnsafeBufferPointer(row)
        guard let size = element.fixedByteSize else {
            // Lists make records vary in length: walk each one to find its fields.
            var fieldOffsets = [Int](repeating: 0, count: element.properties.count)
            var cursor = offset
            for r in 0..<element.count {
                cursor = try walkRecord(element, at: cursor, record: r, offsets: &fieldOffsets)
                for (c, column) in columns.enumerated() {
                    row[c] = value(fieldOffsets[column.property], column.type)
                }
                try body(r, values)
            }
            return
        }
        try checkFixedFits(element, size: size, from: offset)
        // Offsets of the requested fields inside a record.
        var fieldOffsets: [Int] = []
        var o = 0
        for case .scalar(let t) in element.properties.map(\.kind) {
            fieldOffsets.append(o)
            o += t.byteSize
        }
        let relative = columns.map { fieldOffsets[$0.property] }
        let types = columns.map(\.type)
        if types.allSatisfy({ $0 == .float32 }) {
            // The common case (3DGS files are all float): plain 4-byte loads, no per-value type switch.
            try relative.withUnsafeBufferPointer { rel in
                for r in 0..<element.count {
                    let base = offset + r * size
                    for c in 0..<rel.count { row[c] = Float(bitPattern: u32(base + rel[c])) }
                    try body(r, values)
                }
            }
        } else {
            for r in 0..<element.count {
                let base = offset + r * size
                for c in 0..<relative.count { row[c] = value(base + relative[c], types[c]) }
                try body(r, values)
            }
        }
    }
}

/// Reads ascii bodies: one record per line, values separated by spaces or tabs.
private struct PLYAsciiReader {
    let file: PLYFile
    let body: UnsafeRawBufferPointer
    var position = 0
    var tokens: [Range<Int>] = []

    init(file: PLYFile, body: UnsafeRawBufferPointer) {
        self.file = file
        self.body = body
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C
    }

    /// Splits the next non-blank line into `tokens`; false at the end of the body.
    mutating func nextLine() -> Bool {
        while position < body.count {
            tokens.removeAll(keepingCapacity: true)
            var i = position
            while i < body.count && body[i] != 0x0A {
                if Self.isSpace(body[i]) {
                    i += 1
                    continue
                }
                let start = i
                while i < body.count && body[i] != 0x0A && !Self.isSpace(body[i]) { i += 1 }
                tokens.append(start..<i)
            }
            position = i + 1
            if !tokens.isEmpty { return true }
        }
        return false
    }

    func text(_ r: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: body[r]), as: UTF8.self)
    }

    mutating func nextRecord(_ element: PLYElement, _ r: Int) throws {
        guard nextLine() else {
            throw file.fail("truncated PLY body: the file ends after \(element.describeCount(r)) "
                            + "of \(element.count)")
        }
    }

    mutating func skip(_ element: PLYElement) throws {
        for r in 0..<element.count { try nextRecord(element, r) }
    }

    /// Token index of each property on the current line, checking the value count.
    func layout(_ element: PLYElement, record r: Int, into first: inout [Int]) throws {
        var t = 0
        for (p, property) in element.properties.enumerated() {
            first[p] = t
            switch property.kind {
            case .scalar:
                t += 1
            case .list:
                guard t < tokens.count else {
                    throw file.fail("\(element.name) \(r) has too few values on its line (found \(tokens.count))")
                }
                guard let n = Int(text(tokens[t])), n >= 0 else {
                    throw file.fail("bad list length '\(plyExcerpt(text(tokens[t])))' in property "
                                    + "'\(property.name)' of \(element.name) \(r)")
                }
                let (next, overflow) = (t + 1).addingReportingOverflow(n)
                t = overflow ? Int.max : next
            }
            guard t <= tokens.count else {
                throw file.fail("\(element.name) \(r) has too few values on its line (found \(tokens.count))")
            }
        }
        guard t == tokens.count else {
            throw file.fail("\(element.name) \(r) has \(tokens.count) values on its line, expected \(t)")
        }
    }

    mutating func forEachRow(_ element: PLYElement, columns: [PLYColumn],
                             row: UnsafeMutableBufferPointer<Float>,
                             _ body: (Int, UnsafeBufferPointer<Float>) throws -> Void) throws {
        var first = [Int](repeating: 0, count: element.properties.count)
        for r in 0..<element.count {
            try nextRecord(element, r)
            try layout(element, record: r, into: &first)
            for (c, column) in columns.enumerated() {
                let token = text(tokens[first[column.property]])
                // Floats parse directly so that a shortest-digits float round-trips exactly.
                let parsed: Float? = column.type == .float32 ? Float(token) : Double(token).map { Float($0) }
                guard let v = parsed else {
                    let name = element.properties[column.property].name
                    throw file.fail("malformed number '\(plyExcerpt(token))' in property "
                                    + "'\(name)' of \(element.name) \(r)")
                }
                row[c] = v
            }
            try body(r, UnsafeBufferPointer(row))
        }
    }
}

extension PLYHeader {
    /// Where the named float32 properties of `name` lie when a file of `fileSize` bytes with this
    /// header allows reading them by plain offsets: binary little-endian, every record up to and
    /// including this element of fixed size, every requested property a float32, and the records
    /// inside the file. Nil when it does not.
    func floatRecords(of name: String, properties names: [String], fileSize: Int) -> PLYFloatRecords? {
        guard encoding == .binaryLittleEndian,
              let index = elements.firstIndex(where: { $0.name == name }),
              let stride = elements[index].fixedByteSize else { return nil }
        var start = byteCount
        for preceding in elements[..<index] {
            guard let size = preceding.fixedByteSize, let bytes = OpeningChecks.byteCount(preceding.count, each: size),
                  case let (sum, overflow) = start.addingReportingOverflow(bytes), !overflow else { return nil }
            start = sum
        }
        let element = elements[index]
        var offsetByName: [String: Int] = [:]
        var offset = 0
        for property in element.properties {
            guard case .scalar(let type) = property.kind else { return nil }
            if type == .float32, offsetByName[property.name] == nil { offsetByName[property.name] = offset }
            offset += type.byteSize
        }
        var offsets: [Int] = []
        for n in names {
            guard let o = offsetByName[n] else { return nil }
            offsets.append(o)
        }
        guard OpeningChecks.recordsFit(element.count, each: stride, in: fileSize - start) else { return nil }
        return PLYFloatRecords(start: start, stride: stride, count: element.count, offsets: offsets)
    }
}
