import Foundation
import SplatCore
import SplatPNG
import XCTest

/// Builds PNG files byte by byte (stored, uncompressed deflate blocks), independently of
/// libpng, so the reader can be fed colour types and bit depths our writer never makes.
private enum HandPNG {
    /// `rows` are raw scanlines without the filter byte (filter 0 is added).
    static func file(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8,
                     rows: [[UInt8]], before idat: [(String, [UInt8])] = []) -> Data {
        var ihdr = be32(width) + be32(height)
        ihdr += [bitDepth, colorType, 0, 0, 0]
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", ihdr)
        for (type, body) in idat { out += chunk(type, body) }
        out += chunk("IDAT", zlibStored(rows.flatMap { [0] + $0 }))
        out += chunk("IEND", [])
        return Data(out)
    }

    static func be32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return be32(body.count) + typed + be32(Int(crc32(typed)))
    }

    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let last: UInt8 = offset + n == data.count ? 1 : 0
            out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var s1: UInt32 = 1, s2: UInt32 = 0
        for byte in data { s1 = (s1 + UInt32(byte)) % 65521; s2 = (s2 + s1) % 65521 }
        return out + be32(Int(s2 << 16 | s1))
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

final class SplatPNGTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "splatpng-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    /// An image whose values are exactly k/255, covering every byte value.
    private func byteImage(_ w: Int, _ h: Int, _ ch: Int) -> Image {
        let pixels = (0..<(w * h * ch)).map { Float(($0 * 37 + 11) % 256) / 255 }
        return Image(width: w, height: h, channels: ch, pixels: pixels)
    }

    private func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    // MARK: 8-bit round trips

    func testEightBitRoundTripsAreExactForEveryChannelCount() throws {
        let colourTypes: [UInt8] = [0, 4, 2, 6]  // grey, grey+alpha, RGB, RGBA
        for channels in 1...4 {
            let image = byteImage(19, 14, channels)
            let data = try PNGFile.encode(image)
            XCTAssertEqual(Array(data[24...25]), [8, colourTypes[channels - 1]], "IHDR depth/colour type")
            let back = try PNGFile.decode(data, path: "mem.png")
            XCTAssertEqual(back, image, "channels \(channels)")
            XCTAssertEqual(back.quantized8(), image.quantized8())
        }
    }

    func testQuantisationRoundsHalfUpAndClamps() throws {
        let image = Image(width: 6, height: 1, channels: 1, pixels: [0.5, 1.2, -0.1, 0.998, .nan, .infinity])
        let back = try PNGFile.decode(PNGFile.encode(image), path: "q.png")
        XCTAssertEqual(back.quantized8(), [128, 255, 0, 254, 0, 255])
        XCTAssertEqual(back.pixels, [128, 255, 0, 254, 0, 255].map { Float($0) / 255 })
    }

    // MARK: 16-bit

    func testSixteenBitGreyIsStoredAndReadExactly() throws {
        let samples: [UInt16] = [0, 1, 257, 32768, 65534, 65535]
        let data = try PNGFile.encodeGray16(width: 3, height: 2, samples: samples)
        XCTAssertEqual(Array(data[24...25]), [16, 0], "IHDR: 16-bit greyscale")
        let image = try PNGFile.decode(data, path: "g16.png")
        XCTAssertEqual(image.channels, 1)
        XCTAssertEqual(image.pixels, samples.map { Float($0) / 65535 })
    }

    func testSixteenBitFileFromAnotherWriterIsReadExactly() throws {
        // 16-bit RGB without gAMA: libpng treats it as linear, so samples pass unchanged.
        let values = [0, 1, 4660, 32768, 65534, 65535]
        let data = HandPNG.file(width: 2, height: 1, bitDepth: 16, colorType: 2,
                                rows: [values.flatMap(HandPNG.be16)])
        let image = try PNGFile.decode(data, path: "rgb16.png")
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.pixels, values.map { Float($0) / 65535 })
    }

    func testSixteenBitAlphaIsUnpremultiplied() throws {
        // Pixels: opaque, half alpha, transparent. libpng hands back premultiplied colour.
        let rgba = [65535, 32768, 0, 65535,   65535, 20000, 0, 32768,   40000, 40000, 40000, 0]
        let data = HandPNG.file(width: 3, height: 1, bitDepth: 16, colorType: 6,
                                rows: [rgba.flatMap(HandPNG.be16)])
        let image = try PNGFile.decode(data, path: "rgba16.png")
        XCTAssertEqual(image.channels, 4)
        XCTAssertEqual(Array(image.pixels[0..<4]), [1, Float(32768) / 65535, 0, 1])
        // Half alpha: colour survives to within 1/alpha (the premultiplied value's rounding).
        XCTAssertEqual(image.pixels[4], 1)
        XCTAssertEqual(image.pixels[5], Float(20000) / 65535, accuracy: 1 / 32768)
        XCTAssertEqual(image.pixels[6], 0)
        XCTAssertEqual(image.pixels[7], Float(32768) / 65535)
        // Alpha 0 leaves no colour to recover.
        XCTAssertEqual(Array(image.pixels[8..<12]), [0, 0, 0, 0])
    }

    // MARK: other 8-bit layouts

    func testPaletteWithTransparencyExpandsToRGBA() throws {
        let palette: [UInt8] = [255, 0, 0,   0, 128, 255,   10, 20, 30]
        let data = HandPNG.file(width: 3, height: 1, bitDepth: 8, colorType: 3, rows: [[2, 0, 1]],
                                before: [("PLTE", palette), ("tRNS", [255, 64])])
        let image = try PNGFile.decode(data, path: "pal.png")
        XCTAssertEqual(image.channels, 4)
        XCTAssertEqual(image.quantized8(), [10, 20, 30, 255,   255, 0, 0, 255,   0, 128, 255, 64])
    }

    func testPaletteWithoutTransparencyExpandsToRGB() throws {
        let data = HandPNG.file(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[1, 0]],
                                before: [("PLTE", [1, 2, 3, 250, 251, 252])])
        let image = try PNGFile.decode(data, path: "pal.png")
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.quantized8(), [250, 251, 252, 1, 2, 3])
    }

    func testGreyAlphaAndOneBitGrey() throws {
        let ga = HandPNG.file(width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [[10, 200, 30, 0]])
        let gaImage = try PNGFile.decode(ga, path: "ga.png")
        XCTAssertEqual(gaImage.channels, 2)
        XCTAssertEqual(gaImage.quantized8(), [10, 200, 30, 0], "8-bit alpha is not premultiplied")

        let bits = HandPNG.file(width: 8, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0011]])
        let bitImage = try PNGFile.decode(bits, path: "bits.png")
        XCTAssertEqual(bitImage.channels, 1)
        XCTAssertEqual(bitImage.pixels, [1, 0, 1, 0, 0, 0, 1, 1])
    }

    // MARK: files

    func testWriteThenReadLeavesOnlyTheTarget() throws {
        let path = directory + "/frame.png"
        let first = byteImage(5, 4, 3)
        try PNGFile.write(first, to: path)
        XCTAssertEqual(try contents(), ["frame.png"])
        XCTAssertEqual(try PNGFile.read(path: path), first)

        // Overwriting replaces the file in place, again without leftovers.
        let second = byteImage(3, 2, 4)
        try PNGFile.write(second, to: path)
        XCTAssertEqual(try contents(), ["frame.png"])
        XCTAssertEqual(try PNGFile.read(path: path), second)
    }

    func testWriteGray16RoundTripsThroughAFile() throws {
        let path = directory + "/depth.png"
        try PNGFile.writeGray16(width: 2, height: 2, samples: [0, 1000, 60000, 65535], to: path)
        XCTAssertEqual(try PNGFile.read(path: path).pixels, [0, 1000, 60000, 65535].map { Float($0) / 65535 })
        XCTAssertEqual(try contents(), ["depth.png"])
    }

    func testWriteIntoMissingDirectoryThrowsAndLeavesNothing() throws {
        let path = directory + "/missing/frame.png"
        XCTAssertEqual(message { try PNGFile.write(byteImage(2, 2, 3), to: path) },
                       "\(path): cannot write: No such file or directory")
        XCTAssertEqual(try contents(), [])
    }

    func testWriteOverADirectoryFailsAndRemovesTheTemporary() throws {
        let path = directory + "/taken"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        XCTAssertEqual(message { try PNGFile.write(byteImage(2, 2, 3), to: path) },
                       "\(path): cannot write: Is a directory")
        XCTAssertEqual(try contents(), ["taken"])
    }

    func testEncodingAnEmptyImageFailsWithTheFileNamed() throws {
        let empty = Image(width: 0, height: 3, channels: 3)
        XCTAssertEqual(message { _ = try PNGFile.encode(empty) }, "cannot encode PNG: the image is empty (0×3)")
        let path = directory + "/empty.png"
        XCTAssertEqual(message { try PNGFile.write(empty, to: path) },
                       "\(path): cannot encode PNG: the image is empty (0×3)")
        XCTAssertEqual(message { _ = try PNGFile.encodeGray16(width: 2, height: 2, samples: [1, 2, 3]) },
                       "cannot encode PNG: 3 samples do not fill 2×2 pixels")
        XCTAssertEqual(try contents(), [])
    }

    // MARK: read errors

    func testMissingFile() {
        let path = directory + "/nope.png"
        XCTAssertEqual(message { _ = try PNGFile.read(path: path) }, "\(path): cannot read: No such file or directory")
    }

    func testDirectoryIsNotReadable() {
        XCTAssertEqual(message { _ = try PNGFile.read(path: directory) }, "\(directory): cannot read: Is a directory")
    }

    func testNotAPNGFile() throws {
        let path = directory + "/notes.png"
        try Data("hello, this is text\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(message { _ = try PNGFile.read(path: path) }, "\(path): not a PNG file")
        let emptyPath = directory + "/empty.png"
        try Data().write(to: URL(fileURLWithPath: emptyPath))
        XCTAssertEqual(message { _ = try PNGFile.read(path: emptyPath) }, "\(emptyPath): not a PNG file")
    }

    func testTruncatedPNG() throws {
        let data = try PNGFile.encode(byteImage(40, 30, 3))
        let path = directory + "/half.png"
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(message { _ = try PNGFile.read(path: path) },
                       "\(path): truncated or corrupt PNG: read beyond end of data")
        // Cut inside the header: libpng fails in begin_read instead.
        XCTAssertEqual(message { _ = try PNGFile.decode(data.prefix(20), path: "h.png") },
                       "h.png: truncated or corrupt PNG: read beyond end of data")
    }

    func testHugeDimensionsAreRefusedBeforeAllocating() {
        let data = HandPNG.file(width: 1_000_000, height: 1_000_000, bitDepth: 16, colorType: 6, rows: [[]])
        XCTAssertEqual(message { _ = try PNGFile.decode(data, path: "big.png") },
                       "big.png: image too large (1000000×1000000 pixels)")
    }

    /// Deterministic byte corruptions of a valid file: each must decode or throw, never crash.
    func testCorruptedFilesNeverCrash() throws {
        let valid = try PNGFile.encode(byteImage(16, 9, 4))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        var failures = 0
        for _ in 0..<300 {
            var bytes = [UInt8](valid)
            for _ in 0..<(1 + next() % 4) {
                bytes[8 + next() % (bytes.count - 8)] = UInt8(truncatingIfNeeded: next())
            }
            do { _ = try PNGFile.decode(Data(bytes), path: "fuzz.png") } catch { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 0)
    }
}
