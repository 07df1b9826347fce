import Foundation
import SplatCore

/// Output files: checked before any expensive work starts, folders made where asked.
public enum OutputPath {
    /// Throws when `path` cannot be created: its folder is missing or read-only, or it is a folder.
    public static func checkWritable(_ path: String) throws {
        let folder = folder(of: path) ?? "."
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SplatFailure(.io, "\(path): the folder '\(folder)' does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw SplatFailure(.io, "\(path): the folder '\(folder)' is not writable")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw SplatFailure(.io, "\(path): is a directory")
        }
    }

    /// Creates the folders of `paths` (with their parents) where missing.
    public static func createFolders(of paths: [String]) throws {
        for folder in Set(paths.compactMap(folder(of:))).sorted() {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw SplatFailure(.io, "\(folder): cannot create the output folder (\(error.localizedDescription))")
            }
        }
    }

    /// The folder part of a path; nil for a bare file name.
    static func folder(of path: String) -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? nil : folder
    }
}
