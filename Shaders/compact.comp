#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Gathers the visible Gaussians (tile count > 0) in index order, with their depth keys, at the
// positions given by an exclusive scan of the visibility flags. Index order keeps the sort stable.
// Each invocation takes four consecutive Gaussians, reading its inputs as uvec4s.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer TileCounts { uvec4 tileCounts[]; };
layout(std430, binding = 1) readonly buffer DepthKeys { uvec4 depthKeys[]; };
layout(std430, binding = 2) readonly buffer VisibleSlots { uvec4 positions[]; };
layout(std430, binding = 3) writeonly buffer VisibleKeys { uint visibleKeys[]; };
layout(std430, binding = 4) writeonly buffer VisibleIndices { uint visibleIndices[]; };
layout(push_constant) uniform Push { uint count; uint keyBase; };  // keys are stored minus keyBase

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    uint q = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (q * 4u >= count) return;
    uvec4 tiles = tileCounts[q], keys = depthKeys[q], slots = positions[q];
    for (uint c = 0u; c < 4u; ++c) {
        uint i = q * 4u + c;
        if (i < count && tiles[c] != 0u) {
            visibleKeys[slots[c]] = keys[c] - keyBase;
            visibleIndices[slots[c]] = i;
        }
    }
}
