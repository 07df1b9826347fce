import SplatCore

/// A DeformationField packed for deform_hexplane.comp: a header of integers (stored as exact float
/// values; the layout is contract.glsl's DEFORM_*), then the planes and each layer's weights and bias.
enum DeformationNetwork {
    /// The packed network, or nil when it exceeds the shader's fixed limits (the renderer then
    /// deforms on the CPU).
    static func pack(_ field: DeformationField) -> [Float]? {
        let levels = field.levels.count, channels = field.levels.first?[0].channels ?? 0
        let inputs = field.feature[0].inputs, width = field.width
        guard levels <= ShaderContract.DEFORM_MAX_LEVELS, field.feature.count <= ShaderContract.DEFORM_MAX_LAYERS,
              field.levels.allSatisfy({ $0.allSatisfy { $0.channels == channels } }),
              inputs <= ShaderContract.DEFORM_MAX_INPUTS, levels * channels * (field.options.gridPE > 1 ? 3 : 1) == inputs,
              width <= ShaderContract.DEFORM_MAX_WIDTH, field.parameterCount < 1 << 24, loopIterations(field) < 60_000, field.sh.output.outputs <= ShaderContract.DEFORM_MAX_WIDTH else { return nil }
        var data = [Float](repeating: 0, count: ShaderContract.DEFORM_HEADER)
        // Integers as exact float values (bit patterns would be denormals, which devices may flush).
        func put(_ index: Int, _ value: Int) { data[index] = Float(value) }
        let o = field.options
        var flags = 0
        if o.deformPosition { flags |= ShaderContract.DEFORM_FLAG_POSITION }
        if o.deformScale { flags |= ShaderContract.DEFORM_FLAG_SCALE }
        if o.deformRotation { flags |= ShaderContract.DEFORM_FLAG_ROTATION }
        if o.deformOpacity { flags |= ShaderContract.DEFORM_FLAG_OPACITY }
        if o.deformSH { flags |= ShaderContract.DEFORM_FLAG_SH }
        if o.applyRotation { flags |= ShaderContract.DEFORM_FLAG_APPLY_ROTATION }
        if field.staticMask != nil { flags |= ShaderContract.DEFORM_FLAG_STATIC_MLP }
        for (i, v) in [levels, channels, field.feature.count, width, o.gridPE, flags, field.sh.output.outputs, inputs].enumerated() {
            put(i, v)
        }
        data[8] = field.aabb.0.x; data[9] = field.aabb.0.y; data[10] = field.aabb.0.z
        data[11] = field.aabb.1.x; data[12] = field.aabb.1.y; data[13] = field.aabb.1.z
        func append(_ layer: DeformationField.Linear) -> Int {
            let offset = data.count
            data += layer.weight
            data += layer.bias
            return offset
        }
        for (i, layer) in field.feature.enumerated() { put(ShaderContract.DEFORM_FEATURE_LAYERS_AT + i, append(layer)) }
        let heads = [field.position, field.scale, field.rotation, field.opacity, field.sh] + (field.staticMask.map { [$0] } ?? [])
        for (h, head) in heads.enumerated() {
            put(ShaderContract.DEFORM_HEADS_AT + h * 2, append(head.hidden))
            put(ShaderContract.DEFORM_HEADS_AT + h * 2 + 1, append(head.output))
        }
        for (l, level) in field.levels.enumerated() {
            for (k, plane) in level.enumerated() {
                let at = ShaderContract.DEFORM_PLANES_AT + (l * 6 + k) * 3
                put(at, plane.width); put(at + 1, plane.height); put(at + 2, data.count)
                data += plane.values
            }
        }
        return data
    }
}

extension DeformationNetwork {
    /// Loop iterations one invocation of deform_hexplane.comp runs: llvmpipe (lavapipe) stops a
    /// shader's loops after 65 535 in all, so larger networks deform on the CPU.
    static func loopIterations(_ field: DeformationField) -> Int {
        let channels = field.levels.first?[0].channels ?? 0, features = field.levels.count * channels
        func dense(_ layer: DeformationField.Linear) -> Int { layer.outputs * (1 + layer.inputs / 16 + layer.inputs % 16) }
        let heads = [field.position, field.scale, field.rotation, field.opacity, field.sh] + (field.staticMask.map { [$0] } ?? [])
        return field.levels.count * (channels + 6 * (1 + channels)) + 3 * features + field.feature.reduce(0) { $0 + dense($1) }
            + heads.reduce(0) { $0 + dense($1.hidden) + dense($1.output) + 1 } + 48
    }
}

/// deform_hexplane.comp's per-Gaussian input: the raw canonical parameters (48 bytes).
struct GPUCanonicalGaussian {
    var positionLogit: SIMD4<Float>
    var logScale: SIMD4<Float>
    var rotation: SIMD4<Float>
}

/// The buffers a deformation-field scene's pass reads; the scene's geometry and SH are its output.
struct GPUDeformation {
    let canonical: GPUBuffer
    let canonicalSH: GPUBuffer
    let network: GPUBuffer
    /// SH floats per Gaussian.
    let shFloats: Int
}
