#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_basic : require
#include "common.glsl"
// Preprocess: time slice (TemporalCloud.state), cull, project, EWA covariance, SH colour and tile
// rectangle of each Gaussian (DESIGN.md §3 steps 1–8, §4; CPU twins: TemporalCloud.state and
// SplatCore Preprocess.project). Runs over one chunk of the
// cloud per dispatch, so clouds larger than one storage binding can see still render.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
// The chunk's geometry (three texels per Gaussian, GaussianGeometry) and SH (float i is
// component i % 4 of texel i / 4), fetched as texels: on lavapipe a texel fetch is a gather, a
// storage-buffer load a loop over the lanes (Kernels.swift, DescriptorKind).
layout(binding = 0) uniform samplerBuffer Geometry;
layout(binding = 1) uniform samplerBuffer SH;
// The projected splats' planes (common.glsl), tile counts and depth keys: whole cloud.
layout(std430, binding = 2) writeonly buffer SplatMeans { vec4 splatMeans[]; };
layout(std430, binding = 3) writeonly buffer SplatConics { vec4 splatConics[]; };
layout(std430, binding = 4) writeonly buffer SplatColours { vec4 splatColours[]; };
layout(std430, binding = 5) writeonly buffer SplatRects { uvec4 splatRects[]; };
layout(std430, binding = 6) writeonly buffer TileCounts { uint tileCounts[]; };
layout(std430, binding = 7) writeonly buffer DepthKeys { uint depthKeys[]; };
layout(std430, binding = 8) readonly buffer Motion { GaussianMotion motion[]; };        // this chunk, if temporal
// Keyframed clouds: the next keyframe's geometry and SH (this chunk), blended with weight `time`.
layout(std430, binding = 9) readonly buffer NextGeometry { GaussianGeometry geometryB[]; };
layout(std430, binding = 10) readonly buffer NextSH { float shB[]; };
// With PREPROCESS_FLAG_INDIRECT: the Gaussians to process (the active ones, from the activity
// pass), so inactive ones cost nothing here. Single-chunk scenes only.
layout(std430, binding = 11) readonly buffer ActiveIndices { uint activeIndices[]; };
// The smallest and largest depth key of the visible Gaussians (the host starts them at ~0 and 0):
// the depth sort then sorts key − min over only the bits that range needs. And the frame's tile
// instances (started at 0), from which the host sizes the key buffers: a sum, where a scan of the
// tile counts would write an offset per Gaussian that nothing reads.
layout(std430, binding = 12) buffer ProjectionTotals { uint minDepthKey; uint maxDepthKey; uint tileInstances; };

// Specialisation (PreprocessVariant): the highest SH degree and the PREPROCESS_FLAG_* paths this
// pipeline serves; the push constants still say what each dispatch takes. Paths outside them
// compile away: llvmpipe runs both sides of a branch under a mask, so on lavapipe code that no
// Gaussian takes still costs every Gaussian unless it is not there at all.
layout(constant_id = 0) const uint SPECIALISED_SH_DEGREE = 3u;
layout(constant_id = 1) const uint SPECIALISED_FLAGS = 0xFFFFFFFFu;

layout(push_constant) uniform Push {
    vec4 view0;             // world→camera rows, translation in w
    vec4 view1;
    vec4 view2;
    vec4 cameraPosition;    // xyz
    vec4 intrinsics;        // fx, fy, cx, cy
    vec2 tanHalfFov;
    uvec2 imageSize;
    uvec2 tileGrid;
    uint count;             // Gaussians in this chunk
    uint firstGaussian;     // global index of the chunk's first Gaussian
    uint shDegree;
    uint flags;             // PREPROCESS_FLAG_*
    float time;             // scene time of the slice (keyframes: weight of the second keyframe)
    float falloffCutoff;    // temporal factors at or below this drop the Gaussian
} pc;

// Constants of the official 3DGS forward pass (graphdeco-inria/diff-gaussian-rasterization).
const float NEAR_PLANE = 0.2;
const float LOW_PASS = 0.3;
const float FRUSTUM_CLAMP = 1.3;
const float PI = 3.14159265358979323846;
const float SH_C0 = 0.28209479177387814;
const float SH_C1 = 0.4886025119029199;
const float SH_C2[5] = float[5](1.0925484305920792, -1.0925484305920792, 0.31539156525252005,
                                -1.0925484305920792, 0.5462742152960396);
const float SH_C3[7] = float[7](-0.5900435899266435, 2.890611442640554, -0.4570457994644658,
                                0.3731763325901154, -0.4570457994644658, 1.445305721320277,
                                -0.5900435899266435);

bool flag(uint f) { return (SPECIALISED_FLAGS & f) != 0u && (pc.flags & f) != 0u; }
uint shDegree() { return min(pc.shDegree, SPECIALISED_SH_DEGREE); }

bool keyframed() { return flag(PREPROCESS_FLAG_KEYFRAMES); }

// Native 4DGS time-varying colour (CPU twin: TemporalSH.fold): each Gaussian's SH holds the 16
// spatial coefficients, then 16 per time term; the terms at t fold into the spatial ones with the
// factors cos(2π·Δ/T), cos(2π·2Δ/T), set per Gaussian in main.
uint shTimeTerms() {
    return flag(PREPROCESS_FLAG_SH_T2) ? 2u : (flag(PREPROCESS_FLAG_SH_T1) ? 1u : 0u);
}
float shTimeFactor1 = 0.0;
float shTimeFactor2 = 0.0;

// Static degree-3 SH, what most captures hold: the 48 coefficients are read as 12 texels
// (shWords) rather than 48 single floats, a quarter of the fetches; the values and the sum are
// the same either way.
// (A function, not a spec-constant expression: glslang 12 emits invalid SPIR-V for the latter.)
bool preloadedSH() {
    return SPECIALISED_SH_DEGREE == 3u
        && (SPECIALISED_FLAGS & (PREPROCESS_FLAG_KEYFRAMES | PREPROCESS_FLAG_SH_T1 | PREPROCESS_FLAG_SH_T2)) == 0u;
}
vec4 shWords[12];

float shFloat(uint i) { return texelFetch(SH, int(i / 4u))[i % 4u]; }

vec3 coefficient(uint local, uint k) {
    if (preloadedSH()) {
        uint f = 3u * k;  // a constant once shColour's calls are inlined
        return vec3(shWords[f / 4u][f % 4u], shWords[(f + 1u) / 4u][(f + 1u) % 4u], shWords[(f + 2u) / 4u][(f + 2u) % 4u]);
    }
    uint terms = shTimeTerms();
    uint spatial = 3u * (pc.shDegree + 1u) * (pc.shDegree + 1u);  // the stored stride, whatever is specialised
    uint base = local * spatial * (terms + 1u) + k * 3u;
    vec3 a = vec3(shFloat(base), shFloat(base + 1u), shFloat(base + 2u));
    if (terms > 0u) {
        a = a + shTimeFactor1 * vec3(shFloat(base + spatial), shFloat(base + spatial + 1u), shFloat(base + spatial + 2u));
        if (terms > 1u) {
            uint b2 = base + 2u * spatial;
            a = a + shTimeFactor2 * vec3(shFloat(b2), shFloat(b2 + 1u), shFloat(b2 + 2u));
        }
    }
    if (!keyframed()) return a;
    vec3 b = vec3(shB[base], shB[base + 1u], shB[base + 2u]);
    return a + (b - a) * pc.time;
}

vec3 safeLog(vec3 v) { return log(max(v, vec3(1.17549435e-38))); }

vec4 normalizedQuaternion(vec4 q) {
    float n = length(q);
    return n > 0.0 ? q / n : vec4(1.0, 0.0, 0.0, 0.0);
}

// Shorter-arc slerp; nearly parallel quaternions blend linearly (CPU twin: SplatCore slerp).
vec4 slerp(vec4 a, vec4 b, float w) {
    float d = dot(a, b);
    if (d < 0.0) { d = -d; b = -b; }
    if (d > 0.9995) return normalizedQuaternion(a + (b - a) * w);
    float theta = acos(min(d, 1.0));
    float s = sin(theta);
    return normalizedQuaternion(a * (sin((1.0 - w) * theta) / s) + b * (sin(w * theta) / s));
}

vec3 shColour(uint local, vec3 position) {
    if (preloadedSH()) {
        for (uint i = 0u; i < 12u; ++i) shWords[i] = texelFetch(SH, int(local * 12u + i));
    }
    vec3 d = normalize(position - pc.cameraPosition.xyz);
    vec3 result = SH_C0 * coefficient(local, 0u);
    if (shDegree() > 0u) {
        float x = d.x, y = d.y, z = d.z;
        result = result + (-SH_C1 * y) * coefficient(local, 1u) + (SH_C1 * z) * coefficient(local, 2u)
                        + (-SH_C1 * x) * coefficient(local, 3u);
        if (shDegree() > 1u) {
            float xx = x * x, yy = y * y, zz = z * z, xy = x * y, yz = y * z, xz = x * z;
            result = result + (SH_C2[0] * xy) * coefficient(local, 4u) + (SH_C2[1] * yz) * coefficient(local, 5u)
                            + (SH_C2[2] * (2.0 * zz - xx - yy)) * coefficient(local, 6u)
                            + (SH_C2[3] * xz) * coefficient(local, 7u) + (SH_C2[4] * (xx - yy)) * coefficient(local, 8u);
            if (shDegree() > 2u) {
                result = result + (SH_C3[0] * y * (3.0 * xx - yy)) * coefficient(local, 9u)
                                + (SH_C3[1] * xy * z) * coefficient(local, 10u)
                                + (SH_C3[2] * y * (4.0 * zz - xx - yy)) * coefficient(local, 11u)
                                + (SH_C3[3] * z * (2.0 * zz - 3.0 * xx - 3.0 * yy)) * coefficient(local, 12u)
                                + (SH_C3[4] * x * (4.0 * zz - xx - yy)) * coefficient(local, 13u)
                                + (SH_C3[5] * z * (xx - yy)) * coefficient(local, 14u)
                                + (SH_C3[6] * x * (xx - 3.0 * yy)) * coefficient(local, 15u);
            }
        }
    }
    return max(result + 0.5, vec3(0.0));
}

// Indexing the result gives rows (GLSL's constructor fills columns, so these are the rows of R).
mat3 rotationRows(vec4 q) {  // q = (w, x, y, z)
    float w = q.x, x = q.y, y = q.z, z = q.w;
    return mat3(
        1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y - w * z), 2.0 * (x * z + w * y),
        2.0 * (x * y + w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z - w * x),
        2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y));
}

int clampedTile(float v, uint limit) {
    return int(min(float(limit), max(0.0, floor(v))));
}

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    uint local = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (local >= pc.count) return;
    if (flag(PREPROCESS_FLAG_INDIRECT)) local = activeIndices[local];
    uint global = pc.firstGaussian + local;
    // Culling is decided along the way and acted on once, at the end: llvmpipe runs every
    // early-exit branch for all lanes under a mask, so each exit's writes would cost every Gaussian.
    bool visible = true;
    GaussianGeometry g = GaussianGeometry(texelFetch(Geometry, int(3u * local)), texelFetch(Geometry, int(3u * local + 1u)),
                                          texelFetch(Geometry, int(3u * local + 2u)));
    vec3 p = g.positionOpacity.xyz;
    // 4DGS's kernel takes the SH view direction from the canonical mean (TemporalSH).
    vec3 viewOrigin = p;
    float opacity = g.positionOpacity.w;
    vec4 quaternion = g.rotation;
    if (keyframed()) {
        GaussianGeometry b = geometryB[local];
        float w = pc.time;
        p = p + (b.positionOpacity.xyz - p) * w;
        opacity = opacity + (b.positionOpacity.w - opacity) * w;
        g.scale.xyz = exp(safeLog(g.scale.xyz) + (safeLog(b.scale.xyz) - safeLog(g.scale.xyz)) * w);
        quaternion = slerp(normalizedQuaternion(g.rotation), normalizedQuaternion(b.rotation), w);
    }
    if (flag(PREPROCESS_FLAG_TEMPORAL)) {
        GaussianMotion m = motion[local];
        float factor;
        visible = temporallyActive(opacity, m, pc.time, pc.falloffCutoff, factor);
        opacity = opacity * factor;
        if (shTimeTerms() > 0u) {
            float dirT = m.velocityTimeCenter.w - pc.time;
            shTimeFactor1 = cos(2.0 * PI * dirT / m.jerk.w);
            shTimeFactor2 = cos(2.0 * PI * dirT * 2.0 / m.jerk.w);
        }
        float dt = pc.time - m.velocityTimeCenter.w;
        p = p + m.velocityTimeCenter.xyz * dt + m.accelerationTimeScale.xyz * (dt * dt) + m.jerk.xyz * (dt * dt * dt);
        quaternion = quaternion + m.angularVelocity * dt;
    }
    // Normalised here for every cloud: temporal rotations are raw; static ones are already unit.
    quaternion = normalizedQuaternion(quaternion);
    vec3 t = vec3(dot(pc.view0.xyz, p) + pc.view0.w, dot(pc.view1.xyz, p) + pc.view1.w, dot(pc.view2.xyz, p) + pc.view2.w);
    visible = visible && t.z > NEAR_PLANE;

    float fx = pc.intrinsics.x, fy = pc.intrinsics.y;
    float limX = FRUSTUM_CLAMP * pc.tanHalfFov.x, limY = FRUSTUM_CLAMP * pc.tanHalfFov.y;
    float tx = min(limX, max(-limX, t.x / t.z)) * t.z;
    float ty = min(limY, max(-limY, t.y / t.z)) * t.z;
    vec3 j0 = vec3(fx / t.z, 0.0, -(fx * tx) / (t.z * t.z));
    vec3 j1 = vec3(0.0, fy / t.z, -(fy * ty) / (t.z * t.z));
    // Rows of T = J·W, with W the world→camera rotation.
    vec3 tRow0 = vec3(dot(vec3(pc.view0.x, pc.view1.x, pc.view2.x), j0),
                      dot(vec3(pc.view0.y, pc.view1.y, pc.view2.y), j0),
                      dot(vec3(pc.view0.z, pc.view1.z, pc.view2.z), j0));
    vec3 tRow1 = vec3(dot(vec3(pc.view0.x, pc.view1.x, pc.view2.x), j1),
                      dot(vec3(pc.view0.y, pc.view1.y, pc.view2.y), j1),
                      dot(vec3(pc.view0.z, pc.view1.z, pc.view2.z), j1));

    mat3 r = rotationRows(quaternion);
    vec3 s = g.scale.xyz;
    // M = R·S as rows; Σ = M·Mᵀ.
    vec3 m0 = r[0] * s, m1 = r[1] * s, m2 = r[2] * s;
    vec3 sigma0 = vec3(dot(m0, m0), dot(m0, m1), dot(m0, m2));
    vec3 sigma1 = vec3(sigma0.y, dot(m1, m1), dot(m1, m2));
    vec3 sigma2 = vec3(sigma0.z, sigma1.z, dot(m2, m2));
    vec3 st0 = vec3(dot(sigma0, tRow0), dot(sigma1, tRow0), dot(sigma2, tRow0));
    vec3 st1 = vec3(dot(sigma0, tRow1), dot(sigma1, tRow1), dot(sigma2, tRow1));
    float c00 = dot(tRow0, st0), c01 = dot(tRow0, st1), c11 = dot(tRow1, st1);

    float detBefore = c00 * c11 - c01 * c01;
    c00 += LOW_PASS;
    c11 += LOW_PASS;
    float det = c00 * c11 - c01 * c01;
    if (flag(PREPROCESS_FLAG_ANTIALIASED)) opacity *= sqrt(max(2.5e-5, detBefore / det));
    visible = visible && det != 0.0;
    float detInv = 1.0 / det;
    vec3 conic = vec3(c11 * detInv, -c01 * detInv, c00 * detInv);

    float mid = 0.5 * (c00 + c11);
    float lambda1 = mid + sqrt(max(0.1, mid * mid - det));
    float lambda2 = mid - sqrt(max(0.1, mid * mid - det));
    float radius = ceil(3.0 * sqrt(max(lambda1, lambda2)));
    visible = visible && !(isinf(radius) || isnan(radius));
    radius = min(radius, 1073741824.0);

    vec2 mean = vec2(fx * t.x / t.z + pc.intrinsics.z - 0.5, fy * t.y / t.z + pc.intrinsics.w - 0.5);
    const float size = float(TILE_SIZE);
    ivec4 rect = ivec4(clampedTile((mean.x - radius) / size, pc.tileGrid.x), clampedTile((mean.y - radius) / size, pc.tileGrid.y),
                       clampedTile((mean.x + radius + size - 1.0) / size, pc.tileGrid.x),
                       clampedTile((mean.y + radius + size - 1.0) / size, pc.tileGrid.y));
    if (!visible) rect = ivec4(0);  // no tile loop over garbage bounds
    uint tiles = 0u;
    uint keptTiles = 0u;  // bit i: the rect's i-th tile (row-major) is kept, for rects of ≤ 32 tiles
    float reach = alphaReach(opacity);
    // One loop over the rect's tiles in row-major order, tested at the bottom: lavapipe runs a
    // loop's body before its exit test takes effect, so nested loops tested at the top would run
    // a masked inner body per row and a masked row at the end (3 bodies for a 1-tile rect, not 1).
    int rectTiles = (rect.z - rect.x) * (rect.w - rect.y);
    if (rectTiles > 0) {
        int x = rect.x, y = rect.y;
        uint i = 0u;  // the tile's row-major index in the rect
        do {
            if (splatReachesTile(conic, mean, reach, x, y)) {
                if (i < 32u) keptTiles |= 1u << i;
                tiles += 1u;
            }
            i += 1u;
            x += 1;
            if (x == rect.z) { x = rect.x; y += 1; }
        } while (int(i) < rectTiles);
    }
    // Culled or not, one set of writes: a culled Gaussian gets radius, rect, tile count and key 0
    // (its mean and colour are never read). Separate writes for culled ones would cost every
    // Gaussian both sets on lavapipe, which runs both sides of a branch.
    visible = visible && tiles > 0u;
    splatMeans[global] = vec4(mean, t.z, opacity);
    splatConics[global] = visible ? vec4(conic, radius) : vec4(0.0);
    bool canonicalView = flag(PREPROCESS_FLAG_CANONICAL_VIEW);
    splatColours[global] = vec4(shColour(local, canonicalView ? viewOrigin : p), reach);  // w: for the blend's box test
    splatRects[global] = visible ? packedRect(rect, keptTiles) : uvec4(0u);
    tileCounts[global] = tiles;  // 0 when culled: no tiles kept, or an invisible Gaussian's rect emptied above
    uint key = floatBitsToUint(t.z);
    depthKeys[global] = visible ? key : 0u;
    // One atomic per subgroup: on lavapipe every lane's atomic is a locked instruction on a
    // cache line that all cores share. Culled Gaussians leave the range alone.
    uint lowest = subgroupMin(visible ? key : ~0u), highest = subgroupMax(visible ? key : 0u);
    uint groupTiles = subgroupAdd(tiles);
    if (subgroupElect()) {
        atomicMin(minDepthKey, lowest);
        atomicMax(maxDepthKey, highest);
        atomicAdd(tileInstances, groupTiles);
    }
}
