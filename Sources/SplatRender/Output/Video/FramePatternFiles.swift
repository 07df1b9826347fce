import Foundation
import SplatCore

/// The numbered frame files a pattern (frame_%05d.png, frame_{frame}.png) names, as a render wrote
/// them: found in the pattern's folder, in frame order, with no gap.
public enum FramePatternFiles {
    /// The paths of the frames, first to last. Throws when the pattern has no placeholder, when no
    /// file matches, or naming the first missing frame of a gap.
    public static func find(_ pattern: String) throws -> [String] {
        guard FrameSchedule.hasPattern(pattern) else {
            throw RequestError(nil, "'\(pattern)' needs a frame pattern (%05d or {frame}) to name the frames")
        }
        let folder = (pattern as NSString).deletingLastPathComponent
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)
        } catch {
            throw SplatFailure(.badInput, "\(pattern): cannot list the folder '\(folder.isEmpty ? "." : folder)'")
        }
        let prefix = folder.isEmpty ? "" : folder + "/"
        // A name is frame k exactly when the pattern expands to it (this rejects other widths and paddings).
        let indices = names.compactMap { name -> Int? in
            guard let digits = name.split(whereSeparator: { !$0.isNumber }).last, let k = Int(digits) else { return nil }
            return FrameSchedule.expand(pattern, frame: k) == prefix + name ? k : nil
        }.sorted()
        guard let first = indices.first, let last = indices.last else {
            throw SplatFailure(.badInput, "\(pattern): no frame matches the pattern")
        }
        if indices.count != last - first + 1 {
            let present = Set(indices)
            let missing = (first...last).first { !present.contains($0) }!
            throw SplatFailure(.badInput, "\(FrameSchedule.expand(pattern, frame: missing)): missing, between frames \(first) "
                               + "and \(last) (\(last - first + 1 - indices.count) missing in all)")
        }
        return indices.map { FrameSchedule.expand(pattern, frame: $0) }
    }

    /// A PNG's size from its IHDR chunk (signature, length, "IHDR", width, height: PNG specification 11.2.2),
    /// without decoding the image.
    public static func pngSize(_ path: String) throws -> (width: Int, height: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SceneFileError(path: path, problem: "cannot read the file") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 24)) ?? Data())
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard head.count == 24, Array(head[0..<8]) == signature, Array(head[12..<16]) == Array("IHDR".utf8) else {
            throw SceneFileError(path: path, problem: "not a PNG file")
        }
        func be32(_ at: Int) -> Int { head[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }
}
