import Foundation

/// hustvl/4DGaussians' deformation network (scene/deformation.py `Deformation`, scene/hexplane.py
/// `HexPlaneField`, commit 843d5ac): the weights and the options, and its CPU evaluation.
///
/// At time t a Gaussian's raw parameters become, as gaussian_renderer.render's "fine" stage does:
///   p  = (μ − aabb₀)·(2 / (aabb₁ − aabb₀)) − 1, then the 4D point (p, t) (t is not normalised)
///   f  = concat over levels of ∏ over the six planes (xy, xz, xt, yz, yt, zt) of grid_sample
///        (bilinear, align_corners = True, border padding) of plane (a, b) at (x = p_a, y = p_b)
///   f ← [f, sin(f·pe), cos(f·pe)] when grid_pe > 1
///   h  = feature MLP (Linear, then (ReLU, Linear) × (depth − 1))
///   m  = static_mlp(h) when static_mlp, else 1
///   μ' = μ·m + head_x(h), s' = s·m + head_s(h), o' = o·m + head_o(h), SH' = SH·m + head_sh(h),
///   q' = q + head_r(h), or normalize(q ⊗ head_r(h)) with apply_rotation
/// (a head the config switches off leaves its parameter unchanged, unmasked); each head is
/// ReLU, Linear, ReLU, Linear. Then the activations: exp(s'), normalize(q'), sigmoid(o').
public struct DeformationField: Sendable, Equatable {
    /// A fully connected layer: `weight` is [outputs][inputs] row-major (torch.nn.Linear).
    public struct Linear: Sendable, Equatable {
        public var inputs: Int
        public var outputs: Int
        public var weight: [Float]
        public var bias: [Float]
        public init(inputs: Int, outputs: Int, weight: [Float], bias: [Float]) {
            precondition(weight.count == inputs * outputs && bias.count == outputs, "layer arrays have the wrong length")
            self.inputs = inputs
            self.outputs = outputs
            self.weight = weight
            self.bias = bias
        }
    }

    /// A head: ReLU, Linear (W → W), ReLU, Linear (W → outputs).
    public struct Head: Sendable, Equatable {
        public var hidden: Linear
        public var output: Linear
        public init(hidden: Linear, output: Linear) {
            self.hidden = hidden
            self.output = output
        }
    }

    /// One plane of one level: `channels` × `height` × `width` values (torch [1, C, H, W]); it is
    /// sampled at x = coordinate `axes.0` (along the width) and y = coordinate `axes.1`.
    public struct Plane: Sendable, Equatable {
        public var axes: (Int, Int)
        public var channels: Int
        public var height: Int
        public var width: Int
        public var values: [Float]
        public init(axes: (Int, Int), channels: Int, height: Int, width: Int, values: [Float]) {
            precondition(values.count == channels * height * width && height > 0 && width > 0, "plane has the wrong size")
            self.axes = axes
            self.channels = channels
            self.height = height
            self.width = width
            self.values = values
        }
        public static func == (a: Plane, b: Plane) -> Bool {
            a.axes == b.axes && a.channels == b.channels && a.height == b.height && a.width == b.width && a.values == b.values
        }
    }

    /// The plane axes in itertools.combinations(range(4), 2) order (x, y, z, t = 0…3).
    public static let planeAxes: [(Int, Int)] = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]

    /// The options of cfg_args that change the evaluation.
    public struct Options: Sendable, Equatable {
        public var deformPosition = true, deformScale = true, deformRotation = true
        public var deformOpacity = true, deformSH = true
        public var applyRotation = false
        /// grid_pe: > 1 appends sin and cos of the features times it.
        public var gridPE = 0
        /// static_mlp: the state dict's static_mlp head masks the canonical parameters.
        public var staticMLP = false
        public init() {}
    }

    /// aabb[0] and aabb[1] as the trainer stores them (set_aabb(xyz_max, xyz_min)).
    public var aabb: (SIMD3<Float>, SIMD3<Float>)
    /// levels[l][k]: the plane k (planeAxes order) of resolution level l.
    public var levels: [[Plane]]
    public var feature: [Linear]
    public var position: Head, scale: Head, rotation: Head, opacity: Head, sh: Head
    /// static_mlp: a head whose output masks the canonical parameters; nil when off.
    public var staticMask: Head?
    public var options: Options

    public init(aabb: (SIMD3<Float>, SIMD3<Float>), levels: [[Plane]], feature: [Linear], position: Head, scale: Head,
                rotation: Head, opacity: Head, sh: Head, staticMask: Head?, options: Options) {
        self.aabb = aabb
        self.levels = levels
        self.feature = feature
        self.position = position
        self.scale = scale
        self.rotation = rotation
        self.opacity = opacity
        self.sh = sh
        self.staticMask = staticMask
        self.options = options
    }

    public static func == (a: DeformationField, b: DeformationField) -> Bool {
        a.aabb == b.aabb && a.levels == b.levels && a.feature == b.feature && a.position == b.position && a.scale == b.scale
            && a.rotation == b.rotation && a.opacity == b.opacity && a.sh == b.sh && a.staticMask == b.staticMask
            && a.options == b.options
    }

    /// Concatenated HexPlane feature length (before grid_pe).
    public var gridFeatures: Int { levels.reduce(0) { $0 + ($1.first?.channels ?? 0) } }
    /// The MLP width W.
    public var width: Int { feature.last?.outputs ?? 0 }
    /// defor_depth as the layer count (the trainer builds one layer for depth 0 and 1).
    public var depth: Int { feature.count }
    /// Floats in the planes and layers.
    public var parameterCount: Int {
        let layers = feature + [position, scale, rotation, opacity, sh].flatMap { [$0.hidden, $0.output] }
            + (staticMask.map { [$0.hidden, $0.output] } ?? [])
        return levels.joined().reduce(0) { $0 + $1.values.count } + layers.reduce(0) { $0 + $1.weight.count + $1.bias.count }
    }
    /// SH coefficients per channel the SH head writes (16: degree 3).
    public var shCoefficients: Int { sh.output.outputs / 3 }

    /// The raw parameters of one Gaussian (as the PLY stores them; SH coefficient-major, RGB inner).
    public struct Raw {
        public var position: SIMD3<Float>
        public var logScale: SIMD3<Float>
        public var rotation: SIMD4<Float>
        public var opacityLogit: Float
    }

    /// Scratch space for one evaluation at a time (one per worker).
    public final class Workspace {
        var features: [Float], a: [Float], b: [Float], head: [Float], out: [Float]
        public init(_ field: DeformationField) {
            let w = max(field.width, 1)
            features = [Float](repeating: 0, count: field.gridFeatures * 3 + 4)
            a = [Float](repeating: 0, count: max(w, field.feature.map(\.outputs).max() ?? 0))
            b = a
            head = [Float](repeating: 0, count: w)
            out = [Float](repeating: 0, count: max(48, field.sh.output.outputs))
        }
    }

    /// Deforms one Gaussian at `time`, writing its SH (count × 3 floats, in place) and returning
    /// its raw deformed parameters (before the activations).
    public func deform(_ g: Raw, sh shValues: UnsafeMutableBufferPointer<Float>, time: Float, workspace ws: Workspace) -> Raw {
        hexPlaneFeatures(g.position, time: time, into: &ws.features)
        var inputCount = gridFeatures
        if options.gridPE > 1 {
            let pe = Float(options.gridPE)
            for i in 0..<inputCount {
                let f = ws.features[i]
                ws.features[inputCount + i] = sin(f * pe)
                ws.features[2 * inputCount + i] = cos(f * pe)
            }
            inputCount *= 3
        }
        // Feature MLP: Linear, then (ReLU, Linear) for the rest; no activation after the last.
        ws.features.withUnsafeBufferPointer { x in ws.a.withUnsafeMutableBufferPointer { apply(feature[0], x, $0) } }
        var current = 0
        for layer in feature.dropFirst() {
            if current == 0 {
                relu(&ws.a, layer.inputs)
                ws.a.withUnsafeBufferPointer { x in ws.b.withUnsafeMutableBufferPointer { apply(layer, x, $0) } }
            } else {
                relu(&ws.b, layer.inputs)
                ws.b.withUnsafeBufferPointer { x in ws.a.withUnsafeMutableBufferPointer { apply(layer, x, $0) } }
            }
            current ^= 1
        }
        if current == 1 { swap(&ws.a, &ws.b) }
        // ws.a holds h; every head starts with ReLU(h).
        relu(&ws.a, width)
        var result = g
        let mask: Float = staticMask.map { run($0, ws)[0] } ?? 1
        if options.deformPosition {
            let d = run(position, ws)
            result.position = g.position * mask + SIMD3(d[0], d[1], d[2])
        }
        if options.deformScale {
            let d = run(scale, ws)
            result.logScale = g.logScale * mask + SIMD3(d[0], d[1], d[2])
        }
        if options.deformRotation {
            let d = run(rotation, ws)
            let dr = SIMD4(d[0], d[1], d[2], d[3])
            result.rotation = options.applyRotation ? Self.multiplyNormalized(g.rotation, dr) : g.rotation + dr
        }
        if options.deformOpacity {
            result.opacityLogit = g.opacityLogit * mask + run(opacity, ws)[0]
        }
        if options.deformSH {
            let d = run(sh, ws)
            for k in 0..<min(shValues.count, d.count) { shValues[k] = shValues[k] * mask + d[k] }
        }
        return result
    }

    /// utils/graphics_utils.batch_quaternion_multiply: q1 ⊗ q2 (w, x, y, z), divided by its norm.
    static func multiplyNormalized(_ q1: SIMD4<Float>, _ q2: SIMD4<Float>) -> SIMD4<Float> {
        let w = q1[0] * q2[0] - q1[1] * q2[1] - q1[2] * q2[2] - q1[3] * q2[3]
        let x = q1[0] * q2[1] + q1[1] * q2[0] + q1[2] * q2[3] - q1[3] * q2[2]
        let y = q1[0] * q2[2] - q1[1] * q2[3] + q1[2] * q2[0] + q1[3] * q2[1]
        let z = q1[0] * q2[3] + q1[1] * q2[2] - q1[2] * q2[1] + q1[3] * q2[0]
        let q = SIMD4(w, x, y, z)
        return q / (q * q).sum().squareRoot()
    }

    /// A head on ReLU(h) (already in ws.a): its outputs in ws.out.
    private func run(_ head: Head, _ ws: Workspace) -> ArraySlice<Float> {
        ws.a.withUnsafeBufferPointer { x in ws.head.withUnsafeMutableBufferPointer { apply(head.hidden, x, $0) } }
        relu(&ws.head, head.hidden.outputs)
        ws.head.withUnsafeBufferPointer { x in ws.out.withUnsafeMutableBufferPointer { apply(head.output, x, $0) } }
        return ws.out[0..<head.output.outputs]
    }

    private func relu(_ v: inout [Float], _ n: Int) {
        for i in 0..<n where v[i] < 0 { v[i] = 0 }
    }

    private func apply(_ layer: Linear, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        layer.weight.withUnsafeBufferPointer { w in
            for o in 0..<layer.outputs {
                var sum: Float = 0
                let row = o * layer.inputs
                for i in 0..<layer.inputs { sum += w[row + i] * x[i] }
                y[o] = sum + layer.bias[o]
            }
        }
    }

    /// HexPlaneField.get_density: the concatenated multi-level features at (μ, t).
    func hexPlaneFeatures(_ position: SIMD3<Float>, time: Float, into out: inout [Float]) {
        // normalize_aabb, in the trainer's order of operations.
        let p = (position - aabb.0) * (2 / (aabb.1 - aabb.0)) - 1
        let point: [Float] = [p.x, p.y, p.z, time]
        var offset = 0
        for level in levels {
            let channels = level[0].channels
            for c in 0..<channels { out[offset + c] = 1 }
            for plane in level {
                sample(plane, x: point[plane.axes.0], y: point[plane.axes.1], into: &out, at: offset)
            }
            offset += channels
        }
    }

    /// grid_sample (bilinear, align_corners = True, padding_mode = "border") of one plane,
    /// multiplied into out[offset..<offset + channels].
    private func sample(_ plane: Plane, x: Float, y: Float, into out: inout [Float], at offset: Int) {
        // Unnormalise ((c + 1) / 2 · (size − 1)) and clip to the border, as ATen's grid sampler.
        let ix = min(max((x + 1) / 2 * Float(plane.width - 1), 0), Float(plane.width - 1))
        let iy = min(max((y + 1) / 2 * Float(plane.height - 1), 0), Float(plane.height - 1))
        let x0 = Int(ix.rounded(.down)), y0 = Int(iy.rounded(.down))
        let x1 = min(x0 + 1, plane.width - 1), y1 = min(y0 + 1, plane.height - 1)
        let fx = ix - Float(x0), fy = iy - Float(y0)
        let nw = (1 - fx) * (1 - fy), ne = fx * (1 - fy), sw = (1 - fx) * fy, se = fx * fy
        let hw = plane.height * plane.width
        plane.values.withUnsafeBufferPointer { v in
            for c in 0..<plane.channels {
                let base = c * hw
                let value = v[base + y0 * plane.width + x0] * nw + v[base + y0 * plane.width + x1] * ne
                    + v[base + y1 * plane.width + x0] * sw + v[base + y1 * plane.width + x1] * se
                out[offset + c] *= value
            }
        }
    }
}

/// A cloud moved by a deformation field (4DGaussians): the field and the raw canonical values the
/// activations lose (log-scales, opacity logits). `TemporalCloud.gaussians` holds the canonical
/// positions, raw rotations and SH.
public struct FieldMotion: Sendable, Equatable {
    public var field: DeformationField
    public var logScales: [SIMD3<Float>]
    public var opacityLogits: [Float]

    public init(field: DeformationField, logScales: [SIMD3<Float>], opacityLogits: [Float]) {
        precondition(logScales.count == opacityLogits.count, "field motion arrays differ in length")
        self.field = field
        self.logScales = logScales
        self.opacityLogits = opacityLogits
    }

    /// Every Gaussian at `time`, deformed and activated (exp, normalize, sigmoid), in index order.
    /// CPU reference of the deformation (gaussian_renderer.render deforms every Gaussian: its
    /// deformation-table indexing is commented out).
    public func cloud(_ canonical: SplatCloud, at time: Float) -> SplatCloud {
        let n = canonical.count
        let k = canonical.coefficientsPerGaussian * 3
        var positions = [SIMD3<Float>](repeating: .zero, count: n), scales = positions
        var rotations = [SIMD4<Float>](repeating: .zero, count: n), opacities = [Float](repeating: 0, count: n)
        var sh = canonical.sh
        positions.withUnsafeMutableBufferPointer { pp in scales.withUnsafeMutableBufferPointer { sp in
            rotations.withUnsafeMutableBufferPointer { rp in opacities.withUnsafeMutableBufferPointer { op in
                sh.withUnsafeMutableBufferPointer { hp in
                    let p = UnsafeSendableBuffer(pp), s = UnsafeSendableBuffer(sp), r = UnsafeSendableBuffer(rp)
                    let o = UnsafeSendableBuffer(op), h = UnsafeSendableBuffer(hp)
                    Parallel.forEachChunk(count: n, chunk: 1024) { range in
                        let ws = DeformationField.Workspace(field)
                        for i in range {
                            let raw = DeformationField.Raw(position: canonical.positions[i], logScale: logScales[i],
                                                           rotation: canonical.rotations[i], opacityLogit: opacityLogits[i])
                            let coefficients = UnsafeMutableBufferPointer(rebasing: h.base[(i * k)..<((i + 1) * k)])
                            let d = field.deform(raw, sh: coefficients, time: time, workspace: ws)
                            p.base[i] = d.position
                            s.base[i] = exp(d.logScale)
                            r.base[i] = normalizedQuaternion(d.rotation)
                            o.base[i] = sigmoid(d.opacityLogit)
                        }
                    }
                }
            } }
        } }
        return SplatCloud(positions: positions, scales: scales, rotations: rotations, opacities: opacities,
                          shDegree: canonical.shDegree, sh: sh)
    }
}
