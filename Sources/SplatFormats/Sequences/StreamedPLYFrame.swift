import Foundation
import SplatCore

/// Reads one frame stored as a 3DGS PLY in the standard layout (binary little-endian float32
/// records, one `vertex` element) a few MB at a time, straight into the cloud's arrays. A decoding
/// thread then holds one piece of the file instead of all of it (a 500k SH-3 frame is 124 MB) and
/// faults in no fresh memory for it, which on this kind of VM costs more than decoding.
///
/// It answers nil for anything else — another layout or PLY-based format, a file that is not
/// exactly its header plus its records, a non-finite value, a file that changes while it is read —
/// and the caller reads the file whole, which words every error exactly as a single file does.
struct StreamedPLYFrame {
    let path: String
    /// Bytes read per piece: large enough for sequential reads, small beside a frame.
    var pieceBytes = 8 << 20

    /// The frame, written into `storage`'s arrays when they have its shape (taken, left nil).
    func decode(reusing storage: inout SplatCloud?) throws -> SplatCloud? {
        guard let file = FileReader(path: path), let before = file.status(),
              let head = file.bytes(min(Int(before.st_size), PLYHeader.maximumByteCount), at: 0) else { return nil }
        let size = Int(before.st_size)
        let headData = Data(head)
        guard PLYHeader.hasMagic(headData), let header = try? PLYHeader.parse(headData, path: path),
              header.elements.count == 1, let vertex = header.element(named: "vertex") else { return nil }
        // The registry's choice for this header must be the 3DGS PLY (not a PLY-based 4D layout).
        let source = SceneSource(path: path, data: headData.prefix(header.byteCount))
        guard SceneFormats.all.first(where: { $0.detects(source) })?.id == .gaussianPLY,
              GaussianPLY.matches(header), let degree = try? GaussianPLY.shDegree(of: vertex, path: path) else { return nil }
        let layout = ColumnLayout(degree: degree)
        guard let records = header.floatRecords(of: "vertex", properties: layout.names, fileSize: size),
              records.start == header.byteCount, records.start + records.count * records.stride == size else { return nil }
        try OpeningChecks(path: path).gaussians(vertex.count, shDegree: degree, temporal: false)

        let rowsPerPiece = max(1, pieceBytes / records.stride)
        let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: rowsPerPiece * records.stride, alignment: 16)
        defer { piece.deallocate() }
        var complete = true
        let cloud = FloatRecordDecoder(layout: layout, records: records).decode(reusing: &storage) { decodeRows in
            var row = 0
            while row < records.count {
                let rows = row..<min(records.count, row + rowsPerPiece)
                let bytes = UnsafeMutableRawBufferPointer(rebasing: piece[0..<(rows.count * records.stride)])
                guard file.read(into: bytes, at: records.start + row * records.stride) else {
                    complete = false
                    return
                }
                decodeRows(UnsafeRawPointer(bytes.baseAddress!), rows)
                row = rows.upperBound
            }
        }
        guard complete, let cloud, unchanged(since: before) else { return nil }
        return cloud
    }

    /// Whether the file at the path is still the one read: same size and modification time.
    private func unchanged(since before: stat) -> Bool {
        var after = stat()
        guard stat(path, &after) == 0 else { return false }
        return after.st_size == before.st_size && after.st_mtim.tv_sec == before.st_mtim.tv_sec
            && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec && after.st_ino == before.st_ino
    }
}
