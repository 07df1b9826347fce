#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Per tile, the [start, end) range of its pairs in the sorted list (the buffer starts zeroed).
// The tile index is a key's bits from `tileShift` up (0, or the Gaussian bits of packed keys).
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
// Four keys per texel, fetched as texels (on lavapipe a gather, where a storage-buffer load is a
// loop over the lanes; Kernels.swift).
layout(binding = 0) uniform usamplerBuffer SortedTileKeys;
layout(std430, binding = 1) writeonly buffer Ranges { uvec2 ranges[]; };
layout(push_constant) uniform Push { uint count; uint tilesX; uint tileShift; };

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    uint q = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (q * 4u >= count) return;
    // Each boundary between two tiles' runs is found once, by the first pair of the later run,
    // which starts its tile and ends the one before. Four pairs per invocation: their keys are
    // one texel, plus the key before them.
    uvec4 tiles = texelFetch(SortedTileKeys, int(q)) >> tileShift;
    uint p = max(q * 4u, 1u) - 1u;  // never reads before the start
    uint before = q > 0u ? texelFetch(SortedTileKeys, int(p / 4u))[p % 4u] >> tileShift : ~0u;
    for (uint c = 0u; c < 4u; ++c) {
        uint i = q * 4u + c;
        if (i >= count) break;
        uint tile = tiles[c];
        if (before != tile) {
            ranges[tile].x = i;
            if (i > 0u) ranges[before].y = i;
        }
        if (i == count - 1u) ranges[tile].y = count;
        before = tile;
    }
}
