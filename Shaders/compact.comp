#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Gathers the visible Gaussians (tile count > 0) in index order, with their depth keys, at the
// positions given by an exclusive scan of the visibility flags. Index order keeps the sort stable.
// Each invocation takes four consecutive Gaussians.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
// Inputs four per texel, fetched as texels (on lavapipe a gather, where a storage-buffer load is
// a loop over the lanes; Kernels.swift).
layout(binding = 0) uniform usamplerBuffer TileCounts;
layout(binding = 1) uniform usamplerBuffer DepthKeys;
layout(binding = 2) uniform usamplerBuffer VisibleSlots;
layout(std430, binding = 3) writeonly buffer VisibleKeys { uint visibleKeys[]; };
layout(std430, binding = 4) writeonly buffer VisibleIndices { uint visibleIndices[]; };
layout(push_constant) uniform Push { uint count; uint keyBase; };  // keys are stored minus keyBase

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    uint q = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (q * 4u >= count) return;
    uvec4 tiles = texelFetch(TileCounts, int(q)), keys = texelFetch(DepthKeys, int(q)), slots = texelFetch(VisibleSlots, int(q));
    for (uint c = 0u; c < 4u; ++c) {
        uint i = q * 4u + c;
        if (i < count && tiles[c] != 0u) {
            visibleKeys[slots[c]] = keys[c] - keyBase;
            visibleIndices[slots[c]] = i;
        }
    }
}
