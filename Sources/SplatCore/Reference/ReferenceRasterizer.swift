/// The CPU reference rasterizer: the oracle every other renderer is tested against. It renders
/// through `ReferenceStages`, the GPU's passes one function each (DESIGN.md §3, §5).
public struct ReferenceRasterizer {
    /// Skip tiles where a splat cannot reach α ≥ 1/255 (TileCulling), as the GPU does. Pixels are
    /// the same either way (a test checks it); the oracle's default is the plain 3σ rectangle.
    public var cullTiles: Bool

    public init(cullTiles: Bool = false) { self.cullTiles = cullTiles }

    public func render(_ cloud: SplatCloud, camera: Camera, settings: RenderSettings) throws -> RenderedFrame {
        ReferenceStages.run(cloud, camera: camera, settings: settings, cullTiles: cullTiles).frame
    }
}
