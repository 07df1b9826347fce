#version 450
#extension GL_GOOGLE_include_directive : require
#include "key_emission.glsl"
// Key emission: one (tile, Gaussian) pair per tile each visible Gaussian can draw into (its 3σ
// rectangle less the tiles it cannot reach α ≥ 1/255 in), Gaussians in depth order and tiles in
// row-major order. A stable sort by tile then yields the order of the
// (tile << 32 | depth) keys of DESIGN.md §3 step 9, ties broken by Gaussian index.
// This pass emits the Gaussians of small rects (preprocess's kept-tile mask) and lists the wide
// ones (more than KEPT_TILE_MASK_TILES rect tiles) in WideRects, counted in WideDispatch's x,
// for emit_wide_keys.comp, which walks each with a whole subgroup. Walking them here, one lane
// each, made every subgroup run a masked turn of the walk (lavapipe runs a loop's body before its
// exit test) and one wide lane hold up its seven neighbours (BENCHMARKS.md). Each Gaussian's pairs
// start at its instance offset, so which pass writes them does not change the result.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(std430, binding = 7) writeonly buffer WideRects { uint wideRects[]; };  // depth-order positions
layout(std430, binding = 8) buffer WideDispatch { uint wideGroups[]; };        // x, y, z workgroups

// The rect tile holding bit `bit` of a kept-tile mask (row-major, `width` tiles per row). The row
// comes from a float division: lavapipe has no vector integer division and runs eight scalar
// ones; (bit + ½) / width lies at least 1/64 from an integer for the ≤ 32 tiles of a mask, so the
// float quotient truncates to the exact row.
ivec2 keptTile(ivec4 rect, int width, int bit) {
    int row = int((float(bit) + 0.5) / float(width));
    return ivec2(rect.x + bit - row * width, rect.y + row);
}

void main() {
    // Dispatches wider than MAX_GROUPS_X workgroups wrap into y (the 65 535 limit).
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (i >= count) return;
    uint gaussian = order[i];
    uvec4 packed = splatRects[gaussian];
    ivec4 rect = unpackedRect(packed);
    uint slot = offsets[i];
    int width = rect.z - rect.x;
    // Loops test their condition at the bottom: lavapipe runs a loop's body before its exit test
    // takes effect, so a loop tested at the top costs a masked body more than it iterates.
    if (width * (rect.w - rect.y) <= KEPT_TILE_MASK_TILES) {
        // Preprocess already tested these tiles: walk its mask (a loop, not a branch over the
        // rect: lavapipe runs both sides of a branch, but leaves a loop once no lane is in it).
        uint kept = packed.z;
        if (kept != 0u) do {
            ivec2 tile = keptTile(rect, width, findLSB(kept));
            kept &= kept - 1u;
            emit(slot, uint(tile.y) * tilesX + uint(tile.x), gaussian);
            slot += 1u;
        } while (kept != 0u);
    } else {
        wideRects[atomicAdd(wideGroups[0], 1u)] = i;  // any order: each Gaussian has its own slots
    }
}
