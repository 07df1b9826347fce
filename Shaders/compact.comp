#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Gathers the visible Gaussians (tile count > 0) in index order, with their depth keys, at the
// positions given by an exclusive scan of the visibility flags. Index order keeps the sort stable.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer TileCounts { uint tileCounts[]; };
layout(std430, binding = 1) readonly buffer DepthKeys { uint depthKeys[]; };
layout(std430, binding = 2) readonly buffer VisibleSlots { uint positions[]; };
layout(std430, binding = 3) writeonly buffer VisibleKeys { uint visibleKeys[]; };
layout(std430, binding = 4) writeonly buffer VisibleIndices { uint visibleIndices[]; };
layout(push_constant) uniform Push { uint count; uint keyBase; };  // keys are stored minus keyBase

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (i >= count || tileCounts[i] == 0u) return;
    uint slot = positions[i];
    visibleKeys[slot] = depthKeys[i] - keyBase;
    visibleIndices[slot] = i;
}
