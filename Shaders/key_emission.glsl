// What both key emission kernels share (emit_keys.comp, emit_wide_keys.comp): their first seven
// bindings and the way a (tile, Gaussian) pair is stored. Specialised with PACKED_KEYS when the
// tile and Gaussian indices fit one word (TileKeyPacking): each pair is then
// `tile << tileShift | gaussian` in TileKeys, and Values is not written.
#ifndef SPLAT_KEY_EMISSION_GLSL
#define SPLAT_KEY_EMISSION_GLSL
#include "common.glsl"

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

#endif
