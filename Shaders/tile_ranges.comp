#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Per tile, the [start, end) range of its pairs in the sorted list (the buffer starts zeroed).
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer SortedTileKeys { uint tileKeys[]; };
layout(std430, binding = 1) writeonly buffer Ranges { uvec2 ranges[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (i >= count) return;
    uint tile = tileKeys[i];
    if (i == 0u || tileKeys[i - 1u] != tile) ranges[tile].x = i;
    if (i == count - 1u || tileKeys[i + 1u] != tile) ranges[tile].y = i + 1u;
}
