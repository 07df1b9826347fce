import Foundation
import SplatCore

/// A Python literal as `repr` writes it: what `str(argparse.Namespace(...))` puts in a trainer's
/// `cfg_args` (4DGaussians' train.py writes `str(Namespace(**vars(args)))`). Nothing is evaluated.
public indirect enum PythonLiteral: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([PythonLiteral])
    case tuple([PythonLiteral])
    case dict([(key: PythonLiteral, value: PythonLiteral)])

    public static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.float(x), .float(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.string(x), .string(y)): return x == y
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)): return x == y
        case let (.dict(x), .dict(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var int: Int? { if case .int(let v) = self { return v } else { return nil } }
    public var double: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .float(let v): return v
        default: return nil
        }
    }
    public var items: [PythonLiteral]? {
        switch self {
        case .list(let v), .tuple(let v): return v
        default: return nil
        }
    }
    public subscript(key: String) -> PythonLiteral? {
        guard case .dict(let entries) = self else { return nil }
        return entries.first { $0.key == .string(key) }?.value
    }
}

/// `Namespace(name=value, ...)` as written by argparse: the arguments in order.
public struct PythonNamespace: Sendable, Equatable {
    public var arguments: [(name: String, value: PythonLiteral)]

    public static func == (a: PythonNamespace, b: PythonNamespace) -> Bool {
        a.arguments.count == b.arguments.count && zip(a.arguments, b.arguments).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public subscript(name: String) -> PythonLiteral? { arguments.last { $0.name == name }?.value }

    /// Parses the text; `fail` words a problem as an error naming the file.
    public static func parse(_ text: String, fail: @escaping (String) -> any Error) throws -> PythonNamespace {
        var p = LiteralParser(Array(text.utf8), fail: fail)
        p.skipSpace()
        try p.expectWord("Namespace")
        try p.expect(UInt8(ascii: "("))
        var arguments: [(name: String, value: PythonLiteral)] = []
        p.skipSpace()
        while !p.consume(UInt8(ascii: ")")) {
            let name = try p.identifier()
            try p.expect(UInt8(ascii: "="))
            arguments.append((name, try p.value(depth: 0)))
            p.skipSpace()
            if p.consume(UInt8(ascii: ",")) { p.skipSpace(); continue }
            try p.expect(UInt8(ascii: ")"))
            break
        }
        p.skipSpace()
        guard p.atEnd else { throw p.error("unexpected text after Namespace(...)") }
        return PythonNamespace(arguments: arguments)
    }
}

/// A recursive-descent reader of Python literals (strings, numbers, True/False/None, lists, tuples, dicts).
private struct LiteralParser {
    let bytes: [UInt8]
    var i = 0
    let fail: (String) -> any Error
    static let maximumDepth = 64

    init(_ bytes: [UInt8], fail: @escaping (String) -> any Error) {
        self.bytes = bytes
        self.fail = fail
    }

    var atEnd: Bool { i >= bytes.count }
    func error(_ problem: String) -> any Error { fail("\(problem) at byte \(i)") }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func consume(_ c: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == c else { return false }
        i += 1
        return true
    }

    mutating func expect(_ c: UInt8) throws {
        skipSpace()
        guard consume(c) else { throw error("expected '\(String(UnicodeScalar(c)))'") }
        skipSpace()
    }

    mutating func expectWord(_ word: String) throws {
        guard try identifier() == word else { throw error("expected '\(word)(...)'") }
    }

    mutating func identifier() throws -> String {
        let start = i
        while i < bytes.count, bytes[i] == 0x5F || (bytes[i] >= 0x30 && bytes[i] <= 0x39 && i > start)
                || (bytes[i] | 0x20 >= 0x61 && bytes[i] | 0x20 <= 0x7A) { i += 1 }
        guard i > start else { throw error("expected a name") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    mutating func value(depth: Int) throws -> PythonLiteral {
        guard depth < Self.maximumDepth else { throw error("values nested more than \(Self.maximumDepth) deep") }
        skipSpace()
        guard i < bytes.count else { throw error("unexpected end of text") }
        switch bytes[i] {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["): return .list(try sequence(close: UInt8(ascii: "]"), depth: depth))
        case UInt8(ascii: "("): return .tuple(try sequence(close: UInt8(ascii: ")"), depth: depth))
        case UInt8(ascii: "{"): return try dict(depth: depth)
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default:
            switch try identifier() {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            case "inf": return .float(.infinity)
            case "nan": return .float(.nan)
            case let other: throw error("'\(other)' is not a literal (only strings, numbers, True, False, None, lists, tuples and dicts)")
            }
        }
    }

    mutating func sequence(close: UInt8, depth: Int) throws -> [PythonLiteral] {
        i += 1
        var items: [PythonLiteral] = []
        skipSpace()
        while !consume(close) {
            items.append(try value(depth: depth + 1))
            skipSpace()
            if consume(UInt8(ascii: ",")) { skipSpace(); continue }
            guard consume(close) else { throw error("expected ',' or '\(String(UnicodeScalar(close)))'") }
            break
        }
        return items
    }

    mutating func dict(depth: Int) throws -> PythonLiteral {
        i += 1
        var entries: [(key: PythonLiteral, value: PythonLiteral)] = []
        skipSpace()
        while !consume(UInt8(ascii: "}")) {
            let key = try value(depth: depth + 1)
            try expect(UInt8(ascii: ":"))
            entries.append((key, try value(depth: depth + 1)))
            skipSpace()
            if consume(UInt8(ascii: ",")) { skipSpace(); continue }
            guard consume(UInt8(ascii: "}")) else { throw error("expected ',' or '}'") }
            break
        }
        return .dict(entries)
    }

    mutating func number() throws -> PythonLiteral {
        let start = i
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "i") || bytes[i] == UInt8(ascii: "n") {
                let word = try identifier()
                guard word == "inf" || word == "nan" else { throw error("bad number") }
                return .float(bytes[start] == UInt8(ascii: "-") && word == "inf" ? -.infinity : word == "inf" ? .infinity : .nan)
            }
        }
        while i < bytes.count, (bytes[i] >= 0x30 && bytes[i] <= 0x39) || [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
              UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "_")].contains(bytes[i]) {
            if (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")),
               !(bytes[i - 1] == UInt8(ascii: "e") || bytes[i - 1] == UInt8(ascii: "E")) { break }
            i += 1
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self).replacingOccurrences(of: "_", with: "")
        if let v = Int(text) { return .int(v) }
        if let v = Double(text), v.isFinite { return .float(v) }
        throw error("bad number '\(text)'")
    }

    mutating func string() throws -> String {
        let quote = bytes[i]
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw error("unterminated string") }
            let c = bytes[i]
            i += 1
            if c == quote { break }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < bytes.count else { throw error("unterminated string") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "x"):
                guard i + 2 <= bytes.count, let v = UInt8(String(decoding: bytes[i..<(i + 2)], as: UTF8.self), radix: 16) else {
                    throw error("bad \\x escape")
                }
                out.append(contentsOf: Array(String(UnicodeScalar(v)).utf8))
                i += 2
            default: out.append(e)  // \\, \', \" stand for themselves
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
