import XCTest
@testable import SplatCore
@testable import SplatGPU
import SplatTestSupport

/// Clouds larger than one storage binding: preprocess walks GPUScene.chunks. Real devices allow
/// 128 MiB per binding (millions of Gaussians), so these tests open a second device whose reported
/// maxStorageBufferRange is lowered (the PhysicalDeviceInfo the renderer sizes everything from);
/// the driver and the validation layer still see the real, larger limit.
final class GPUChunkingTests: GPUTestCase {
    /// Chunks cover the cloud in order, without gaps or overlaps.
    func testChunksCoverTheCloud() throws {
        // The widest per-Gaussian stream of a degree-0 scene is the 64-byte motion window.
        try withLimitedDevice(maxRange: 64 * 256) { limited in
            let camera = Fixtures.camera()
            for count in [0, 1, 255, 256, 257, 1000] {
                let scene = try GPUScene(device: limited, cloud: Fixtures.randomCloud(count: count, degree: 0, seed: 1, camera: camera))
                XCTAssertEqual(scene.chunkSize, 256)
                XCTAssertEqual(scene.chunks.count, (count + 255) / 256)
                XCTAssertEqual(scene.chunks.flatMap { Array($0) }, Array(0..<count))
            }
        }
    }

    /// The preprocess pass over several chunks equals the single-dispatch pass and the CPU, for
    /// every SH degree (the SH window's stride differs per degree).
    func testPreprocessAcrossChunks() throws {
        try withLimitedDevice(maxRange: 192 * 256) { limited in
            let probeOnLimited = try GPUStageProbe(device: limited)
            let camera = Fixtures.camera(width: 97, height: 61)
            for degree in 0...3 {
                let cloud = Fixtures.randomCloud(count: 2100, degree: degree, seed: UInt64(200 + degree), camera: camera)
                let scene = try GPUScene(device: limited, cloud: cloud)
                XCTAssertGreaterThanOrEqual(scene.chunks.count, 3, "degree \(degree)")
                let chunked = try probeOnLimited.preprocess(scene: scene, camera: camera, settings: RenderSettings())
                let whole = try probe.preprocess(cloud: cloud, camera: camera, settings: RenderSettings())
                XCTAssertEqual(try GPUScene(device: device, cloud: cloud).chunks.count, 1)
                XCTAssertEqual(chunked.tileCounts, whole.tileCounts, "degree \(degree)")
                XCTAssertEqual(chunked.depthKeys, whole.depthKeys, "degree \(degree)")
                var differences = 0
                for i in 0..<cloud.count
                where chunked.splats[i].asProjectedSplat(tileCount: chunked.tileCounts[i])
                    != whole.splats[i].asProjectedSplat(tileCount: whole.tileCounts[i]) {
                    differences += 1
                }
                comparePreprocess(chunked, cloud, camera: camera, "chunked, degree \(degree)")
                XCTAssertEqual(differences, 0, "degree \(degree): Gaussians that differ from the unchunked pass")
            }
        }
    }

    /// A whole frame across chunks. Only SH degrees 2 and 3 can take several chunks in a frame:
    /// the renderer also binds all projected splats (64 B each) at once, so the cloud may hold at
    /// most maxRange / 64 Gaussians, while a chunk holds maxRange / (widest per-Gaussian stream).
    func testRenderAcrossChunks() throws {
        for (degree, count) in [(2, 400), (3, 700)] {
            let stride = SplatCloud.coefficientCount(degree: degree) * 12
            try withLimitedDevice(maxRange: UInt64(stride * 256)) { limited in
                // 40×40 keeps the colour buffer (16 B a pixel) within the lowered binding range too.
                let camera = Fixtures.camera(width: 40, height: 40)
                let cloud = Fixtures.randomCloud(count: count, degree: degree, seed: UInt64(300 + degree), camera: camera)
                let limitedRasterizer = try VulkanRasterizer(device: limited)
                let scene = try limitedRasterizer.upload(cloud)
                XCTAssertGreaterThanOrEqual(scene.chunks.count, 2, "degree \(degree)")
                let chunked = try limitedRasterizer.render(scene, camera: camera, settings: RenderSettings())
                let whole = try rasterizer.render(cloud, camera: camera, settings: RenderSettings())
                XCTAssertEqual(chunked.colour.pixels, whole.colour.pixels, "degree \(degree)")
                XCTAssertEqual(chunked.alpha.pixels, whole.alpha.pixels, "degree \(degree)")
                XCTAssertEqual(chunked.statistics, whole.statistics, "degree \(degree)")
                let cpu = try ReferenceRasterizer().render(cloud, camera: camera, settings: RenderSettings())
                XCTAssertGreaterThanOrEqual(ImageMetrics.psnr(chunked.colour, cpu.colour), 50)
                XCTAssertLessThanOrEqual(maxAbsDifference(chunked.colour, cpu.colour), 2 / 255)
            }
        }
    }

    /// A cloud whose projected splats cannot fit one binding is refused with a GPUError that
    /// says why (and not rendered wrongly), before any dispatch binds too much. Each of the four
    /// planes (SplatPlanes) needs 16 bytes per Gaussian: 3072 fit in 48 KiB, 3073 do not.
    func testCloudTooLargeForOneBindingIsRefused() throws {
        try withLimitedDevice(maxRange: 192 * 256) { limited in
            let camera = Fixtures.camera(width: 32, height: 32)
            let fits = 192 * 256 / SplatPlanes.planeStride
            let limitedRasterizer = try VulkanRasterizer(device: limited)
            let largest = Fixtures.randomCloud(count: fits, degree: 0, seed: 9, camera: camera)
            XCTAssertNoThrow(try limitedRasterizer.render(largest, camera: camera, settings: RenderSettings()))
            let cloud = Fixtures.randomCloud(count: fits + 1, degree: 0, seed: 9, camera: camera)
            XCTAssertThrowsError(try limitedRasterizer.render(cloud, camera: camera, settings: RenderSettings())) { error in
                XCTAssertTrue(error is GPUError, "\(error)")
                XCTAssertTrue("\(error)".contains("projected splats of \(fits + 1) Gaussians"), "\(error)")
                XCTAssertTrue("\(error)".contains("storage binding"), "\(error)")
            }
        }
    }
}

/// The texel limit (maxTexelBufferElements) where it is lower than the storage limit: the
/// geometry and SH that preprocess fetches as texels are chunked by it, and what the blend
/// fetches as texels (the projected splats, the tile instances) is checked against it.
final class GPUTexelLimitTests: GPUTestCase {
    /// 768 texels: 256 Gaussians' geometry (3 texels each). Chunks follow the texel limit, and
    /// the chunked frame is the unchunked one.
    func testTheTexelLimitChunksThePreprocess() throws {
        try withLimitedDevice(maxRange: 1 << 27, maxTexels: 3 * 256) { limited in
            let camera = Fixtures.camera(width: 16, height: 16)
            let cloud = Fixtures.randomCloud(count: 700, degree: 0, seed: 41, camera: camera)
            let limitedRasterizer = try VulkanRasterizer(device: limited)
            let scene = try limitedRasterizer.upload(cloud)
            XCTAssertEqual(scene.chunkSize, 256)
            XCTAssertEqual(scene.chunks.count, 3)
            let chunked = try limitedRasterizer.render(scene, camera: camera, settings: RenderSettings())
            let whole = try rasterizer.render(cloud, camera: camera, settings: RenderSettings())
            XCTAssertEqual(chunked.colour.pixels, whole.colour.pixels)
            XCTAssertEqual(chunked.statistics, whole.statistics)
        }
    }

    /// An image of more than 2^20 tiles (the blend's tile list indexing) is refused before anything
    /// is allocated, on a device whose bindings would be large enough.
    func testImagesOfMoreThanAMillionTilesAreRefused() throws {
        try withLimitedDevice(maxRange: 1 << 40, maxTexels: 1 << 40) { large in
            let camera = Fixtures.camera(width: 16_400, height: 16_400)  // 1025² tiles
            let limited = try VulkanRasterizer(device: large)
            XCTAssertThrowsError(try limited.render(SplatCloud.empty, camera: camera, settings: RenderSettings())) { error in
                XCTAssertEqual("\(error)", "a 16400×16400 image has 1050625 tiles, more than the blend's 1048576; render a smaller image")
            }
        }
    }

    /// More tile instances than one texel view may hold: refused with a GPUError that says why,
    /// not rendered from a view that stops short.
    func testMoreInstancesThanTexelsAreRefused() throws {
        try withLimitedDevice(maxRange: 1 << 27, maxTexels: 3 * 1024) { limited in
            let camera = Fixtures.camera(width: 64, height: 64)
            let cloud = Fixtures.randomCloud(count: 1000, degree: 0, seed: 42, camera: camera)
            let instances = try rasterizer.render(cloud, camera: camera, settings: RenderSettings()).statistics.tileInstances
            XCTAssertGreaterThan(instances, 3 * 1024, "the fixture must need more instances than the limit")
            let limitedRasterizer = try VulkanRasterizer(device: limited)
            XCTAssertThrowsError(try limitedRasterizer.render(cloud, camera: camera, settings: RenderSettings())) { error in
                XCTAssertTrue(error is GPUError, "\(error)")
                XCTAssertTrue("\(error)".contains("\(instances) tile instances: \(instances) texels in one texel buffer, more than this device's 3072"),
                              "\(error)")
            }
        }
    }
}

/// GPUScene.chunkSize is a pure function: no device needed.
final class GPUChunkSizeTests: XCTestCase {
    func testChunkSizeIsTheLargestAlignedMultipleThatFits() {
        let group = ShaderContract.PREPROCESS_WORKGROUP_SIZE
        // lavapipe: 128 MiB, 16-byte alignment; degree-0 SH (12 B) and geometry (48 B).
        XCTAssertEqual(GPUScene.chunkSize(maxRange: 1 << 27, alignment: 16, strides: [48, 12]), 2_796_160)
        // Degree 3: 48 floats of SH (192 B) is the widest stream.
        XCTAssertEqual(GPUScene.chunkSize(maxRange: 1 << 27, alignment: 256, strides: [48, 192]), 699_008)
        XCTAssertEqual(GPUScene.chunkSize(maxRange: 49_152, alignment: 16, strides: [48, 192]), 256)
        // A limit per stream: the texel-fetched geometry (48 B) and SH bind at most 12 KiB, the
        // motion (64 B, a storage buffer) 128 MiB: the geometry decides.
        XCTAssertEqual(GPUScene.chunkSize(streams: [(48, 12_288), (12, 12_288), (64, 1 << 27)], alignment: 16), 256)
        XCTAssertEqual(GPUScene.chunkSize(streams: [(48, 1 << 27), (12, 1 << 27), (64, 16_384)], alignment: 16), 256)
        // Above Int32.max the range is capped (offsets stay 32-bit in the shaders' view).
        XCTAssertEqual(GPUScene.chunkSize(maxRange: UInt64.max, alignment: 4, strides: [48, 12]),
                       Int(Int32.max) / 48 / group * group)
        for maxRange in stride(from: UInt64(group * 192), through: 1 << 22, by: 4099) {
            for alignment in [4, 16, 64, 256] {
                for strides in [[48, 12], [48, 48], [48, 108], [48, 192], [52, 36]] {
                    let size = GPUScene.chunkSize(maxRange: maxRange, alignment: alignment, strides: strides)
                    let widest = strides.max()!
                    XCTAssertEqual(size % group, 0)
                    XCTAssertLessThanOrEqual(UInt64(size * widest), maxRange, "\(maxRange) \(alignment) \(strides)")
                    XCTAssertFalse(strides.contains { ($0 * size) % alignment != 0 }, "\(maxRange) \(alignment) \(strides)")
                    // The largest: the next multiple of the workgroup no longer fits.
                    XCTAssertGreaterThan(UInt64((size + group) * widest), maxRange, "\(maxRange) \(alignment) \(strides)")
                }
            }
        }
    }
}
