#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Tile counts of the visible Gaussians in depth order, ready for the scan that places their keys.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
// Inputs are fetched as texels (on lavapipe a gather, where a storage-buffer load is a loop over
// the lanes; Kernels.swift).
layout(binding = 0) uniform usamplerBuffer TileCounts;
layout(binding = 1) uniform usamplerBuffer DepthOrder;  // four per texel
layout(std430, binding = 2) writeonly buffer OrderedCounts { uvec4 orderedCounts[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    // Four per invocation: order and counts move as uvec4s (entries past `count` read as 0).
    uint q = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (q * 4u >= count) return;
    uvec4 gaussians = texelFetch(DepthOrder, int(q)), counts = uvec4(0u);
    for (uint c = 0u; c < 4u; ++c) {
        if (q * 4u + c < count) counts[c] = texelFetch(TileCounts, int(gaussians[c])).x;
    }
    orderedCounts[q] = counts;
}
