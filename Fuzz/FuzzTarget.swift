import Foundation

// libFuzzer entry point for Splat4D's file readers. SplatCore's sources are compiled into this
// module (scripts/fuzz.sh), so the decoders are called directly. SPLAT4D_FUZZ_FORMAT picks the
// reader; every input must decode or throw — a trap, overflow or ASan report is a finding.

enum FuzzFormat: String {
    case ply, splat, splatv, npz, cameras, transforms, path

    static let current: FuzzFormat = {
        let name = ProcessInfo.processInfo.environment["SPLAT4D_FUZZ_FORMAT"] ?? ""
        guard let format = FuzzFormat(rawValue: name) else {
            FileHandle.standardError.write(Data("set SPLAT4D_FUZZ_FORMAT to ply, splat, splatv, npz, cameras, transforms or path\n".utf8))
            exit(2)
        }
        return format
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    switch FuzzFormat.current {
    case .ply:  // every PLY layout: 3DGS, Spacetime Gaussians, 4D
        if let scene = try? SceneLoader.load(data: data, path: "fuzz.ply").scene, let range = scene.metadata.timeRange {
            _ = scene.slice(at: range.lowerBound)
        }
    case .splat: _ = try? AntimatterSplat.decode(data: data, path: "fuzz.splat")
    case .splatv:
        if let scene = try? SplatV.decode(data: data, path: "fuzz.splatv") { _ = scene.slice(at: 0.5) }
    case .npz:
        if let scene = try? DynamicGaussiansNPZ.scene(data: data, path: "fuzz.npz", frameRate: nil) { _ = scene.slice(at: 0.5) }
    case .cameras: _ = try? CameraFile.parse(data, path: "cameras.json")
    case .transforms: _ = try? DatasetCameras.parse(data, path: "transforms.json")
    case .path:
        if let path = try? CameraKeyframes.parse(data, path: "path.json", width: 64, height: 48) {
            _ = path.camera(at: path.timeRange.lowerBound + 0.3)
        }
    }
    return 0
}
