#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "key_emission.glsl"
// Key emission for the Gaussians emit_keys.comp listed in WideRects (rects of more than
// KEPT_TILE_MASK_TILES tiles, which preprocess keeps no tile mask for): one subgroup per Gaussian,
// its lanes testing consecutive tiles of the rect in row-major order with the tile test of
// preprocess, a ballot placing the kept ones in order from the Gaussian's instance offset.
// Dispatched indirectly, one workgroup per listed Gaussian (emit_keys counts them into
// WideDispatch's x). WIDE_KEYS_WORKGROUP_SIZE (8) invocations are one subgroup on lavapipe; a
// device with wider subgroups runs them as one partly filled subgroup (the walk counts the lanes
// present), one with narrower ones as several, each taking its own Gaussian (the spare ones
// return). CPU twin: SplatCore TileSort.emitKeys (with culling), as for emit_keys.
layout(local_size_x = WIDE_KEYS_WORKGROUP_SIZE) in;
layout(std430, binding = 7) readonly buffer WideRects { uint wideRects[]; };  // depth-order positions
layout(std430, binding = 8) readonly buffer WideDispatch { uint wideGroups[]; };

// Row of rect tile t (row-major, `width` tiles per row), from a float division: lavapipe has no
// vector integer division and runs eight scalar ones. t / width lies at least 1/width below the
// next integer, and for t < 2^20 (grids are at most 2^20 tiles, and t at most a subgroup past the
// rect) the quotient's error, even at GLSL's 2.5 ulp, is under (2^20 / width) · 2^-21 < 1/width:
// it truncates to the exact row.
int rectRow(int t, int width) { return int(float(t) / float(width)); }

void main() {
    // The invocations present in this subgroup (a workgroup smaller than the device's subgroups
    // fills one in part): this one's place among them, and how many there are.
    uvec4 present = subgroupBallot(true);
    uint lane = subgroupBallotExclusiveBitCount(present), lanes = subgroupBallotBitCount(present);
    uint entry = gl_WorkGroupID.x * gl_NumSubgroups + gl_SubgroupID;
    if (entry >= wideGroups[0]) return;
    uint i = wideRects[entry];
    uint gaussian = order[i];
    ivec4 rect = unpackedRect(splatRects[gaussian]);
    uint slot = offsets[i];
    vec4 mean = splatMeans[gaussian];
    vec3 conic = splatConics[gaussian].xyz;
    float reach = alphaReach(mean.w);
    int width = rect.z - rect.x, area = width * (rect.w - rect.y);
    int first = 0;  // the subgroup's first rect tile; tested at the bottom (a top test costs lavapipe a masked turn)
    do {
        int t = first + int(lane);
        int row = rectRow(t, width);
        int x = rect.x + t - row * width, y = rect.y + row;
        bool kept = t < area && splatReachesTile(conic, mean.xy, reach, x, y);
        uvec4 keptLanes = subgroupBallot(kept);
        if (kept) emit(slot + subgroupBallotExclusiveBitCount(keptLanes), uint(y) * tilesX + uint(x), gaussian);
        slot += subgroupBallotBitCount(keptLanes);
        first += int(lanes);
    } while (first < area);
}
