import Foundation
import SplatCore

/// The checks every decoder makes before it trusts a file, in one place so that every format
/// reports them in the same words: the file exists and has bytes, the declared counts fit the
/// bytes there are, the Gaussians fit the memory budget, and every value is finite.
public struct OpeningChecks: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public func fail(_ problem: String) -> SceneFileError { SceneFileError(path: path, problem: problem) }

    /// The file's bytes, or an error that says why they cannot be had.
    public func readFile() throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("no such file") }
        guard !isDirectory.boolValue else { throw fail("is a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw fail("permission denied") }
        // Foundation leaks a page reading an empty file (LeakSanitizer sees it): nothing to read.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue == 0 {
            return Data()
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw fail("cannot read the file")
        }
    }

    public func nonEmpty(_ data: Data) throws {
        guard !data.isEmpty else { throw fail("the file is empty") }
    }

    /// At least one Gaussian, and no more than the memory budget holds.
    public func gaussians(_ count: Int, frames: Int = 1, shDegree: Int, temporal: Bool,
                          none: String = "the file holds no Gaussians") throws {
        guard count > 0, frames > 0 else { throw fail(none) }
        try MemoryBudget.check(gaussians: count, frames: frames, shDegree: shDegree, temporal: temporal, path: path)
    }

    /// Bytes that `count` records of `size` bytes take; nil when that overflows (so it cannot fit).
    public static func byteCount(_ count: Int, each size: Int) -> Int? {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        return overflow || count < 0 ? nil : bytes
    }

    /// Whether `count` records of `size` bytes fit in `available` bytes, without overflow.
    public static func recordsFit(_ count: Int, each size: Int, in available: Int) -> Bool {
        byteCount(count, each: size).map { $0 <= available } ?? false
    }

    /// Throws "non-finite value in FIELD 'NAME' of RECORD" for the first NaN or infinity.
    /// `field` is the record's word for its parts ("property", "field").
    public func finite(_ values: UnsafeBufferPointer<Float>, names: [String], field: String, of record: @autoclosure () -> String) throws {
        if let bad = Self.firstNonFinite(values) {
            throw fail("non-finite value in \(field) '\(names[bad])' of \(record())")
        }
    }

    /// Index of the first NaN or infinity. The common all-finite case is one branch-free pass
    /// (exponent bits all ones means non-finite).
    public static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        let exponent: UInt32 = 0x7F80_0000
        let any = values.reduce(UInt32(0)) { $0 | ($1.bitPattern & exponent == exponent ? 1 : 0) }
        return any == 0 ? nil : values.firstIndex { !$0.isFinite }
    }

    public static func firstNonFinite(_ values: [Float]) -> Int? {
        values.withUnsafeBufferPointer { firstNonFinite($0) }
    }
}
