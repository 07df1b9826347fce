import Foundation

/// Little- or big-endian bytes, appended one value at a time, for hand-built binary files.
public struct ByteWriter {
    public var data = Data()
    public let bigEndian: Bool

    public init(bigEndian: Bool) { self.bigEndian = bigEndian }

    public mutating func text(_ s: String) { data.append(contentsOf: s.utf8) }
    public mutating func i8(_ v: Int8) { data.append(UInt8(bitPattern: v)) }
    public mutating func u8(_ v: UInt8) { data.append(v) }
    public mutating func i16(_ v: Int16) { integer(v) }
    public mutating func u16(_ v: UInt16) { integer(v) }
    public mutating func i32(_ v: Int32) { integer(v) }
    public mutating func u32(_ v: UInt32) { integer(v) }
    public mutating func f32(_ v: Float) { integer(v.bitPattern) }
    public mutating func f64(_ v: Double) { integer(v.bitPattern) }

    private mutating func integer<T: FixedWidthInteger>(_ v: T) {
        let stored = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: stored) { data.append(contentsOf: $0) }
    }
}

/// Hand-built ASCII PLY files: float properties named in the header, one row of values per
/// vertex, with ways to damage one (drop a property, replace a value in one vertex).
public enum ASCIIPLY {
    public static func text(comments: [String] = [], properties: [String], rows: [[String]],
                            dropping dropped: Set<String> = [], replacing: [String: String] = [:],
                            vertex: Int = 1) -> String {
        var s = "ply\nformat ascii 1.0\n"
        for c in comments { s += "comment \(c)\n" }
        let kept = properties.indices.filter { !dropped.contains(properties[$0]) }
        s += "element vertex \(rows.count)\n"
        for i in kept { s += "property float \(properties[i])\n" }
        s += "end_header\n"
        for (r, row) in rows.enumerated() {
            s += kept.map { r == vertex ? (replacing[properties[$0]] ?? row[$0]) : row[$0] }.joined(separator: " ") + "\n"
        }
        return s
    }
}
