#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SplatCore

/// Whole-file reads and atomic whole-file replacement over POSIX calls,
/// so that errors carry the system's own reason (strerror) and the path.
enum FileBytes {
    static func contents(ofFile path: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, "cannot read", errno) }
        defer { close(fd) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                data.append(contentsOf: chunk[0..<n])
            } else if n == 0 {
                return data
            } else if errno != EINTR {
                throw failure(path, "cannot read", errno)
            }
        }
    }

    /// Writes `data` to a temporary file in the target's directory and renames it over
    /// the target, so readers see either the old file or the complete new one. The
    /// temporary is removed on every failure.
    static func replace(_ path: String, with data: Data) throws {
        let temp = temporaryPath(for: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw failure(path, "cannot write", errno) }
        var code = writeAll(fd, data)
        if code == 0, fsync(fd) != 0 { code = errno }  // durable before it becomes visible
        if close(fd) != 0, code == 0 { code = errno }
        if code == 0, rename(temp, path) != 0 { code = errno }
        if code != 0 {
            unlink(temp)
            throw failure(path, "cannot write", code)
        }
    }

    /// ".<name>.tmp-<pid>-<random>" beside the target (same file system, so rename is atomic).
    static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let tag = String(UInt32.random(in: .min ... .max), radix: 16)
        return "\(directory).\(name).tmp-\(getpid())-\(tag)"
    }

    /// Returns 0 or the errno of the failing write.
    private static func writeAll(_ fd: Int32, _ data: Data) -> Int32 {
        data.withUnsafeBytes { raw -> Int32 in
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0, errno == EINTR {
                    continue
                } else {
                    return n < 0 ? errno : EIO
                }
            }
            return 0
        }
    }

    private static func failure(_ path: String, _ action: String, _ code: Int32) -> SceneFileError {
        SceneFileError(path: path, problem: "\(action): \(String(cString: strerror(code)))")
    }
}

// The POSIX names, spelled so that they cannot be confused with methods.
#if canImport(Glibc)
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
#endif
