/// The one list of formats. Adding a format: one file in Scenes/ (or Cameras/) with a type that
/// conforms to `SceneFormat` (or `FuzzedReader`), one line here, and its tests; the loader, `info`,
/// the fuzz harness and the registry tests take it from here.
public enum SceneFormats {
    /// Every scene format, in detection order: folders and patterns first, then magic numbers, the
    /// PLY layouts from the most specific header to the 3DGS fallback, .ksplat (no magic: zero padding
    /// in its 4096-byte header), and the headerless .splat last.
    public static let all: [any SceneFormat] = [
        FourDGaussiansFolder(),
        SOG(),
        PLYSequence(),
        SplatV(),
        Gaussian4DCheckpoint(),
        DynamicGaussiansNPZ(),
        SPZ(),
        GLTFSplats(),
        CompressedPLY(),
        SpacetimePLY(),
        Gaussian4DPLY(),
        GaussianPLY(),
        KSplat(),
        AntimatterSplat(),
    ]

    public static func format(_ id: SceneFormatID) -> (any SceneFormat)? {
        all.first { $0.id == id }
    }
}

/// Every reader of outside files, for the fuzz harness: the scene formats and the camera files.
public enum FuzzedReaders {
    public static let all: [any FuzzedReader] = SceneFormats.all + [
        CameraFile(),
        DatasetCameras(),
        CameraPathFile(),
        TorchCheckpointFile(),
    ]

    public static func reader(named name: String) -> (any FuzzedReader)? {
        all.first { $0.name == name }
    }
}
