import Foundation
import SplatCore

/// Writes a ZIP archive of stored (uncompressed) members (PKWARE APPNOTE: local headers, central
/// directory, end record), enough for writing npz files.
enum ZipWriter {
    static func stored(_ members: [(name: String, bytes: [UInt8])]) -> Data {
        var out = [UInt8](), central = [UInt8]()
        func u16(_ v: Int, _ into: inout [UInt8]) { into += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: UInt32, _ into: inout [UInt8]) { for s in stride(from: 0, to: 32, by: 8) { into.append(UInt8((v >> UInt32(s)) & 0xFF)) } }
        for member in members {
            let name = Array(member.name.utf8), crc = CRC32.checksum(member.bytes), offset = out.count
            u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0x21, &out)
            u32(crc, &out); u32(UInt32(member.bytes.count), &out); u32(UInt32(member.bytes.count), &out)
            u16(name.count, &out); u16(0, &out); out += name; out += member.bytes
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0x21, &central); u32(crc, &central)
            u32(UInt32(member.bytes.count), &central); u32(UInt32(member.bytes.count), &central)
            u16(name.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(0, &central); u32(UInt32(offset), &central); central += name
        }
        let directoryOffset = out.count
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(members.count, &out); u16(members.count, &out)
        u32(UInt32(central.count), &out); u32(UInt32(directoryOffset), &out); u16(0, &out)
        return Data(out)
    }
}
