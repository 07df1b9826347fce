#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Tile counts of the visible Gaussians in depth order, ready for the scan that places their keys.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer TileCounts { uint tileCounts[]; };
layout(std430, binding = 1) readonly buffer DepthOrder { uint order[]; };
layout(std430, binding = 2) writeonly buffer OrderedCounts { uint orderedCounts[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (i < count) orderedCounts[i] = tileCounts[order[i]];
}
