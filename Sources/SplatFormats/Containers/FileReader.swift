import Foundation

/// An open file read by offset (pread): the readers of long captures take the bytes they need
/// without mapping the file (a file truncated while mapped would fault instead of failing a read).
final class FileReader: @unchecked Sendable {
    let path: String
    let descriptor: Int32

    /// Nil when the file cannot be opened.
    init?(path: String) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
    }

    deinit { close(descriptor) }

    /// Its size and modification stamp now.
    func status() -> stat? {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? info : nil
    }

    /// Fills `buffer` from `offset`; false at the end of the file or on an error.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// `count` bytes from `offset`, or nil when the file ends first.
    func bytes(_ count: Int, at offset: Int) -> [UInt8]? {
        var ok = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialised in
            ok = read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialised = ok ? count : 0
        }
        return ok ? bytes : nil
    }
}
