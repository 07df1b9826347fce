import Foundation
import SplatCore

/// A Dynamic 3D Gaussians `params.npz` read one timestep at a time, for playing captures longer
/// than memory: the archive is memory-mapped, the (N, ·) arrays (scales, opacities) are read once,
/// and timestep k of each (T, N, C) array is read alone — by offset from a stored member, or
/// through a forward inflater from a deflated one (playing backwards restarts it). A timestep
/// decodes to exactly the frame the whole-file reader makes (DynamicGaussiansNPZ).
///
/// The streamed path checks every offset against the archive and every value for finiteness as it
/// reads, but not a member's CRC-32, which needs the whole member.
public final class DynamicGaussiansTimesteps: @unchecked Sendable {
    public let path: String
    public let timesteps: Int
    public let count: Int
    let scales: [SIMD3<Float>]
    let opacities: [Float]
    private let means: TimestepArray
    private let rotations: TimestepArray
    private let colours: TimestepArray

    /// Whether `path` is a file whose content is a Dynamic 3D Gaussians npz.
    public static func matches(path: String) -> Bool {
        guard !SceneSource.namesFolderOrPattern(path),
              let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return false }
        return DynamicGaussiansNPZ.matches(data)
    }

    public init(path: String) throws {
        self.path = path
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw SceneFileError(path: path, problem: "cannot read the file")
        }
        let zip = try ZipArchive(data: data, path: path)
        // The arrays are read by offset, not through the mapping (a file truncated meanwhile then
        // fails a read instead of faulting); the mapping serves the directory and the small arrays.
        guard let file = FileReader(path: path) else { throw SceneFileError(path: path, problem: "cannot read the file") }
        let limit = DynamicGaussiansNPZ.memberLimit(fileSize: data.count)
        func entry(_ name: String) throws -> ZipArchive.Entry {
            guard let entry = zip.entry(named: "\(name).npy") else {
                throw SceneFileError(path: path, problem: "npz has no '\(name)' array (Dynamic 3D Gaussians params need "
                                     + DynamicGaussiansNPZ.required.joined(separator: ", ") + ")")
            }
            return entry
        }
        means = try TimestepArray(file, try entry("means3D"), name: "means3D")
        rotations = try TimestepArray(file, try entry("unnorm_rotations"), name: "unnorm_rotations")
        colours = try TimestepArray(file, try entry("rgb_colors"), name: "rgb_colors")
        let logScales = try NPYArray.parse(try zip.read("log_scales.npy", limit: limit), name: "log_scales.npy", path: path)
        let logitOpacities = try NPYArray.parse(try zip.read("logit_opacities.npy", limit: limit), name: "logit_opacities.npy", path: path)

        // The same checks, in the same words, as the whole-file reader.
        let checks = OpeningChecks(path: path)
        let fail = checks.fail
        // One timestep at a time: only one frame must fit in memory.
        let (t, n) = try DynamicGaussiansNPZ.checkShapes(means: means.shape, rotations: rotations.shape, colours: colours.shape,
                                                         logScales: logScales.shape, logitOpacities: logitOpacities.shape,
                                                         framesInMemory: { _ in 1 }, checks: checks)
        for (name, a) in [("log_scales", logScales), ("logit_opacities", logitOpacities)] {
            if let bad = OpeningChecks.firstNonFinite(a.values) { throw fail("non-finite value in '\(name)' at element \(bad)") }
        }
        timesteps = t
        count = n
        (scales, opacities) = DynamicGaussiansNPZ.shared(logScales: logScales, logitOpacities: logitOpacities, count: n)
    }

    /// Timestep k's cloud (errors name the file, the member and the timestep).
    public func decodeTimestep(_ k: Int) throws -> SplatCloud {
        precondition((0..<timesteps).contains(k), "timestep \(k) of \(timesteps)")
        let m = try means.values(at: k), r = try rotations.values(at: k), c = try colours.values(at: k)
        for (array, values) in [(means, m), (rotations, r), (colours, c)] {
            if let bad = OpeningChecks.firstNonFinite(values) {
                throw SceneFileError(path: path, problem: "non-finite value in '\(array.name)' at element \(k * values.count + bad)")
            }
        }
        return m.withUnsafeBufferPointer { m in
            r.withUnsafeBufferPointer { r in
                c.withUnsafeBufferPointer { c in
                    DynamicGaussiansNPZ.timestep(means: m, rotations: r, colours: c, scales: scales, opacities: opacities)
                }
            }
        }
    }

    /// The timesteps streamed through a frame cache of `budget` bytes (timestep k at the time the
    /// whole-file reader gives it).
    public func stream(budget: UInt64, frameRate: Double?, prefetchThreads: Int = 2) throws -> FrameStream {
        let first = try decodeTimestep(0)
        let times = DynamicGaussiansNPZ.times(timesteps, frameRate: frameRate)
        let cache = FrameCache(frameCount: timesteps, budget: budget, prefetchThreads: prefetchThreads,
                               frameBytes: FrameCache.bytes(of: first), firstFrameBytes: FrameCache.bytes(of: first)) { [self] k, storage in
            storage = nil
            return k == 0 ? first : try decodeTimestep(k)
        }
        return FrameStream(times: times, metadata: DynamicGaussiansNPZ.metadata(times, frameRate: frameRate), first: first, cache: cache)
    }
}

/// One (T, N, C) array of the archive, read a timestep (N × C values) at a time.
final class TimestepArray: @unchecked Sendable {
    let name: String
    let shape: [Int]
    private let file: FileReader
    private let entry: ZipArchive.Entry
    private let layout: NPYArray.Layout
    private let timestepBytes: Int
    /// The deflated member's reader, positioned after the last timestep read (one thread at a time).
    private var inflater: InflateStream?
    private let lock = NSLock()

    init(_ file: FileReader, _ entry: ZipArchive.Entry, name: String) throws {
        self.name = name
        self.file = file
        self.entry = entry
        let member = "npz member \(ZipArchive.quoted(entry.name))"
        func fail(_ problem: String) -> SceneFileError { SceneFileError(path: file.path, problem: "\(member) \(problem)") }
        guard entry.flags & 1 == 0 else { throw fail("is encrypted") }
        guard entry.method == 0 || entry.method == 8 else {
            throw fail("uses compression method \(entry.method); only stored (0) and deflate (8) are supported")
        }
        // The header: the member's first bytes (a .npy header is at most 1 MiB).
        let headLength = min(entry.uncompressedSize, NPYArray.maxHeaderLength + 12)
        var head = [UInt8](repeating: 0, count: headLength)
        if entry.method == 0 {
            guard entry.compressedSize == entry.uncompressedSize else {
                throw fail("is stored with \(entry.compressedSize) bytes but claims \(entry.uncompressedSize)")
            }
            guard let bytes = file.bytes(headLength, at: entry.dataOffset) else { throw fail("points outside the file") }
            head = bytes
        } else {
            do {
                try head.withUnsafeMutableBytes { try InflateStream(file, range: Self.range(entry)).read(into: $0) }
            } catch let error as InflateError {
                throw fail("is damaged (\(error.reason))")
            }
        }
        layout = try NPYArray.Layout(head, name: entry.name, path: file.path)
        shape = layout.shape
        guard layout.dataStart + layout.byteCount <= entry.uncompressedSize else {
            throw layout.fail("holds \(entry.uncompressedSize - layout.dataStart) bytes of data; shape \(layout.shapeText) "
                              + "of \(layout.descr) needs \(layout.byteCount)")
        }
        timestepBytes = shape.count == 3 ? shape[1] * shape[2] * layout.type.size : 0
    }

    static func range(_ entry: ZipArchive.Entry) -> Range<Int> { entry.dataOffset..<(entry.dataOffset + entry.compressedSize) }

    /// Timestep k's N × C values as floats.
    func values(at k: Int) throws -> [Float] {
        let start = layout.dataStart + k * timestepBytes
        let count = timestepBytes / layout.type.size
        if entry.method == 0 {  // by offset: pread needs no lock, prefetch threads read side by side
            guard let bytes = file.bytes(timestepBytes, at: entry.dataOffset + start) else {
                throw layout.fail("ends before timestep \(k): the file was truncated")
            }
            return bytes.withUnsafeBytes { layout.type.convert($0, count: count) }
        }
        let bytes: [UInt8] = try lock.withLock {
            var bytes = [UInt8](repeating: 0, count: timestepBytes)
            do {
                if inflater == nil || inflater!.position > start { inflater = try InflateStream(file, range: Self.range(entry)) }
                try inflater!.skip(start - inflater!.position)
                try bytes.withUnsafeMutableBytes { try inflater!.read(into: $0) }
            } catch let error as InflateError {
                inflater = nil
                throw layout.fail("is damaged (\(error.reason))")
            }
            return bytes
        }
        return bytes.withUnsafeBytes { layout.type.convert($0, count: count) }
    }
}
