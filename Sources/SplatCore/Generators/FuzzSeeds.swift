import Foundation

/// Small valid files of every input format: the starting corpus of the fuzzers (scripts/fuzz.sh)
/// and of the mutation tests. Small so that mutations reach every field.
public enum FuzzSeeds {
    /// (format, file name, bytes) for every format the fuzzers cover.
    public static func all() throws -> [(format: String, name: String, data: Data)] {
        var seeds: [(String, String, Data)] = []
        let tiny = SceneGenerator.benchmarkBall(count: 3, seed: 2, shDegree: 1)
        for encoding in [PLYEncoding.ascii, .binaryLittleEndian, .binaryBigEndian] {
            seeds.append(("ply", "3dgs-\(encoding.rawValue).ply", PLYWriter.gaussianPLY(tiny, encoding: encoding)))
        }
        let dancer = PerformanceGenerator.dancer(seed: 3, keyTimes: 1, gaussiansPerLimb: 1)
        let few = TemporalCloud(positions: Array(dancer.positions.suffix(3)), scales: Array(dancer.scales.suffix(3)),
                                rotations: Array(dancer.rotations.suffix(3)), opacities: Array(dancer.opacities.suffix(3)),
                                shDegree: 0, sh: Array(dancer.sh.suffix(9)),
                                motion: dancer.motion.map { m in
                                    .init(timeCenters: Array(m.timeCenters.suffix(3)), velocities: Array(m.velocities.suffix(3)),
                                          accelerations: Array(m.accelerations.suffix(3)), jerks: Array(m.jerks.suffix(3)),
                                          angularVelocities: Array(m.angularVelocities.suffix(3)), timeScales: Array(m.timeScales.suffix(3)))
                                },
                                metadata: dancer.metadata)
        seeds.append(("ply", "stg.ply", SpacetimePLY.write(few)))
        let raw4D = PerformanceGenerator.dancer4D(seed: 3, keyTimes: 1, gaussiansPerLimb: 1)
        let k = 3 * 4
        seeds.append(("ply", "4d.ply", Gaussian4DPLY.write(Array(raw4D.gaussians.suffix(2)), opacities: Array(raw4D.opacities.suffix(2)),
                                                           shDegree: 1, sh: Array(raw4D.sh.suffix(2 * k)), timeRange: 0...2, frameRate: 30)))
        let camera = Camera.lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0], fovY: 50, width: 32, height: 24)!
        seeds.append(("splatv", "tiny.splatv", try SplatV.encode(few, cameras: [camera])))
        seeds.append(("splat", "tiny.splat", AntimatterSplat.encode(tiny)))
        let frames = PerformanceGenerator.dancerFrames(seed: 3, frameCount: 2, gaussiansPerLimb: 1).map { frame in
            SplatCloud(positions: Array(frame.positions.suffix(2)), scales: Array(frame.scales.suffix(2)),
                       rotations: Array(frame.rotations.suffix(2)), opacities: Array(frame.opacities.suffix(2)),
                       shDegree: 0, sh: Array(frame.sh.suffix(6)))
        }
        seeds.append(("npz", "tiny.npz", DynamicGaussiansNPZ.write(frames)))
        seeds.append(("cameras", "cameras.json", Data("""
            [{"id": 0, "img_name": "a", "width": 64, "height": 48, "position": [0, 0, -3],
              "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "fx": 50, "fy": 50}]
            """.utf8)))
        seeds.append(("transforms", "transforms.json", Data("""
            {"camera_angle_x": 0.69, "frames": [{"file_path": "./test/r_000", "time": 0.5,
             "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]}]}
            """.utf8)))
        seeds.append(("path", "path.json", Data("""
            {"up": [0, -1, 0], "keyframes": [{"time": 0, "position": [0, 0, -4], "look_at": [0, 0, 0], "fov_y": 50},
             {"time": 1, "position": [3, 0, -3], "look_at": [0, 0, 0]}]}
            """.utf8)))
        return seeds
    }
}
