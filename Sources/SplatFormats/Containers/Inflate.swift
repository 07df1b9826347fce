import Foundation
import SplatCore

/// Why a DEFLATE stream could not be decoded: one line, no trailing period.
public struct InflateError: Error, Equatable, CustomStringConvertible, Sendable {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// A raw DEFLATE (RFC 1951) decoder: stored, fixed-Huffman and dynamic-Huffman blocks, decoded
/// with two-level lookup tables. Written for hostile input: every malformed stream is a thrown
/// `InflateError`, and the output never grows past `limit` bytes.
public enum Inflate {
    /// Decodes a complete raw DEFLATE stream (no zlib or gzip wrapper). Bytes after the final
    /// block are ignored.
    /// - Parameters:
    ///   - expectedSize: when given, the output must be exactly this long (decoding stops with an
    ///     error as soon as it would grow past it).
    ///   - limit: the most bytes the output may hold; a stream that would produce more throws.
    public static func decompress(_ data: UnsafeRawBufferPointer, expectedSize: Int?, limit: Int) throws -> [UInt8] {
        guard limit >= 0 else { throw InflateError("negative output limit") }
        var cap = limit
        if let expectedSize {
            guard expectedSize >= 0 else { throw InflateError("negative expected size") }
            guard expectedSize <= limit else {
                throw InflateError("expected size \(expectedSize) is more than the limit of \(limit) bytes")
            }
            cap = expectedSize
        }
        // A DEFLATE stream cannot expand by more than about 1032:1 (258 bytes per 2 bits), so the
        // first allocation is never larger than the input could justify.
        let ceiling = data.count > (Int.max - 1024) / 1040 ? Int.max : data.count * 1040 + 1024
        let initial = Swift.min(cap, expectedSize ?? Swift.max(data.count * 4, 1 << 16), ceiling)
        var state = Inflater(input: data, limit: cap, limitIsExpected: expectedSize != nil, initialCapacity: initial)
        defer { state.releaseOutput() }
        try state.run()
        if let expectedSize, state.outCount != expectedSize {
            throw InflateError("stream ended after \(state.outCount) bytes; \(expectedSize) were expected")
        }
        return state.takeOutput()
    }

    /// Decodes a raw DEFLATE stream held in any byte collection (contiguous storage is used
    /// directly; anything else is copied once).
    public static func decompress<C: Collection<UInt8>>(_ data: C, expectedSize: Int?, limit: Int) throws -> [UInt8] {
        if let result = try data.withContiguousStorageIfAvailable({ buffer in
            try decompress(UnsafeRawBufferPointer(buffer), expectedSize: expectedSize, limit: limit)
        }) {
            return result
        }
        return try Array(data).withUnsafeBytes { try decompress($0, expectedSize: expectedSize, limit: limit) }
    }

    /// `Data` is not always contiguous through `withContiguousStorageIfAvailable`; this overload
    /// always decodes it in place.
    public static func decompress(_ data: Data, expectedSize: Int?, limit: Int) throws -> [UInt8] {
        try data.withUnsafeBytes { try decompress($0, expectedSize: expectedSize, limit: limit) }
    }
}

// MARK: - Huffman tables

/// A canonical Huffman code as a two-level lookup table indexed by the next input bits
/// (least-significant bit first, as DEFLATE packs codes).
///
/// Entry layout (UInt32): bits 0–7 the bit count, bit 8 "subtable pointer", bits 16–31 the symbol
/// (or, for a pointer, the subtable's offset). A zero entry is a code that does not exist.
/// Primary entries hold codes of up to `primaryBits` bits; a pointer entry's bit count is the
/// subtable's index width, and subtable entries hold the bits beyond the primary ones.
extension Inflate {
    struct HuffmanTable: Sendable {
        var entries: [UInt32]
        let primaryBits: Int
        /// Longest code length (0 for a code with no symbols).
        let maxLength: Int

        static let pointerFlag: UInt32 = 0x100

        enum Use { case codeLengths, literalLength, distance }

        /// Builds the table for `lengths[symbol]` (0 = unused). Throws for over-subscribed codes, and
        /// for incomplete ones except where DEFLATE permits them (a single one-bit literal/length or
        /// distance code, or no distance codes at all).
        init(lengths: ArraySlice<UInt8>, primaryBits: Int, use: Use) throws {
            var countPerLength = [Int](repeating: 0, count: 16)
            var maxLength = 0
            var used = 0
            for length in lengths {
                guard length <= 15 else { throw InflateError("code length \(length) is over 15") }
                if length > 0 {
                    countPerLength[Int(length)] += 1
                    maxLength = Swift.max(maxLength, Int(length))
                    used += 1
                }
            }
            // Kraft sum: `left` is how many codes of the current length remain unassigned.
            var left = 1
            for length in 1...15 {
                left = left << 1 - countPerLength[length]
                if left < 0 { throw InflateError("over-subscribed \(use.name) code") }
            }
            if left > 0 {
                let allowed: Bool
                switch use {
                case .codeLengths: allowed = false
                case .literalLength: allowed = used == 1 && maxLength == 1
                case .distance: allowed = used == 0 || (used == 1 && maxLength == 1)
                }
                if !allowed { throw InflateError("incomplete \(use.name) code") }
            }

            self.primaryBits = primaryBits
            self.maxLength = maxLength
            var entries = [UInt32](repeating: 0, count: 1 << primaryBits)
            guard used > 0 else { self.entries = entries; return }

            // First canonical code of each length (RFC 1951 §3.2.2).
            var nextCode = [Int](repeating: 0, count: 16)
            var code = 0
            for length in 1...15 {
                code = (code + countPerLength[length - 1]) << 1
                nextCode[length] = code
            }
            countPerLength[0] = 0

            let subBits = Swift.max(maxLength - primaryBits, 0)
            let primaryMask = (1 << primaryBits) - 1
            // Symbols in order of (length, symbol) get ascending canonical codes: sort them by length
            // (counting sort), then assign. Subtables are created as long codes first reach a prefix.
            var start = [Int](repeating: 0, count: 16)
            for length in 1..<15 { start[length + 1] = start[length] + countPerLength[length] }
            var sorted = [Int](repeating: 0, count: used)
            for (symbol, length) in lengths.enumerated() where length > 0 {
                sorted[start[Int(length)]] = symbol
                start[Int(length)] += 1
            }
            for symbolIndex in sorted {
                let length = Int(lengths[lengths.startIndex + symbolIndex])
                let symbol = UInt32(symbolIndex)
                let reversed = Self.reverse(nextCode[length], bits: length)
                nextCode[length] += 1
                if length <= primaryBits {
                    let entry = symbol << 16 | UInt32(length)
                    var index = reversed
                    while index < 1 << primaryBits {
                        entries[index] = entry
                        index += 1 << length
                    }
                } else {
                    let prefix = reversed & primaryMask
                    var pointer = entries[prefix]
                    if pointer == 0 {
                        pointer = UInt32(entries.count) << 16 | Self.pointerFlag | UInt32(subBits)
                        entries[prefix] = pointer
                        entries.append(contentsOf: repeatElement(0, count: 1 << subBits))
                    }
                    let base = Int(pointer >> 16)
                    let extra = length - primaryBits
                    let entry = symbol << 16 | UInt32(extra)
                    var index = reversed >> primaryBits
                    while index < 1 << subBits {
                        entries[base + index] = entry
                        index += 1 << extra
                    }
                }
            }
            self.entries = entries
        }

        static func reverse(_ value: Int, bits: Int) -> Int {
            var v = value, r = 0
            for _ in 0..<bits {
                r = r << 1 | v & 1
                v >>= 1
            }
            return r
        }

        static let fixedLiteralLength: HuffmanTable = {
            var lengths = [UInt8](repeating: 8, count: 288)
            for i in 144..<256 { lengths[i] = 9 }
            for i in 256..<280 { lengths[i] = 7 }
            // The fixed code is complete; construction cannot fail.
            return try! HuffmanTable(lengths: lengths[...], primaryBits: 9, use: .literalLength)
        }()

        static let fixedDistance: HuffmanTable = {
            let lengths = [UInt8](repeating: 5, count: 32)
            return try! HuffmanTable(lengths: lengths[...], primaryBits: 5, use: .distance)
        }()
    }
}

extension Inflate.HuffmanTable.Use {
    var name: String {
        switch self {
        case .codeLengths: return "code-length"
        case .literalLength: return "literal/length"
        case .distance: return "distance"
        }
    }
}

// MARK: - The decoder

private let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
private let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                    3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
private let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                      257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                      8193, 12289, 16385, 24577]
private let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                      7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
/// The order in which a dynamic block lists the code-length code's lengths.
private let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

private struct Inflater {
    let input: UnsafeRawBufferPointer
    var position = 0
    /// Unconsumed input bits, next bit lowest; only the low `bitCount` bits are meaningful.
    var bitBuffer: UInt64 = 0
    var bitCount = 0

    var out: UnsafeMutablePointer<UInt8>
    var outCount = 0
    var outCapacity: Int
    let limit: Int
    let limitIsExpected: Bool

    init(input: UnsafeRawBufferPointer, limit: Int, limitIsExpected: Bool, initialCapacity: Int) {
        self.input = input
        self.limit = limit
        self.limitIsExpected = limitIsExpected
        // The allocation is never empty; the capacity used for limit checks may be.
        outCapacity = initialCapacity
        out = .allocate(capacity: Swift.max(initialCapacity, 1))
    }

    func releaseOutput() { out.deallocate() }

    func takeOutput() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: outCount) { buffer, count in
            if outCount > 0 { buffer.baseAddress!.update(from: out, count: outCount) }
            count = outCount
        }
    }

    // MARK: Bits

    /// Tops the bit buffer up to at least 56 bits, or with everything left in the input.
    @inline(__always)
    mutating func refill() {
        if input.count - position >= 8 {
            let word = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            bitBuffer |= word &<< UInt64(bitCount)
            position += (63 - bitCount) >> 3
            bitCount |= 56
        } else {
            while bitCount <= 56 && position < input.count {
                bitBuffer |= UInt64(input[position]) &<< UInt64(bitCount)
                position += 1
                bitCount += 8
            }
        }
        // Bits above bitCount may hold a copy of bytes not yet counted; mask them so that padding
        // past the end of the input always reads as zeros.
        if bitCount < 64 { bitBuffer &= (1 &<< UInt64(bitCount)) &- 1 }
    }

    @inline(__always)
    mutating func bits(_ n: Int) throws -> Int {
        if bitCount < n {
            refill()
            guard bitCount >= n else { throw InflateError("truncated input") }
        }
        let value = Int(truncatingIfNeeded: bitBuffer & ((1 &<< UInt64(n)) &- 1))
        bitBuffer &>>= UInt64(n)
        bitCount -= n
        return value
    }

    @inline(__always)
    mutating func decodeSymbol(_ table: UnsafeBufferPointer<UInt32>, primaryBits: Int, maxLength: Int,
                               what: Inflate.HuffmanTable.Use) throws -> Int {
        if bitCount < 15 { refill() }
        var entry = table[Int(truncatingIfNeeded: bitBuffer) & ((1 << primaryBits) - 1)]
        var length = Int(entry & 0xFF)
        if entry & Inflate.HuffmanTable.pointerFlag != 0 {
            let subBits = length
            let base = Int(entry >> 16)
            let index = Int(truncatingIfNeeded: bitBuffer >> UInt64(primaryBits)) & ((1 << subBits) - 1)
            entry = table[base + index]
            length = Int(entry & 0xFF)
            if length != 0 { length += primaryBits }
        }
        guard length != 0 else {
            // With fewer real bits than the longest code, zero padding may have decided the lookup.
            throw InflateError(bitCount < maxLength ? "truncated input" : "invalid \(what.name) code")
        }
        guard length <= bitCount else { throw InflateError("truncated input") }
        bitBuffer &>>= UInt64(length)
        bitCount -= length
        return Int(entry >> 16)
    }

    // MARK: Output

    @inline(__always)
    mutating func reserve(_ n: Int) throws {
        if outCapacity - outCount < n { try grow(n) }
    }

    mutating func grow(_ n: Int) throws {
        let needed = outCount + n
        guard needed <= limit else {
            throw InflateError(limitIsExpected
                ? "stream holds more than the expected \(limit) bytes"
                : "output exceeds the limit of \(limit) bytes")
        }
        let doubled = outCapacity > Int.max / 2 ? Int.max : outCapacity * 2
        let newCapacity = Swift.min(Swift.max(doubled, needed), limit)
        let newOut = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newOut.update(from: out, count: outCount)
        out.deallocate()
        out = newOut
        outCapacity = newCapacity
    }

    // MARK: Blocks

    mutating func run() throws {
        var final = false
        while !final {
            final = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1:
                try huffmanBlock(literal: Inflate.HuffmanTable.fixedLiteralLength,
                                 distance: Inflate.HuffmanTable.fixedDistance)
            case 2:
                let (literal, distance) = try dynamicTables()
                try huffmanBlock(literal: literal, distance: distance)
            default: throw InflateError("invalid block type 3")
            }
        }
    }

    mutating func storedBlock() throws {
        // Skip to the byte boundary, then hand the whole bytes still buffered back to the input.
        bitBuffer >>= UInt64(bitCount & 7)
        bitCount &= ~7
        position -= bitCount >> 3
        bitBuffer = 0
        bitCount = 0
        guard input.count - position >= 4 else { throw InflateError("truncated input") }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        position += 4
        guard length ^ complement == 0xFFFF else { throw InflateError("stored block length check failed") }
        guard input.count - position >= length else { throw InflateError("truncated input") }
        try reserve(length)
        if length > 0 {
            (out + outCount).update(from: input.baseAddress!.advanced(by: position).assumingMemoryBound(to: UInt8.self),
                                    count: length)
        }
        outCount += length
        position += length
    }

    mutating func dynamicTables() throws -> (Inflate.HuffmanTable, Inflate.HuffmanTable) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286 else { throw InflateError("too many literal/length codes (\(literalCount))") }
        guard distanceCount <= 30 else { throw InflateError("too many distance codes (\(distanceCount))") }

        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount {
            codeLengthLengths[codeLengthOrder[i]] = UInt8(try bits(3))
        }
        let codeLengthTable = try Inflate.HuffmanTable(lengths: codeLengthLengths[...], primaryBits: 7, use: .codeLengths)

        let total = literalCount + distanceCount
        var lengths = [UInt8](repeating: 0, count: total)
        var i = 0
        try codeLengthTable.entries.withUnsafeBufferPointer { table in
            while i < total {
                let symbol = try decodeSymbol(table, primaryBits: 7, maxLength: codeLengthTable.maxLength,
                                              what: .codeLengths)
                if symbol < 16 {
                    lengths[i] = UInt8(symbol)
                    i += 1
                    continue
                }
                let value: UInt8
                let repeats: Int
                switch symbol {
                case 16:
                    guard i > 0 else { throw InflateError("code length repeat with no previous length") }
                    value = lengths[i - 1]
                    repeats = 3 + (try bits(2))
                case 17:
                    value = 0
                    repeats = 3 + (try bits(3))
                default:
                    value = 0
                    repeats = 11 + (try bits(7))
                }
                guard i + repeats <= total else { throw InflateError("code length repeat runs past the last code") }
                for j in i..<(i + repeats) { lengths[j] = value }
                i += repeats
            }
        }
        guard lengths[256] != 0 else { throw InflateError("no end-of-block code") }
        let literal = try Inflate.HuffmanTable(lengths: lengths[0..<literalCount], primaryBits: 10, use: .literalLength)
        let distance = try Inflate.HuffmanTable(lengths: lengths[literalCount...], primaryBits: 8, use: .distance)
        return (literal, distance)
    }

    mutating func huffmanBlock(literal: Inflate.HuffmanTable, distance: Inflate.HuffmanTable) throws {
        let literalBits = literal.primaryBits, distanceBits = distance.primaryBits
        let literalMax = literal.maxLength, distanceMax = distance.maxLength
        try literal.entries.withUnsafeBufferPointer { literalTable in
            try distance.entries.withUnsafeBufferPointer { distanceTable in
                while true {
                    let symbol = try decodeSymbol(literalTable, primaryBits: literalBits, maxLength: literalMax,
                                                  what: .literalLength)
                    if symbol < 256 {
                        if outCount == outCapacity { try grow(1) }
                        out[outCount] = UInt8(truncatingIfNeeded: symbol)
                        outCount += 1
                        continue
                    }
                    if symbol == 256 { return }
                    let lengthIndex = symbol - 257
                    guard lengthIndex < 29 else { throw InflateError("invalid length symbol \(symbol)") }
                    let length = Int(lengthBase[lengthIndex]) + (try bits(Int(lengthExtra[lengthIndex])))
                    let distanceSymbol = try decodeSymbol(distanceTable, primaryBits: distanceBits,
                                                          maxLength: distanceMax, what: .distance)
                    guard distanceSymbol < 30 else { throw InflateError("invalid distance symbol \(distanceSymbol)") }
                    let distance = Int(distanceBase[distanceSymbol]) + (try bits(Int(distanceExtra[distanceSymbol])))
                    guard distance <= outCount else {
                        throw InflateError("distance \(distance) reaches before the start of the output")
                    }
                    try reserve(length)
                    let destination = out + outCount
                    let source = destination - distance
                    if distance >= length {
                        destination.update(from: source, count: length)
                    } else {
                        for k in 0..<length { destination[k] = source[k] }
                    }
                    outCount += length
                }
            }
        }
    }
}
