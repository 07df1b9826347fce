import Foundation
import SplatCore
import SplatFormats

/// Camera keyframes made in the viewer (K adds the current view at the current time), kept as the
/// camera-path file `render --camera-path` reads. The file holds the keys exactly, so the preview
/// and a headless render of the saved file are the same cameras.
public struct CameraPathEditor {
    /// Where Ctrl+S (and quitting with changes) writes the path; nil: nowhere to save.
    public let file: String?
    public private(set) var keys: [CameraKeyframes.Key] = []
    /// True when the keys differ from what `file` holds.
    public private(set) var isDirty = false

    public init(file: String? = nil) { self.file = file }

    /// Opens `file` to edit when it exists; otherwise starts an empty path to be saved there.
    public static func open(_ file: String) throws -> CameraPathEditor {
        var editor = CameraPathEditor(file: file)
        if FileManager.default.fileExists(atPath: file) {
            editor.keys = try CameraKeyframes.load(path: file, width: 2, height: 2).keys
        }
        return editor
    }

    /// Adds the camera's pose and field of view at `time`, replacing a key at that same time.
    public mutating func add(_ camera: Camera, at time: Float) {
        let fovY = 2 * atan(Float(camera.height) / (2 * camera.fy)) * 180 / .pi
        let key = CameraKeyframes.Key(time: time, position: camera.position,
                                      orientation: camera.rotation.transposed.quaternion, fovY: fovY)
        keys.removeAll { $0.time == time }
        keys.append(key)
        keys.sort { $0.time < $1.time }
        isDirty = true
    }

    /// Removes the key nearest to `time` (the earlier one on a tie); false when there is none.
    @discardableResult
    public mutating func removeNearest(to time: Float) -> Bool {
        guard let i = keys.indices.min(by: { abs(keys[$0].time - time) < abs(keys[$1].time - time) }) else { return false }
        keys.remove(at: i)
        isDirty = true
        return true
    }

    /// The first key time after `time`, and the last one before it.
    public func keyTime(after time: Float) -> Float? { keys.first { $0.time > time }?.time }
    public func keyTime(before time: Float) -> Float? { keys.last { $0.time < time }?.time }

    /// The path for a `width`×`height` view; nil without keys. The file stores every key exactly
    /// (orientation as a quaternion, numbers in round-trip form), so this is the path
    /// `render --camera-path` reads from the saved file (a test checks it).
    public func path(width: Int, height: Int) -> CameraKeyframes? {
        keys.isEmpty ? nil : CameraKeyframes(keys: keys, width: width, height: height)
    }

    /// Writes the path to `file` atomically (a temporary name, then a rename).
    public mutating func save() throws {
        guard let file else { throw CameraPathSaveError(problem: "no camera-path file was given to save to") }
        guard !keys.isEmpty else { throw CameraPathSaveError(problem: "\(file): the path has no keyframes to save") }
        let data = CameraKeyframes(keys: keys, width: 2, height: 2).encodedJSON()
        let temporary = file + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            if FileManager.default.fileExists(atPath: file) {
                _ = try FileManager.default.replaceItemAt(URL(fileURLWithPath: file), withItemAt: URL(fileURLWithPath: temporary))
            } else {
                try FileManager.default.moveItem(atPath: temporary, toPath: file)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CameraPathSaveError(problem: "\(file): cannot write (\(error.localizedDescription))")
        }
        isDirty = false
    }
}

public struct CameraPathSaveError: SplatError, Equatable {
    public var problem: String
    public var kind: ErrorKind { .io }
    public var description: String { problem }
}
