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
    vec4 jerk;                   // jerk xyz, w unused
    vec4 angularVelocity;        // added to the raw quaternion (w, x, y, z) per unit time
};

// One Gaussian after preprocess (64 bytes). radius == 0 marks a culled Gaussian.
struct ProjectedSplat {
    vec4 meanDepthOpacity;  // pixel x, pixel y, view depth, opacity
    vec4 conicRadius;       // conic a, b, c, radius (pixels, as float)
    vec4 colour;            // rgb, w unused
    ivec4 tileRect;         // min x, min y, max x, max y (max exclusive)
};

#endif
