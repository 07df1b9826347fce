import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats

/// Writes DEFLATE streams bit by bit, for hand-made (and deliberately broken) inputs.
struct TestDeflateWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    /// `n` bits of `value`, least significant first (header fields, extra bits).
    mutating func bits(_ value: Int, _ n: Int) {
        buffer |= UInt64(value & ((1 << n) - 1)) << UInt64(count)
        count += n
        while count >= 8 {
            bytes.append(UInt8(buffer & 0xFF))
            buffer >>= 8
            count -= 8
        }
    }

    /// A Huffman code, most significant bit first.
    mutating func code(_ code: Int, _ length: Int) {
        for i in stride(from: length - 1, through: 0, by: -1) { bits(code >> i & 1, 1) }
    }

    mutating func header(final: Bool, type: Int) {
        bits(final ? 1 : 0, 1)
        bits(type, 2)
    }

    mutating func alignToByte() {
        if count > 0 { bits(0, 8 - count) }
    }

    /// A stored block of at most 65535 bytes.
    mutating func stored(_ data: [UInt8], final: Bool) {
        header(final: final, type: 0)
        alignToByte()
        bits(data.count, 16)
        bits(data.count ^ 0xFFFF, 16)
        bytes += data
    }

    /// One symbol of the fixed literal/length code (0...287).
    mutating func fixedSymbol(_ symbol: Int) {
        switch symbol {
        case 0..<144: code(0x30 + symbol, 8)
        case 144..<256: code(0x190 + symbol - 144, 9)
        case 256..<280: code(symbol - 256, 7)
        default: code(0xC0 + symbol - 280, 8)
        }
    }

    mutating func fixedLiterals(_ data: [UInt8]) {
        for byte in data { fixedSymbol(Int(byte)) }
    }

    /// A match in a fixed block: length symbol and extra bits, 5-bit distance code and extra bits.
    mutating func fixedMatch(length: Int, distance: Int) {
        let l = Self.lengthSymbol(length)
        fixedSymbol(l.symbol)
        bits(l.extra, l.extraBits)
        let d = Self.distanceSymbol(distance)
        code(d.symbol, 5)
        bits(d.extra, d.extraBits)
    }

    var finished: [UInt8] {
        var copy = self
        copy.alignToByte()
        return copy.bytes
    }

    static let lengthBases = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
                              115, 131, 163, 195, 227, 258]
    static let lengthExtras = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBases = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtras = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11,
                                 12, 12, 13, 13]

    static func lengthSymbol(_ length: Int) -> (symbol: Int, extra: Int, extraBits: Int) {
        let i = lengthBases.lastIndex { $0 <= length }!
        return (257 + i, length - lengthBases[i], lengthExtras[i])
    }

    static func distanceSymbol(_ distance: Int) -> (symbol: Int, extra: Int, extraBits: Int) {
        let i = distanceBases.lastIndex { $0 <= distance }!
        return (i, distance - distanceBases[i], distanceExtras[i])
    }

    /// Canonical codes for `lengths` (RFC 1951 §3.2.2); unused symbols get (0, 0).
    static func canonical(_ lengths: [Int]) -> [(code: Int, length: Int)] {
        var perLength = [Int](repeating: 0, count: 16)
        for l in lengths where l > 0 { perLength[l] += 1 }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for l in 1...15 {
            code = (code + perLength[l - 1]) << 1
            next[l] = code
        }
        return lengths.map { l in
            guard l > 0 else { return (0, 0) }
            defer { next[l] += 1 }
            return (next[l], l)
        }
    }

    /// The code-length code the dynamic headers below use: complete, all 19 symbols (4 or 5 bits).
    static let codeLengthLengths = (0..<19).map { $0 < 13 ? 4 : 5 }
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// A dynamic block header with explicit counts, code-length code and code-length symbols
    /// (symbol, extra value, extra bits), so that broken headers can be written too.
    mutating func dynamicHeader(final: Bool, literalCount: Int, distanceCount: Int,
                                codeLengthLengths: [Int] = codeLengthLengths,
                                symbols: [(Int, Int, Int)]) {
        header(final: final, type: 2)
        bits(literalCount - 257, 5)
        bits(distanceCount - 1, 5)
        bits(19 - 4, 4)
        for symbol in Self.codeLengthOrder { bits(codeLengthLengths[symbol], 3) }
        let codes = Self.canonical(codeLengthLengths)
        for (symbol, extra, extraBits) in symbols {
            code(codes[symbol].code, codes[symbol].length)
            bits(extra, extraBits)
        }
    }

    /// A dynamic block header for these code lengths, written one length at a time.
    mutating func dynamicHeader(final: Bool, literal: [Int], distance: [Int]) {
        dynamicHeader(final: final, literalCount: literal.count, distanceCount: distance.count,
                      symbols: (literal + distance).map { ($0, 0, 0) })
    }
}

private func base64(_ text: String) -> [UInt8] { [UInt8](Data(base64Encoded: text)!) }

private func inflate(_ bytes: [UInt8], expectedSize: Int? = nil, limit: Int = 1 << 24) throws -> [UInt8] {
    try Inflate.decompress(bytes, expectedSize: expectedSize, limit: limit)
}

private func expectInflateError(_ reason: String, _ bytes: [UInt8], expectedSize: Int? = nil, limit: Int = 1 << 24,
                                file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try inflate(bytes, expectedSize: expectedSize, limit: limit), file: file, line: line) { error in
        XCTAssertEqual((error as? InflateError)?.reason, reason, file: file, line: line)
    }
}

/// The text of the dynamic-block vector: 200 numbered lines.
private let foxText: [UInt8] = Array((0..<200).map { i in
    "line \(i): the quick brown fox jumps over \(i * 7 % 13) lazy dogs\n"
}.joined().utf8)

/// `foxText` at level 9: one dynamic block.
private let foxStream = base64("""
ndpZbhRBEIThd07RR6iorNy4DYsBg/GAjdlOj3idHqk74gApy6VPtid+P9w/3m3j9fbj0932/eX+3Zft7dPl1+P24fJ7+/zy9dvzdvl597SN7eHN3z/b\
+8vH51cP/09weJLXJ/PwBNcndnhS1yfr8GRen/jhSV+fxOGJXZ/k8be/e+U6vFnXJ338ZXbPjGMAvrs5FoDdS+PYQOxuTNC5eJ5w3ieCB4rkhaJ4omje\
6BwC0gle6ZwC02k807kEptN5pjN4pjOFn6LFM53NM7XBMzXwTG3yTM0EprZ4puYCUwueqaXA1Ipnas0zXYNnusAzXVP4dW8807V4pst5pisEpit5pqsE\
pqt5pj4Epg6eqU+eqRvP1BfP1J1n6iH8WZo8Uy+eqbfANAbPNCAwjckzDROYxuKZhvNMI3imkTzTKJ5pNM80B880IXx+mgLTNJ5pLoFpOs80Q2CayTPN\
4plm80xr8EwLPNOaPNMynmktnmm58jk/eKaVAtMqnmm1wLQHz7TBM+3JM23jmfbimbbzTDt4pp080y6BaTfPFGNIixSESWpMZZMaJoxSYwmr1HBhlhoh\
7FIjhWFqlLBMjRamqRODo+2PIJDFiclxb/bE5njD7InV8caM6orZE8Pj3uyJ5fHG+5Vg9sT2uH++E+Pj3uyJ8fHGCj0FsyfWx73ZM/Pj/s1P7I97sycG\
yBtmT0yQe7NnNsgbr97K+K+0KRPqFEzoUzChUMGERgUTKhVM6FQwpVTBhFYFk2rVUnLVknrVUoLVkoqVkqyW0qyWEq2WUq2Wkq2W0K3gSriCC+UKrqQr\
uNCu4Eq8ggv1Ci7kK3gqmVUIWHChYCGEhIUQGhZCiFgIpWIhhIyFUDoWQghZCKVkIYSUhRBaFlKIWUihZiGn8s8BQs9CCkELKRQtpJK0kELTQipRCylU\
LZSStVBC10IJYQsllC2UkLZQQttChfIfLULdQgl5C6X0LbQQuNBK4UILiQutNC60ELnQQuVCC5kLLXQutBC60Fzp+gc=
""")

/// The DEFLATE tests of the hand-written inflater, kept against zlib: every damaged stream must
/// still be refused, now in zlib's words, and every size check is still ours.
final class InflateTests: XCTestCase {
    // Vectors made with Python's zlib, raw DEFLATE: zlib.compressobj(level, zlib.DEFLATED, -15).

    func testEmptyInput() throws {
        // Level 6 of b"": one final fixed block holding only end-of-block.
        XCTAssertEqual(try inflate(base64("AwA=")), [])
        XCTAssertEqual(try inflate(base64("AwA="), expectedSize: 0, limit: 0), [])
    }

    func testStoredBlock() throws {
        let stream = base64("ARQA6/9IZWxsbywgc3RvcmVkIGJsb2NrIQ==")  // level 0
        XCTAssertEqual(stream[0] & 7, 1)  // final, type 0
        XCTAssertEqual(try inflate(stream), Array("Hello, stored block!".utf8))
    }

    func testFixedHuffmanBlock() throws {
        let stream = base64("S0wqSkxOTEkEUgqJ2NkA")  // level 9, Z_FIXED
        XCTAssertEqual(stream[0] & 7, 3)  // final, type 1
        XCTAssertEqual(try inflate(stream), Array("abracadabra abracadabra abracadabra".utf8))
    }

    func testDynamicHuffmanBlock() throws {
        let stream = foxStream
        XCTAssertEqual(stream.count, 764)
        XCTAssertEqual(stream[0] & 7, 5)  // final, type 2
        let output = try inflate(stream, expectedSize: foxText.count)
        XCTAssertEqual(output.count, 10535)
        XCTAssertEqual(output, foxText)
        XCTAssertEqual(CRC32.checksum(output), 0x91FE_01A5)
    }

    func testLongRunAtDistanceOne() throws {
        // 100 000 × "a", level 9: one literal, then length-258 matches at distance 1.
        let stream = base64("""
        7cExAQAAAMKgrOtfwhoeQAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACvBg==
        """)
        XCTAssertEqual(try inflate(stream), [UInt8](repeating: UInt8(ascii: "a"), count: 100_000))
    }

    func testSeveralBlocksWithSyncFlush() throws {
        // A fixed block, the empty stored block of Z_SYNC_FLUSH (00 00 FF FF), a final fixed block.
        let stream = base64("SsssKi5RKEgsKtFRSMPK1lMAAAAA//8rTk3Oz0sBcxTS8nNy8suLrbEJ6gEA")
        XCTAssertEqual(stream[0] & 7, 2)  // not final, type 1
        XCTAssertEqual(try inflate(stream),
                       Array("first part, first part, first part. second part follows; second part follows.".utf8))
    }

    func testDistance32768AndLength258() throws {
        // zlib never reaches back the full window; build it by hand.
        let window = (0..<32768).map { UInt8(truncatingIfNeeded: $0 * 7 ^ $0 >> 8) }
        var w = TestDeflateWriter()
        w.stored(window, final: false)
        w.header(final: true, type: 1)
        w.fixedMatch(length: 258, distance: 32768)
        w.fixedMatch(length: 3, distance: 32768)
        w.fixedMatch(length: 10, distance: 1)
        w.fixedSymbol(256)
        let output = try inflate(w.finished)
        XCTAssertEqual(output.count, 32768 + 258 + 3 + 10)
        XCTAssertEqual(Array(output[0..<32768]), window)
        XCTAssertEqual(Array(output[32768..<(32768 + 261)]), Array(window[0..<261]))
        XCTAssertEqual(Array(output[(32768 + 261)...]), [UInt8](repeating: window[260], count: 10))
    }

    func testEveryLengthAndDistanceCode() throws {
        // A literal run to reach back into, then one match per length code and distance code.
        var w = TestDeflateWriter()
        let seed = (0..<40000).map { UInt8(truncatingIfNeeded: ($0 * 2654435761) >> 13) }
        var expected = seed
        w.stored(Array(seed[0..<20000]), final: false)
        w.stored(Array(seed[20000...]), final: false)
        w.header(final: true, type: 1)
        let lengths = TestDeflateWriter.lengthBases + TestDeflateWriter.lengthBases.map { $0 + 1 }.filter { $0 <= 258 }
        let distances = TestDeflateWriter.distanceBases + [2, 6, 100, 32767, 32768]
        for (k, length) in lengths.enumerated() {
            let distance = distances[k % distances.count]
            w.fixedMatch(length: length, distance: distance)
            for _ in 0..<length { expected.append(expected[expected.count - distance]) }
        }
        w.fixedSymbol(256)
        XCTAssertEqual(try inflate(w.finished), expected)
    }

    func testFifteenBitCodesUseSecondLevelTables() throws {
        // Literal/length lengths 1, 2, …, 15, 15: a complete code reaching the longest length.
        let symbols = Array("etaoinshrdlucmf".utf8).map(Int.init) + [256]
        var literal = [Int](repeating: 0, count: 257)
        for (k, s) in symbols.enumerated() { literal[s] = Swift.min(k + 1, 15) }
        let distance = [1]  // a single one-bit distance code is allowed
        var w = TestDeflateWriter()
        w.dynamicHeader(final: true, literal: literal, distance: distance)
        let codes = TestDeflateWriter.canonical(literal)
        let message = Array("fumble in the coffee, a calm hand; scan the fields".utf8).filter { symbols.contains(Int($0)) }
        for byte in message { w.code(codes[Int(byte)].code, codes[Int(byte)].length) }
        w.code(codes[256].code, codes[256].length)
        XCTAssertEqual(codes[Int(UInt8(ascii: "f"))].length, 15)
        XCTAssertEqual(try inflate(w.finished), message)
    }

    func testBlockWithoutDistanceCodesDecodesLiterals() throws {
        var literal = [Int](repeating: 0, count: 257)
        literal[Int(UInt8(ascii: "x"))] = 1
        literal[256] = 1
        var w = TestDeflateWriter()
        w.dynamicHeader(final: true, literal: literal, distance: [0])
        let codes = TestDeflateWriter.canonical(literal)
        for _ in 0..<5 { w.code(codes[Int(UInt8(ascii: "x"))].code, 1) }
        w.code(codes[256].code, 1)
        XCTAssertEqual(try inflate(w.finished), Array("xxxxx".utf8))
    }

    func testCollectionOverloadsAgree() throws {
        let stream = base64("S0wqSkxOTEkEUgqJ2NkA")
        let expected = Array("abracadabra abracadabra abracadabra".utf8)
        XCTAssertEqual(try Inflate.decompress(Data(stream), expectedSize: nil, limit: 100), expected)
        XCTAssertEqual(try Inflate.decompress(([0, 0] + stream)[2...], expectedSize: nil, limit: 100), expected)
        XCTAssertEqual(try Inflate.decompress(stream.lazy.map { $0 }, expectedSize: nil, limit: 100), expected)
        XCTAssertEqual(try stream.withUnsafeBytes { try Inflate.decompress($0, expectedSize: 35, limit: 100) }, expected)
    }

    // MARK: Malformed streams

    func testReservedBlockType() {
        var w = TestDeflateWriter()
        w.header(final: true, type: 3)
        expectInflateError("invalid block type", w.finished)
    }

    func testStoredBlockLengthCheck() {
        var w = TestDeflateWriter()
        w.header(final: true, type: 0)
        w.alignToByte()
        w.bits(5, 16)
        w.bits(0, 16)
        expectInflateError("invalid stored block lengths", w.finished + [1, 2, 3, 4, 5])
    }

    func testTruncatedStoredBlock() {
        var w = TestDeflateWriter()
        w.stored(Array("0123456789".utf8), final: true)
        expectInflateError("truncated input", Array(w.finished.dropLast(7)))
        expectInflateError("truncated input", Array(w.finished.prefix(3)))
    }

    func testEveryPrefixIsTruncated() throws {
        for stream in [foxStream, base64("SsssKi5RKEgsKtFRSMPK1lMAAAAA//8rTk3Oz0sBcxTS8nNy8suLrbEJ6gEA"),
                       base64("ARQA6/9IZWxsbywgc3RvcmVkIGJsb2NrIQ=="), base64("AwA=")] {
            XCTAssertNoThrow(try inflate(stream))
            for n in 0..<stream.count { expectInflateError("truncated input", Array(stream.prefix(n))) }
        }
    }

    func testDistanceBeforeTheStart() {
        var w = TestDeflateWriter()
        w.header(final: true, type: 1)
        w.fixedLiterals([65])
        w.fixedMatch(length: 3, distance: 2)
        w.fixedSymbol(256)
        expectInflateError("invalid distance too far back", w.finished)

        var atStart = TestDeflateWriter()
        atStart.header(final: true, type: 1)
        atStart.fixedMatch(length: 258, distance: 32768)
        expectInflateError("invalid distance too far back", atStart.finished)
    }

    func testInvalidFixedSymbols() {
        var length = TestDeflateWriter()
        length.header(final: true, type: 1)
        length.fixedLiterals([65, 66])
        length.fixedSymbol(286)
        expectInflateError("invalid literal/length code", length.finished + [0, 0])

        var distance = TestDeflateWriter()
        distance.header(final: true, type: 1)
        distance.fixedLiterals([65, 66])
        distance.fixedSymbol(257)
        distance.code(30, 5)
        expectInflateError("invalid distance code", distance.finished + [0, 0])
    }

    func testTooManyCodes() {
        var literal = TestDeflateWriter()
        literal.dynamicHeader(final: true, literalCount: 287, distanceCount: 1, symbols: [])
        expectInflateError("too many length or distance symbols", literal.finished + [0, 0, 0])

        var distance = TestDeflateWriter()
        distance.dynamicHeader(final: true, literalCount: 257, distanceCount: 31, symbols: [])
        expectInflateError("too many length or distance symbols", distance.finished + [0, 0, 0])
    }

    func testBadCodeLengthCodes() {
        var over = TestDeflateWriter()
        over.dynamicHeader(final: true, literalCount: 257, distanceCount: 1,
                           codeLengthLengths: [Int](repeating: 1, count: 19), symbols: [])
        expectInflateError("invalid code lengths set", over.finished + [0, 0])

        var incomplete = TestDeflateWriter()
        var lengths = [Int](repeating: 0, count: 19)
        lengths[8] = 2
        lengths[0] = 2
        incomplete.dynamicHeader(final: true, literalCount: 257, distanceCount: 1, codeLengthLengths: lengths, symbols: [])
        expectInflateError("invalid code lengths set", incomplete.finished + [0, 0])
    }

    func testBadRepeats() {
        var noPrevious = TestDeflateWriter()
        noPrevious.dynamicHeader(final: true, literalCount: 257, distanceCount: 1, symbols: [(16, 0, 2)])
        expectInflateError("invalid bit length repeat", noPrevious.finished + [0, 0])

        // 257 + 1 lengths, but two runs of 138 zeros.
        var pastEnd = TestDeflateWriter()
        pastEnd.dynamicHeader(final: true, literalCount: 257, distanceCount: 1, symbols: [(18, 127, 7), (18, 127, 7)])
        expectInflateError("invalid bit length repeat", pastEnd.finished + [0, 0])
    }

    func testBadLiteralAndDistanceCodes() {
        func block(_ literal: [Int], _ distance: [Int]) -> [UInt8] {
            var w = TestDeflateWriter()
            w.dynamicHeader(final: true, literal: literal, distance: distance)
            return w.finished + [0, 0, 0, 0]
        }
        var noEnd = [Int](repeating: 0, count: 257)
        noEnd[65] = 1
        noEnd[66] = 1
        expectInflateError("invalid code -- missing end-of-block", block(noEnd, [1]))

        var over = [Int](repeating: 0, count: 257)
        over[65] = 1
        over[66] = 1
        over[256] = 1
        expectInflateError("invalid literal/lengths set", block(over, [1]))

        var incomplete = [Int](repeating: 0, count: 257)
        incomplete[65] = 2
        incomplete[256] = 2
        expectInflateError("invalid literal/lengths set", block(incomplete, [1]))

        var complete = [Int](repeating: 0, count: 257)
        complete[65] = 1
        complete[256] = 1
        expectInflateError("invalid distances set", block(complete, [2, 2]))
        expectInflateError("invalid distances set", block(complete, [1, 1, 1]))
    }

    func testUnusedCodesAreInvalid() {
        // Only end-of-block, coded "0": the code "1" belongs to nothing.
        var literal = [Int](repeating: 0, count: 257)
        literal[256] = 1
        var w = TestDeflateWriter()
        w.dynamicHeader(final: true, literal: literal, distance: [0])
        w.bits(1, 1)
        expectInflateError("invalid literal/length code", w.finished + [0])

        // No distance codes at all, but a match.
        var x = [Int](repeating: 0, count: 258)
        x[65] = 1
        x[257] = 2
        x[256] = 2
        var m = TestDeflateWriter()
        m.dynamicHeader(final: true, literal: x, distance: [0])
        let codes = TestDeflateWriter.canonical(x)
        m.code(codes[65].code, 1)
        m.code(codes[257].code, 2)
        expectInflateError("invalid distance code", m.finished + [0, 0])
    }

    // MARK: Limits

    /// A dynamic block at DEFLATE's best ratio: "a" then `matches` × (258 at distance 1), two bits
    /// each.
    private func bomb(matches: Int) -> [UInt8] {
        var literal = [Int](repeating: 0, count: 286)
        literal[97] = 2
        literal[256] = 2
        literal[285] = 1
        var w = TestDeflateWriter()
        w.dynamicHeader(final: true, literal: literal, distance: [1])
        let codes = TestDeflateWriter.canonical(literal)
        w.code(codes[97].code, 2)
        for _ in 0..<matches {
            w.code(codes[285].code, 1)
            w.code(0, 1)
        }
        w.code(codes[256].code, 2)
        return w.finished
    }

    func testZipBombStopsAtLimit() throws {
        let stream = bomb(matches: 4000)
        let size = 1 + 4000 * 258
        XCTAssertLessThan(stream.count, 1200)  // about 150 bytes of header, then two bits per 258 bytes
        expectInflateError("output exceeds the limit of 100000 bytes", stream, limit: 100_000)
        expectInflateError("output exceeds the limit of \(size - 1) bytes", stream, limit: size - 1)
        let output = try inflate(stream, limit: size)
        XCTAssertEqual(output.count, size)
        XCTAssertTrue(output.allSatisfy { $0 == 97 })
    }

    func testExpectedSize() {
        let stored = base64("ARQA6/9IZWxsbywgc3RvcmVkIGJsb2NrIQ==")  // 20 bytes
        XCTAssertNoThrow(try inflate(stored, expectedSize: 20, limit: 20))
        expectInflateError("stream holds more than the expected 19 bytes", stored, expectedSize: 19)
        expectInflateError("stream ended after 20 bytes; 21 were expected", stored, expectedSize: 21)
        expectInflateError("expected size 21 is more than the limit of 20 bytes", stored, expectedSize: 21, limit: 20)
        expectInflateError("stream holds more than the expected 1000 bytes", bomb(matches: 100), expectedSize: 1000)
        expectInflateError("output exceeds the limit of 19 bytes", stored, limit: 19)
        expectInflateError("output exceeds the limit of 0 bytes", stored, limit: 0)
        var oneLiteral = TestDeflateWriter()
        oneLiteral.header(final: true, type: 1)
        oneLiteral.fixedLiterals([7])
        oneLiteral.fixedSymbol(256)
        expectInflateError("output exceeds the limit of 0 bytes", oneLiteral.finished, limit: 0)
        XCTAssertEqual(try inflate(oneLiteral.finished, limit: 1), [7])
    }

    func testRandomBytesNeverTrap() {
        // Deterministic garbage: every outcome must be a value or a thrown InflateError.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var decoded = 0
        for round in 0..<3000 {
            let count = round % 64 + 1
            var bytes = [UInt8](repeating: 0, count: count)
            for i in 0..<count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes[i] = UInt8(truncatingIfNeeded: state >> 56)
            }
            do {
                _ = try inflate(bytes, limit: 1 << 16)
                decoded += 1
            } catch {
                XCTAssertTrue(error is InflateError)
            }
        }
        XCTAssertGreaterThan(decoded, 0)
    }
}

final class GzipTests: XCTestCase {
    func testGzipRoundTripStopsABombAtTheLimit() throws {
        let data = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 / 4096) })
        let gz = Deflate.compress(data, wrapper: .gzip)
        XCTAssertEqual(Array(gz.prefix(3)), [0x1F, 0x8B, 8], "gzip magic and the deflate method")
        XCTAssertLessThan(gz.count, data.count / 100)
        XCTAssertEqual(try Inflate.decompress(gz, expectedSize: nil, limit: 1 << 20, wrapper: .gzip), Array(data))
        XCTAssertEqual(Inflate.prefix(gz, count: 5000, wrapper: .gzip), Array(data.prefix(5000)))
        XCTAssertThrowsError(try Inflate.decompress(gz, expectedSize: nil, limit: 1000, wrapper: .gzip)) {
            XCTAssertEqual(($0 as? InflateError)?.reason, "output exceeds the limit of 1000 bytes")
        }
        XCTAssertThrowsError(try Inflate.decompress(gz.prefix(gz.count - 9), expectedSize: nil, limit: 1 << 20, wrapper: .gzip)) {
            XCTAssertEqual(($0 as? InflateError)?.reason, "truncated input")
        }
        var badCRC = gz
        badCRC[gz.count - 8] ^= 1
        XCTAssertThrowsError(try Inflate.decompress(badCRC, expectedSize: nil, limit: 1 << 20, wrapper: .gzip)) {
            XCTAssertEqual(($0 as? InflateError)?.reason, "incorrect data check")
        }
        // Raw streams from the same deflater read back through the ZIP path's wrapper.
        XCTAssertEqual(try Inflate.decompress(Deflate.compress(data), expectedSize: data.count, limit: 1 << 21), Array(data))
    }
}
