#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Per tile, the [start, end) range of its pairs in the sorted list (the buffer starts zeroed).
// The tile index is a key's bits from `tileShift` up (0, or the Gaussian bits of packed keys).
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer SortedTileKeys { uint tileKeys[]; };
layout(std430, binding = 1) writeonly buffer Ranges { uvec2 ranges[]; };
layout(push_constant) uniform Push { uint count; uint tilesX; uint tileShift; };

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (i >= count) return;
    // Each boundary between two tiles' runs is found once, by the first pair of the later run,
    // which starts its tile and ends the one before: two key loads per pair instead of three.
    uint tile = tileKeys[i] >> tileShift;
    uint before = i > 0u ? tileKeys[max(i, 1u) - 1u] >> tileShift : ~0u;  // never reads before the start
    if (before != tile) {
        ranges[tile].x = i;
        if (i > 0u) ranges[before].y = i;
    }
    if (i == count - 1u) ranges[tile].y = count;
}
