import Foundation
import SplatCore
import SplatPNG

/// A folder of ground-truth PNGs, found by camera name (NAME, NAME.png, or NAME with its
/// extension replaced by .png) and read once each.
public final class GroundTruthImages {
    public let folder: String
    private var cache: [String: Image] = [:]

    /// Throws when `folder` is not a folder.
    public init(folder: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SplatFailure(.badInput, "\(folder): no such folder of ground-truth images")
        }
        self.folder = folder
    }

    /// The image for camera `name`, or nil when the folder has none.
    public func image(named name: String) throws -> Image? {
        if let cached = cache[name] { return cached }
        for candidate in [name, name + ".png", (name as NSString).deletingPathExtension + ".png"] {
            let path = (folder as NSString).appendingPathComponent(candidate)
            if candidate.lowercased().hasSuffix(".png"), FileManager.default.fileExists(atPath: path) {
                let image = try PNGFile.read(path: path)
                cache[name] = image
                return image
            }
        }
        return nil
    }

    /// The image for camera `name`; a missing one is an error.
    public func requireImage(named name: String) throws -> Image {
        guard let image = try image(named: name) else {
            throw SplatFailure(.badInput, "\(folder): no ground-truth image for camera '\(name)' (looked for \(name).png)")
        }
        return image
    }

    /// The size of camera `name`'s image, for cameras files that leave it out.
    public func size(ofImageNamed name: String) -> (width: Int, height: Int)? {
        (try? image(named: name)).flatMap { $0.map { ($0.width, $0.height) } }
    }
}
