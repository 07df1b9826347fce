import Foundation
import XCTest
@testable import SplatCore
@testable import SplatFormats
import SplatTestSupport

/// The PyTorch checkpoint reader against files PyTorch wrote (Tests/Fixtures/torch, made by
/// tools/torch_fixtures.py with torch.save), and against hostile pickles built here.
final class TorchCheckpointTests: XCTestCase {
    let folder = TestPaths.fixtures.appendingPathComponent("torch")

    func open(_ name: String) throws -> TorchCheckpoint {
        let path = folder.appendingPathComponent(name).path
        return try TorchCheckpoint(data: Data(contentsOf: URL(fileURLWithPath: path)), path: path)
    }

    /// Compares a value with its record in values.json, tensors element by element and exactly.
    func assertMatches(_ value: PickleValue, _ record: Any, in checkpoint: TorchCheckpoint, at where_: String) throws {
        let record = try XCTUnwrap(record as? [String: Any], where_)
        let (kind, payload) = try XCTUnwrap(record.first { ["tensor", "numpy", "tuple", "list", "dict", "ordered", "none",
                                                             "bool", "int", "float", "str"].contains($0.key) }, where_)
        func number() throws -> NSNumber { try XCTUnwrap(payload as? NSNumber, where_) }
        switch kind {
        case "tensor":
            let tensor = try XCTUnwrap(value.tensor, "\(where_) is \(value.typeName)")
            XCTAssertEqual(tensor.dtype.rawValue, payload as? String, where_)
            XCTAssertEqual(tensor.shape, record["shape"] as? [Int], where_)
            XCTAssertEqual(tensor.isContiguous, record["contiguous"] as? Bool, where_)
            XCTAssertEqual(tensor.requiresGrad, record["requires_grad"] as? Bool, where_)
            let expected = try XCTUnwrap(record["values"] as? [NSNumber], where_)
            if tensor.dtype.isFloatingPoint {
                let exact = try XCTUnwrap(record["hex"] as? [String], where_).map { Double($0)! }
                XCTAssertEqual(try checkpoint.floats(tensor, name: where_).map(\.bitPattern), exact.map { Float($0).bitPattern }, where_)
            } else {
                XCTAssertEqual(try checkpoint.integers(tensor, name: where_), expected.map(\.int64Value), where_)
            }
        case "numpy", "float": XCTAssertEqual(value, .float(try XCTUnwrap(Double(XCTUnwrap(record["hex"] as? String)))), where_)
        case "int": XCTAssertEqual(value, .int(try number().intValue), where_)
        case "bool": XCTAssertEqual(value, .bool(try number().boolValue), where_)
        case "str": XCTAssertEqual(value, .string(try XCTUnwrap(payload as? String)), where_)
        case "none": XCTAssertEqual(value, .none, where_)
        case "tuple", "list":
            let items = try XCTUnwrap(payload as? [Any], where_)
            if kind == "tuple" { guard case .tuple = value else { return XCTFail("\(where_) is \(value.typeName)") } }
            else { guard case .list = value else { return XCTFail("\(where_) is \(value.typeName)") } }
            XCTAssertEqual(value.items?.count, items.count, where_)
            for (i, (v, r)) in zip(value.items ?? [], items).enumerated() { try assertMatches(v, r, in: checkpoint, at: "\(where_)[\(i)]") }
        default:  // dict, ordered
            let pairs = try XCTUnwrap(payload as? [[Any]], where_)
            guard case .dict(let entries, let ordered) = value else { return XCTFail("\(where_) is \(value.typeName)") }
            XCTAssertEqual(ordered, kind == "ordered", where_)
            XCTAssertEqual(entries.count, pairs.count, where_)
            for (i, (entry, pair)) in zip(entries, pairs).enumerated() {
                try assertMatches(entry.key, pair[0], in: checkpoint, at: "\(where_) key \(i)")
                try assertMatches(entry.value, pair[1], in: checkpoint, at: "\(where_).\(entry.key)")
            }
        }
    }

    func testEveryValueAndDtypeIsWhatPyTorchSaved() throws {
        let checkpoint = try open("values.pth")
        XCTAssertEqual(checkpoint.archiveName, "values")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("values.json")))
        try assertMatches(checkpoint.root, json, in: checkpoint, at: "state")
        // Every supported dtype is in the file.
        var dtypes = Set<TorchDType>()
        guard case .dict(let entries, true) = checkpoint.root else { return XCTFail("not an OrderedDict") }
        for entry in entries { if let t = entry.value.tensor { dtypes.insert(t.dtype) } }
        XCTAssertEqual(dtypes, Set(TorchDType.allCases))
    }

    func testStridesAndOffsetsOfViewsAreHonoured() throws {
        let checkpoint = try open("values.pth")
        let transposed = try XCTUnwrap(checkpoint.root["transposed"]?.tensor)
        XCTAssertEqual(transposed.shape, [5, 4])
        XCTAssertEqual(transposed.strides, [1, 5])
        let sliced = try XCTUnwrap(checkpoint.root["sliced"]?.tensor)
        XCTAssertEqual(sliced.storageOffset, 5)
        XCTAssertEqual(sliced.strides, [5, 2])
        XCTAssertEqual(sliced.storageKey, transposed.storageKey, "a slice and a transpose of one tensor share its storage")
        let expanded = try XCTUnwrap(checkpoint.root["expanded"]?.tensor)
        XCTAssertEqual(try checkpoint.floats(expanded, name: "expanded"), [3, 4, 3, 4, 3, 4])
        // shared = arange(12): view_a = shared[2:8].view(2, 3), view_b = shared.view(3, 4)[:, 1].
        XCTAssertEqual(try checkpoint.floats(XCTUnwrap(checkpoint.root["view_a"]?.tensor), name: "view_a"), [2, 3, 4, 5, 6, 7])
        XCTAssertEqual(try checkpoint.floats(XCTUnwrap(checkpoint.root["view_b"]?.tensor), name: "view_b"), [1, 5, 9])
        let scalar = try XCTUnwrap(checkpoint.root["scalar"]?.tensor)
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(try checkpoint.floats(scalar, name: "scalar"), [2.25])
    }

    // MARK: - Bad input

    /// A checkpoint archive around a hand-written pickle (and optional storages).
    func archive(pickle: [UInt8], storages: [String: [UInt8]] = [:]) -> Data {
        var members: [(name: String, bytes: [UInt8])] = [("x/data.pkl", pickle)]
        for (key, bytes) in storages { members.append(("x/data/\(key)", bytes)) }
        return ZipWriter.stored(members)
    }

    func problem(_ data: Data) -> String? {
        do {
            _ = try TorchCheckpointFile().fuzz(data)
            return nil
        } catch let error as SceneFileError {
            XCTAssertEqual(error.path, "fuzz.pth")
            XCTAssertFalse(error.problem.contains("\n"))
            return error.problem
        } catch {
            return "not a SceneFileError: \(error)"
        }
    }

    func global(_ name: String) -> [UInt8] { [0x63] + Array(name.replacingOccurrences(of: " ", with: "\n").utf8) + [0x0A] }

    func testForeignGlobalsAreRefusedWithTheirName() {
        for name in ["os system", "builtins eval", "torch load", "numpy.core.multiarray _reconstruct"] {
            let pickle: [UInt8] = [0x80, 0x02] + global(name) + [0x58, 2, 0, 0, 0] + Array("ls".utf8) + [0x85, 0x52, 0x2E]
            let problem = problem(archive(pickle: pickle))
            XCTAssertEqual(problem?.hasPrefix("data.pkl: pickle refers to '\(name.replacingOccurrences(of: " ", with: "."))', "
                                              + "which a checkpoint reader does not run"), true, problem ?? "no error")
        }
    }

    func testTruncatedStoragesAndFilesFailWithOneLine() throws {
        var storages: [String: [UInt8]] = [:]
        let tensor = TorchWriter.float32([1, 2, 3, 4, 5, 6], shape: [2, 3], key: "0", storages: &storages, parameter: false)
        storages["0"] = Array(storages["0"]![..<10])
        XCTAssertEqual(problem(TorchWriter.archive(name: "x", root: tensor, storages: storages)),
                       "storage '0' is truncated: 10 bytes for 6 float32 elements (24 bytes)")
        XCTAssertEqual(problem(TorchWriter.archive(name: "x", root: tensor, storages: [:])),
                       "storage '0' is missing (no member x/data/0)")
        // A real checkpoint cut short anywhere: one line, never a crash.
        let whole = try Data(contentsOf: folder.appendingPathComponent("values.pth"))
        for cut in stride(from: 0, to: whole.count, by: 97) {
            XCTAssertNotNil(problem(whole.prefix(cut)), "cut at \(cut)")
        }
    }

    func testLegacyFormatIsNamed() throws {
        let path = folder.appendingPathComponent("legacy.pth").path
        assertFileProblem("is a legacy (non-zip) PyTorch file, written before PyTorch 1.6 or with "
                          + "_use_new_zipfile_serialization=False; load it in PyTorch and torch.save it again") {
            _ = try SceneLoader.load(path: path)
        }
    }

    func testHostilePicklesFailWithOneLine() {
        let deep: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x5D, count: 100) + [UInt8](repeating: 0x61, count: 99) + [0x2E]
        XCTAssertEqual(problem(archive(pickle: deep)), "data.pkl: pickle nests deeper than 64 levels")
        // Each list holds the previous one twice: 2^40 values from 200 bytes.
        var laughs: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0, 0x30]
        for k in 0..<40 { laughs += [0x28, 0x68, UInt8(k), 0x68, UInt8(k), 0x6C, 0x71, UInt8(k + 1), 0x30] }
        laughs += [0x68, 40, 0x2E]
        XCTAssertEqual(problem(archive(pickle: laughs)), "data.pkl: pickle expands to more than 1048576 values (shared references)")
        XCTAssertEqual(problem(archive(pickle: [0x80, 0x02, 0x68, 5, 0x2E])), "data.pkl: pickle reads memo slot 5, which was never written")
        XCTAssertEqual(problem(archive(pickle: [0x80, 0x02, 0x69, 0x2E])),
                       "data.pkl: pickle has opcode 0x69 at byte 2, which torch.save does not write")
        XCTAssertEqual(problem(archive(pickle: [0x80, 0x02, 0x58, 100, 0, 0, 0, 0x41])), "data.pkl: pickle is truncated at byte 7")
        XCTAssertEqual(problem(archive(pickle: [0x80, 0x02, 0x61, 0x2E])), "data.pkl: pickle pops an empty stack at byte 3")
        // A self-containing list.
        XCTAssertEqual(problem(archive(pickle: [0x80, 0x02, 0x5D, 0x71, 0, 0x68, 0, 0x61, 0x2E])),
                       "data.pkl: pickle nests deeper than 64 levels")
    }

    func testHugeDeclaredSizesFailWithOneLine() throws {
        func tensor(shape: [Int], strides: [Int], offset: Int = 0, count: Int) -> Data {
            let t = TorchTensor(dtype: .float32, shape: shape, strides: strides, storageOffset: offset, storageKey: "0",
                                storageCount: count, requiresGrad: false)
            return TorchWriter.archive(name: "x", root: .tensor(t), storages: ["0": [UInt8](repeating: 0, count: 24)])
        }
        XCTAssertEqual(problem(tensor(shape: [1 << 62], strides: [1], count: 6)),
                       "data.pkl: a tensor on storage '0' reaches element 4611686018427387903 of a storage of 6 elements")
        XCTAssertEqual(problem(tensor(shape: [1 << 40, 1 << 40], strides: [0, 0], count: 6)),
                       "data.pkl: a tensor on storage '0' declares an impossible size")
        XCTAssertEqual(problem(tensor(shape: [2], strides: [1], offset: -1, count: 6)),
                       "data.pkl: a tensor on storage '0' has a negative size, stride or offset")
        XCTAssertEqual(problem(tensor(shape: [2], strides: [1], count: 1 << 62)), "data.pkl: storage '0' declares an impossible size")
        XCTAssertEqual(problem(tensor(shape: [2], strides: [1], count: 1 << 40)),
                       "storage '0' is truncated: 24 bytes for 1099511627776 float32 elements (4398046511104 bytes)")
        // A stride-0 view may declare any size: reading it is checked against the memory budget.
        let checkpoint = try TorchCheckpoint(data: tensor(shape: [1 << 40, 1 << 20], strides: [0, 0], count: 6), path: "big.pth")
        assertFileProblem("tensor 'big' of 1152921504606846976 elements does not fit the memory budget") {
            _ = try checkpoint.floats(XCTUnwrap(checkpoint.root.tensor), name: "big")
        }
    }

    func testTheWrittenSeedsReadBack() throws {
        let checkpoint = try TorchCheckpoint(data: TorchWriter.seedStateDict(), path: "seed.pth")
        XCTAssertEqual(try checkpoint.floats(XCTUnwrap(checkpoint.root["transposed"]?.tensor), name: "t"), [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(try checkpoint.floats(XCTUnwrap(checkpoint.root["half"]?.tensor), name: "h"), [1, -2])
        XCTAssertEqual(try checkpoint.floats(XCTUnwrap(checkpoint.root["bf16"]?.tensor), name: "b"), [1.5, -2])
        XCTAssertEqual(try checkpoint.integers(XCTUnwrap(checkpoint.root["long"]?.tensor), name: "l"), [-5])
        XCTAssertEqual(try checkpoint.integers(XCTUnwrap(checkpoint.root["mask"]?.tensor), name: "m"), [1, 0])
        XCTAssertEqual(checkpoint.root["nested"]?.items?.first, .int(1 << 40))
    }
}

/// Yang et al. 4DGS checkpoints decode exactly as the 4D PLY that tools/convert_4dgs_checkpoint.py
/// writes from them.
final class Gaussian4DCheckpointTests: XCTestCase {
    let folder = TestPaths.fixtures.appendingPathComponent("torch")

    func testCheckpointDecodesExactlyAsItsConvertedPLY() throws {
        let loaded = try SceneLoader.load(path: folder.appendingPathComponent("chkpnt7000.pth").path)
        XCTAssertEqual(loaded.format, .gaussian4DCheckpoint)
        XCTAssertEqual(loaded.formatDetail, "PyTorch checkpoint, iteration 7000; time-varying colour (sh_degree_t 2) needs the training config's time duration")
        let ply = try SceneLoader.load(path: folder.appendingPathComponent("chkpnt7000.4d.ply").path)
        XCTAssertEqual(ply.format, .gaussian4DPLY)
        XCTAssertEqual(loaded.scene.count, 24)
        XCTAssertEqual(loaded.scene.shDegree, 3)
        XCTAssertEqual(loaded.scene, ply.scene)
    }

    /// With the training config's time duration the checkpoint is coloured the trainer's way: the
    /// same Gaussians, motion and time-varying colour as the PLY the converter writes with it.
    func testWithItsTimeDurationTheTimeVaryingColourIsRendered() throws {
        let options = SceneLoader.Options(timeDuration: 0...10)
        let loaded = try SceneLoader.load(path: folder.appendingPathComponent("chkpnt7000.pth").path, options: options)
        XCTAssertEqual(loaded.formatDetail, "PyTorch checkpoint, iteration 7000; time-varying colour (sh_degree_t 2, time duration 0.0…10.0 given)")
        let ply = try SceneLoader.load(path: folder.appendingPathComponent("chkpnt7000.t.4d.ply").path)
        let colour = try XCTUnwrap(loaded.scene.motion?.colour)
        XCTAssertEqual(colour.degreeT, 2)
        XCTAssertEqual(loaded.scene.motion, ply.scene.motion)
        XCTAssertEqual(loaded.scene.gaussians, ply.scene.gaussians)
        let spatial = try SceneLoader.load(path: folder.appendingPathComponent("chkpnt7000.pth").path)
        let camera = Camera.lookAt(eye: [0, 0, -3], target: .zero, up: [0, -1, 0], fovY: 50, width: 32, height: 24)!
        let t: Float = 0.3
        XCTAssertEqual(try ReferenceRasterizer().render(loaded.scene.slice(at: t), camera: camera, settings: RenderSettings()).colour,
                       try ReferenceRasterizer().render(ply.scene.slice(at: t), camera: camera, settings: RenderSettings()).colour)
        XCTAssertNotEqual(try ReferenceRasterizer().render(loaded.scene.slice(at: t), camera: camera, settings: RenderSettings()).colour,
                          try ReferenceRasterizer().render(spatial.scene.slice(at: t), camera: camera, settings: RenderSettings()).colour,
                          "the time terms change the colour")
    }

    func testTheTimeVaryingColourTermsAreKept() throws {
        let path = folder.appendingPathComponent("chkpnt7000.pth").path
        let checkpoint = try TorchCheckpoint(data: Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        let model = try Gaussian4DCheckpointModel(checkpoint: checkpoint)
        XCTAssertEqual(model.iteration, 7000)
        XCTAssertEqual(model.shDegree, 3)
        XCTAssertEqual(model.shDegreeT, 2)
        XCTAssertEqual(model.restCoefficients, 16 * 3 - 1)
        XCTAssertEqual(model.featuresRest.count, 24 * 47 * 3)
        // _features_rest is saved as a transposed view: it is read through its strides.
        let capture = try XCTUnwrap(checkpoint.root.items?.first?.items)
        XCTAssertFalse(try XCTUnwrap(capture[3].tensor).isContiguous)
        XCTAssertEqual(capture[12].double.map { $0 > 0 }, true, "spatial_lr_scale, a numpy float64")
    }

    func testOtherTorchFilesAreNamedForWhatTheyAre() {
        assertFileProblem("is a PyTorch file but not a 4DGS checkpoint: expected (gaussians.capture(), iteration) with 19 fields, "
                          + "found an OrderedDict of 15") {
            _ = try SceneLoader.load(path: self.folder.appendingPathComponent("values.pth").path)
        }
    }
}
