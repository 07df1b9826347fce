// Structures shared by the passes. Their Swift twins live in SplatGPU/GPULayouts.swift and a test
// pins their sizes and offsets (std430).
#ifndef SPLAT_COMMON_GLSL
#define SPLAT_COMMON_GLSL
#include "contract.glsl"

// One Gaussian's geometry as uploaded (48 bytes).
struct GaussianGeometry {
    vec4 positionOpacity;   // xyz, activated opacity
    vec4 scale;             // xyz (linear), w unused
    vec4 rotation;          // unit quaternion (w, x, y, z) in (x, y, z, w)
};

// One Gaussian's motion (64 bytes), present for time-varying clouds (TemporalCloud.Motion).
struct GaussianMotion {
    vec4 velocityTimeCenter;     // velocity xyz, time centre
    vec4 accelerationTimeScale;  // acceleration xyz, time scale (∞: no falloff)
    vec4 jerk;                   // jerk xyz, w: the time-varying colour's cosine period (TemporalSH)
    vec4 angularVelocity;        // added to the raw quaternion (w, x, y, z) per unit time
};

// The temporal opacity factor exp(−(Δt/s)²) of a Gaussian at `time`, and whether the Gaussian
// is active then: the factor is above the cut-off and opacity·factor can reach 1/255 (CPU twin:
// TemporalCloud.state). Shared by preprocess and the activity pass so both decide alike.
bool temporallyActive(float opacity, GaussianMotion m, float time, float cutoff, out float factor) {
    float dt = time - m.velocityTimeCenter.w;
    float u = dt / m.accelerationTimeScale.w;
    factor = exp(-(u * u));
    return factor > cutoff && opacity * factor >= 1.0 / 255.0;
}

// One Gaussian after preprocess is four vec4s, kept in four arrays ("planes") of one buffer so
// that each binding needs 16 bytes per Gaussian: lavapipe binds at most 128 MiB, i.e. 8M Gaussians
// per plane instead of 2M for a 64-byte record (FrameBuffers.SplatPlanes). Indexed by Gaussian.
//   SplatMeans:   pixel x, pixel y, view depth, opacity
//   SplatConics:  conic a, b, c, radius (pixels, as float); radius 0 marks a culled Gaussian
//   SplatColours: rgb, w: the α reach (alphaReach of the opacity), for the blend's box test
//   SplatRects:   the tile rectangle (min x | min y << 16, max x | max y << 16; max exclusive),
//                 the kept-tile mask, unused: what key emission needs, in one cache line

// Which tiles of its rect a splat of at most KEPT_TILE_MASK_TILES (32, contract.glsl) rect tiles
// keeps (bit i: the i-th tile, row-major), found by preprocess so that key emission need not test
// them again. Bigger rects keep no mask and are tested again (emit_wide_keys.comp).

uvec4 packedRect(ivec4 rect, uint keptTiles) {
    return uvec4(uint(rect.x) | uint(rect.y) << 16, uint(rect.z) | uint(rect.w) << 16, keptTiles, 0u);
}
ivec4 unpackedRect(uvec4 packed) {
    return ivec4(packed.x & 0xFFFFu, packed.x >> 16, packed.y & 0xFFFFu, packed.y >> 16);
}

// Opacity-aware tile test (CPU twin: SplatCore TileCulling): can the splat reach α ≥ 1/255
// anywhere in the tile's pixel-centre box? Tiles where it cannot are never blended into.
const float TILE_CULL_MARGIN = 1e-3;

float minimumQuadratic(vec3 conic, vec2 mean, float x0, float x1, float y0, float y1) {
    if (mean.x >= x0 && mean.x <= x1 && mean.y >= y0 && mean.y <= y1) return 0.0;
    float a = conic.x, b = conic.y, c = conic.z;
    float best = 3.402823e38;
    for (int e = 0; e < 2; ++e) {  // vertical edges x = x0, x1: best dy = −b·dx/c, clamped
        precise float dx = mean.x - (e == 0 ? x0 : x1);
        precise float dy = min(max(-b * dx / c, mean.y - y1), mean.y - y0);
        precise float q = a * dx * dx + 2.0 * b * dx * dy + c * dy * dy;
        best = min(best, q);
    }
    for (int e = 0; e < 2; ++e) {  // horizontal edges y = y0, y1
        precise float dy = mean.y - (e == 0 ? y0 : y1);
        precise float dx = min(max(-b * dy / a, mean.x - x1), mean.x - x0);
        precise float q = a * dx * dx + 2.0 * b * dx * dy + c * dy * dy;
        best = min(best, q);
    }
    return best;
}

// Largest quadratic form q(d) at which a splat of this opacity still reaches α = 1/255.
float alphaReach(float opacity) { return 2.0 * log(max(255.0 * opacity, 1e-30)); }

// Can a splat with this reach get α ≥ 1/255 at some pixel centre of the box [x0, x1] × [y0, y1]?
bool splatReachesBox(vec3 conic, vec2 mean, float reach, vec2 boxMin, vec2 boxMax) {
    return minimumQuadratic(conic, mean, boxMin.x, boxMax.x, boxMin.y, boxMax.y) <= reach + TILE_CULL_MARGIN;
}

// The tile test with the splat's reach computed once by the caller (it loops over tiles).
bool splatReachesTile(vec3 conic, vec2 mean, float reach, int tx, int ty) {
    float size = float(TILE_SIZE);
    vec2 corner = vec2(float(tx), float(ty)) * size;
    return splatReachesBox(conic, mean, reach, corner, corner + vec2(size - 1.0));
}

#endif
