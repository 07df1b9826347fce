import Foundation
import SplatCore

/// The formats `convert` writes one static cloud in, and how a file name picks one.
public enum ExportFormat: String, CaseIterable, Sendable {
    case ply
    case splat
    case spz
    case compressedPLY = "compressed-ply"
    case glb
    case sog

    /// The format an output path names by its extension (`.compressed.ply` before `.ply`), or nil.
    public init?(path: String) {
        let name = path.lowercased()
        if name.hasSuffix(".compressed.ply") { self = .compressedPLY }
        else if name.hasSuffix(".ply") { self = .ply }
        else if name.hasSuffix(".splat") { self = .splat }
        else if name.hasSuffix(".spz") { self = .spz }
        else if name.hasSuffix(".glb") { self = .glb }
        else if name.hasSuffix(".sog") { self = .sog }
        else { return nil }
    }

    /// Whether the format rounds values (quantisation) on the way out.
    public var isLossy: Bool { self != .ply && self != .glb }

    /// The cloud's file bytes; `comment` goes where the format keeps one (the PLY header). Throws
    /// `SceneEncodingError` when the format cannot hold the cloud (SOG's largest image).
    public func encode(_ cloud: SplatCloud, comment: String? = nil, spzVersion: Int = 3) throws -> Data {
        switch self {
        case .ply: PLYWriter.gaussianPLY(cloud, comments: comment.map { [$0] } ?? [])
        case .splat: AntimatterSplat.encode(cloud)
        case .spz: SPZ.encode(cloud, version: spzVersion)
        case .compressedPLY: CompressedPLY.encode(cloud)
        case .glb: GLTFSplats.encode(cloud)
        case .sog: try SOGWriter.encode(cloud)
        }
    }
}
