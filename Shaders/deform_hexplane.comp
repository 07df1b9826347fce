#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
// hustvl/4DGaussians' deformation network at t, one invocation per Gaussian (DeformationField in
// SplatCore is the CPU twin and says what each step is): the HexPlane features (bilinear
// grid_sample, align_corners, border), the feature MLP, the heads, the mask, the activations.
// Writes the deformed, activated Gaussians where preprocess reads a static cloud.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;

struct CanonicalGaussian {
    vec4 positionLogit;  // xyz, opacity logit
    vec4 logScale;       // xyz, w unused
    vec4 rotation;       // raw quaternion (w, x, y, z) in (x, y, z, w)
};

layout(std430, binding = 0) readonly buffer Canonical { CanonicalGaussian canonical[]; };
layout(std430, binding = 1) readonly buffer CanonicalSH { float canonicalSH[]; };
// Header (integers as floats; contract.glsl DEFORM_*), then each layer's weights [out][in] and bias.
layout(std430, binding = 2) readonly buffer Network { float network[]; };
layout(std430, binding = 3) writeonly buffer Geometry { GaussianGeometry geometry[]; };
layout(std430, binding = 4) writeonly buffer SH { float sh[]; };
layout(push_constant) uniform Push { uint count; float time; uint shFloats; uint pad; };

// Per-invocation activations, sized by the contract's limits. 0: network input, 1 and 2: hidden
// ping-pong, 3: a head's output.
float inputsBuf[DEFORM_MAX_INPUTS];
float hiddenA[DEFORM_MAX_WIDTH];
float hiddenB[DEFORM_MAX_WIDTH];
float outBuf[DEFORM_MAX_WIDTH];

float getBuf(uint b, uint i) {
    if (b == 0u) return inputsBuf[i];
    if (b == 1u) return hiddenA[i];
    if (b == 2u) return hiddenB[i];
    return outBuf[i];
}

void setBuf(uint b, uint i, float v) {
    if (b == 0u) inputsBuf[i] = v;
    else if (b == 1u) hiddenA[i] = v;
    else if (b == 2u) hiddenB[i] = v;
    else outBuf[i] = v;
}

// Header integers are stored as exact float values (below 2^24), not bit patterns: those would be
// denormals, which a device may flush to zero.
uint word(uint i) { return uint(network[i]); }

// A Linear layer; `reluInput` applies ReLU to its input as it reads it. The dot products run 16
// terms per iteration: llvmpipe (lavapipe) ends a shader's loops after 65 535 iterations in all
// (its loop limiter), which one-term loops over a width-128 network exceed.
float input_(uint src, uint i, float floor_) { return max(getBuf(src, i), floor_); }

void dense(uint offset, uint inputs, uint outputs, uint src, uint dst, bool reluInput) {
    float floor_ = reluInput ? 0.0 : -1.0 / 0.0;
    uint blocks = inputs / 16u;
    for (uint o = 0; o < outputs; o++) {
        float sum = 0.0;
        uint row = offset + o * inputs;
        for (uint b = 0; b < blocks; b++) {
            uint i = b * 16u, w = row + i;
            sum += network[w] * input_(src, i, floor_) + network[w + 1u] * input_(src, i + 1u, floor_)
                 + network[w + 2u] * input_(src, i + 2u, floor_) + network[w + 3u] * input_(src, i + 3u, floor_)
                 + network[w + 4u] * input_(src, i + 4u, floor_) + network[w + 5u] * input_(src, i + 5u, floor_)
                 + network[w + 6u] * input_(src, i + 6u, floor_) + network[w + 7u] * input_(src, i + 7u, floor_)
                 + network[w + 8u] * input_(src, i + 8u, floor_) + network[w + 9u] * input_(src, i + 9u, floor_)
                 + network[w + 10u] * input_(src, i + 10u, floor_) + network[w + 11u] * input_(src, i + 11u, floor_)
                 + network[w + 12u] * input_(src, i + 12u, floor_) + network[w + 13u] * input_(src, i + 13u, floor_)
                 + network[w + 14u] * input_(src, i + 14u, floor_) + network[w + 15u] * input_(src, i + 15u, floor_);
        }
        for (uint i = blocks * 16u; i < inputs; i++) sum += network[row + i] * input_(src, i, floor_);
        setBuf(dst, o, sum + network[offset + outputs * inputs + o]);
    }
}

// A head on ReLU(h) (h in buffer h): ReLU, Linear, ReLU, Linear into outBuf.
void head(uint index, uint width, uint outputs, uint h) {
    uint other = 3u - h;
    dense(word(DEFORM_HEADS_AT + index * 2u), width, width, h, other, true);
    dense(word(DEFORM_HEADS_AT + index * 2u + 1u), width, outputs, other, 3u, true);
}

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (i >= count) return;
    uint levels = word(0), channels = word(1), layers = word(2), width = word(3), gridPE = word(4), flags = word(5);
    uint shOutputs = word(6), inputs = word(7);
    vec3 aabb0 = vec3(network[8], network[9], network[10]), aabb1 = vec3(network[11], network[12], network[13]);
    CanonicalGaussian g = canonical[i];

    // HexPlane features: product over the six planes, concatenated over levels.
    vec3 p = (g.positionLogit.xyz - aabb0) * (2.0 / (aabb1 - aabb0)) - 1.0;
    float point[4] = float[4](p.x, p.y, p.z, time);
    const uint axisA[6] = uint[6](0u, 0u, 0u, 1u, 1u, 2u);
    const uint axisB[6] = uint[6](1u, 2u, 3u, 2u, 3u, 3u);
    for (uint l = 0; l < levels; l++) {
        for (uint c = 0; c < channels; c++) inputsBuf[l * channels + c] = 1.0;
        for (uint k = 0; k < 6u; k++) {
            uint at = DEFORM_PLANES_AT + (l * 6u + k) * 3u;
            uint w = word(at), h = word(at + 1u), offset = word(at + 2u);
            float ix = clamp((point[axisA[k]] + 1.0) / 2.0 * float(w - 1u), 0.0, float(w - 1u));
            float iy = clamp((point[axisB[k]] + 1.0) / 2.0 * float(h - 1u), 0.0, float(h - 1u));
            uint x0 = uint(floor(ix)), y0 = uint(floor(iy));
            uint x1 = min(x0 + 1u, w - 1u), y1 = min(y0 + 1u, h - 1u);
            float fx = ix - float(x0), fy = iy - float(y0);
            float nw = (1.0 - fx) * (1.0 - fy), ne = fx * (1.0 - fy), sw = (1.0 - fx) * fy, se = fx * fy;
            for (uint c = 0; c < channels; c++) {
                uint base = offset + c * w * h;
                float v = network[base + y0 * w + x0] * nw + network[base + y0 * w + x1] * ne
                        + network[base + y1 * w + x0] * sw + network[base + y1 * w + x1] * se;
                inputsBuf[l * channels + c] *= v;
            }
        }
    }
    uint features = levels * channels;
    if (gridPE > 1u) {
        float pe = float(gridPE);
        for (uint f = 0; f < features; f++) {
            float v = inputsBuf[f];
            inputsBuf[features + f] = sin(v * pe);
            inputsBuf[2u * features + f] = cos(v * pe);
        }
    }

    // Feature MLP: Linear, then (ReLU, Linear) for the rest.
    dense(word(DEFORM_FEATURE_LAYERS_AT), inputs, width, 0u, 1u, false);
    uint h = 1u;
    for (uint l = 1; l < layers; l++) {
        dense(word(DEFORM_FEATURE_LAYERS_AT + l), width, width, h, 3u - h, true);
        h = 3u - h;
    }
    // Every head starts with ReLU(h): dense applies it as it reads buffer h.

    // The heads in one loop, the static mask first, as it scales the others.
    float mask = 1.0;
    vec3 position = g.positionLogit.xyz, logScale = g.logScale.xyz;
    vec4 q = g.rotation;
    float logit = g.positionLogit.w;
    const uint order[6] = uint[6](5u, 0u, 1u, 2u, 3u, 4u);
    const uint flagOf[6] = uint[6](DEFORM_FLAG_POSITION, DEFORM_FLAG_SCALE, DEFORM_FLAG_ROTATION, DEFORM_FLAG_OPACITY,
                                   DEFORM_FLAG_SH, DEFORM_FLAG_STATIC_MLP);
    const uint outputsOf[5] = uint[5](3u, 3u, 4u, 1u, 0u);
    for (uint n = 0; n < 6u; n++) {
        uint k = order[n];
        if ((flags & flagOf[k]) == 0u) continue;
        head(k, width, k == 5u ? 1u : (k == 4u ? shOutputs : outputsOf[k]), h);
        if (k == 5u) {
            mask = outBuf[0];
        } else if (k == 0u) {
            position = position * mask + vec3(outBuf[0], outBuf[1], outBuf[2]);
        } else if (k == 1u) {
            logScale = logScale * mask + vec3(outBuf[0], outBuf[1], outBuf[2]);
        } else if (k == 2u) {
            vec4 d = vec4(outBuf[0], outBuf[1], outBuf[2], outBuf[3]);
            if ((flags & DEFORM_FLAG_APPLY_ROTATION) != 0u) {
                // batch_quaternion_multiply(q, d), divided by its norm (w, x, y, z in x, y, z, w).
                vec4 m = vec4(q.x * d.x - q.y * d.y - q.z * d.z - q.w * d.w,
                              q.x * d.y + q.y * d.x + q.z * d.w - q.w * d.z,
                              q.x * d.z - q.y * d.w + q.z * d.x + q.w * d.y,
                              q.x * d.w + q.y * d.z - q.z * d.y + q.w * d.x);
                q = m / sqrt(dot(m, m));
            } else {
                q = q + d;
            }
        } else if (k == 3u) {
            logit = logit * mask + outBuf[0];
        }
    }
    bool deformSH = (flags & DEFORM_FLAG_SH) != 0u;  // the SH head ran last: its outputs are in outBuf
    for (uint k = 0; k < shFloats; k++) {
        float v = canonicalSH[i * shFloats + k];
        if (deformSH && k < shOutputs) v = v * mask + outBuf[k];
        sh[i * shFloats + k] = v;
    }
    float n = sqrt(dot(q, q));
    geometry[i].positionOpacity = vec4(position, 1.0 / (1.0 + exp(-logit)));
    geometry[i].scale = vec4(exp(logScale), 0.0);
    geometry[i].rotation = n > 0.0 ? q / n : vec4(1.0, 0.0, 0.0, 0.0);
}
