#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
// Key emission: one (tile, Gaussian) pair per tile each visible Gaussian can draw into (its 3σ
// rectangle less the tiles it cannot reach α ≥ 1/255 in), Gaussians in depth order and tiles in
// row-major order. A stable sort by tile then yields the order of the
// (tile << 32 | depth) keys of DESIGN.md §3 step 9, ties broken by Gaussian index.
// Specialised with PACKED_KEYS when the tile and Gaussian indices fit one word (TileKeyPacking):
// each pair is then `tile << tileShift | gaussian` in TileKeys, and Values is not written.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(constant_id = 0) const bool PACKED_KEYS = false;
layout(std430, binding = 0) readonly buffer SplatMeans { vec4 splatMeans[]; };
layout(std430, binding = 1) readonly buffer SplatConics { vec4 splatConics[]; };
layout(std430, binding = 2) readonly buffer SplatRects { uvec4 splatRects[]; };
layout(std430, binding = 3) readonly buffer DepthOrder { uint order[]; };
layout(std430, binding = 4) readonly buffer InstanceOffsets { uint offsets[]; };
layout(std430, binding = 5) writeonly buffer TileKeys { uint tileKeys[]; };
layout(std430, binding = 6) writeonly buffer Values { uint values[]; };
layout(push_constant) uniform Push { uint count; uint tilesX; uint tileShift; };  // tileShift: the Gaussian bits

void emit(uint slot, uint tile, uint gaussian) {
    if (PACKED_KEYS) {
        tileKeys[slot] = tile << tileShift | gaussian;
    } else {
        tileKeys[slot] = tile;
        values[slot] = gaussian;
    }
}

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
        return;
    }
    vec4 mean = splatMeans[gaussian];
    vec3 conic = splatConics[gaussian].xyz;
    float reach = alphaReach(mean.w);
    // One loop over the rect's tiles in row-major order (nested loops would add a masked inner
    // body per row).
    int x = rect.x, y = rect.y;
    do {
        if (splatReachesTile(conic, mean.xy, reach, x, y)) {
            emit(slot, uint(y) * tilesX + uint(x), gaussian);
            slot += 1u;
        }
        x += 1;
        if (x == rect.z) { x = rect.x; y += 1; }
    } while (y < rect.w);
}
