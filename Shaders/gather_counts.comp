#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Tile counts of the visible Gaussians in depth order, ready for the scan that places their keys.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer TileCounts { uint tileCounts[]; };
layout(std430, binding = 1) readonly buffer DepthOrder { uvec4 order[]; };
layout(std430, binding = 2) writeonly buffer OrderedCounts { uvec4 orderedCounts[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    // Four per invocation: order and counts move as uvec4s (entries past `count` read as 0).
    uint q = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (q * 4u >= count) return;
    uvec4 gaussians = order[q], counts = uvec4(0u);
    for (uint c = 0u; c < 4u; ++c) {
        if (q * 4u + c < count) counts[c] = tileCounts[gaussians[c]];
    }
    orderedCounts[q] = counts;
}
